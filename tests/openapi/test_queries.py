"""One logical query becomes a GET query string or a POST body, exactly as the document allows."""

from __future__ import annotations

import pytest

from destwatch.openapi.model import EndpointModel, Surface
from destwatch.openapi.queries import LogicalQuery, Unsupported, methods_for, render

MODEL = EndpointModel(
    name="products",
    path="/products",
    get=Surface(
        "GET",
        features=frozenset(
            {
                "top",
                "skip",
                "language",
                "sortAsc",
                "sortDesc",
                "after",
                "periodSince",
                "listIds",
                "includeTotals",
            }
        ),
        filters=("category",),
        language_in="query",
    ),
    post=Surface(
        "POST",
        features=frozenset(
            {"top", "skip", "includeTotals", "sortAsc", "sortDesc", "after", "period", "filter", "language"}
        ),
        filters=("category", "color"),
        several_values=True,
        must_not=("category", "color"),
        ranges={"price": ("gt", "gte", "lt", "lte")},
        language_in="query",
        period_before=True,
    ),
)


def test_get_sends_scalars_and_one_value_per_filter() -> None:
    ask = LogicalQuery(
        top=5,
        skip=10,
        sort_asc=("id",),
        after="NW-1",
        since="2026-01-01T00:00:00Z",
        list_ids=True,
        totals=True,
        language="sv",
    ).and_must("category", "Bags")
    request = render(ask, MODEL, "GET")
    assert request.body is None
    assert dict(request.params) == {
        "top": "5",
        "skip": "10",
        "language": "sv",
        "sortAsc": "id",
        "after": "NW-1",
        "periodSince": "2026-01-01T00:00:00Z",
        "listIds": "true",
        "includeTotals": "true",
        "category": "Bags",
    }


def test_post_puts_filters_in_one_element_and_language_where_declared() -> None:
    ask = LogicalQuery(
        top=5,
        language="de",
        must={"category": ("A", "B")},
        must_not={"color": ("Red",)},
        ranges={"price": {"gte": 1, "lt": 9}},
        since="S",
        before="B",
        sort_desc=("price",),
    )
    request = render(ask, MODEL, "POST")
    assert request.params == [("language", "de")]
    assert request.body == {
        "top": 5,
        "sortDesc": ["price"],
        "period": {"since": "S", "before": "B"},
        "filter": [
            {
                "must": {"category": ["A", "B"]},
                "mustNot": {"color": ["Red"]},
                "range": {"price": {"gte": 1, "lt": 9}},
            }
        ],
    }


@pytest.mark.parametrize(
    "ask",
    [
        LogicalQuery(must_not={"category": ("A",)}),
        LogicalQuery(ranges={"price": {"gte": 1}}),
        LogicalQuery(before="2026-01-01T00:00:00Z"),
        LogicalQuery(must={"category": ("A", "B")}),
        LogicalQuery(must={"color": ("Red",)}),
    ],
    ids=["mustNot", "range", "period-end", "two-values", "undeclared-filter"],
)
def test_get_refuses_what_it_cannot_express(ask: LogicalQuery) -> None:
    with pytest.raises(Unsupported):
        render(ask, MODEL, "GET")


def test_post_refuses_undeclared_keys_and_range_operators() -> None:
    with pytest.raises(Unsupported, match="brand"):
        render(LogicalQuery(must={"brand": ("X",)}), MODEL, "POST")
    with pytest.raises(Unsupported, match="stock"):
        render(LogicalQuery(ranges={"stock": {"gte": 1}}), MODEL, "POST")


def test_each_method_is_written_with_only_what_it_declares() -> None:
    # listIds is declared on GET only: POST must not send it, GET may.
    with pytest.raises(Unsupported, match="POST body field 'listIds'"):
        render(LogicalQuery(list_ids=True), MODEL, "POST")
    assert methods_for(MODEL, [LogicalQuery(list_ids=True)]) == ["GET"]
    assert methods_for(MODEL, [LogicalQuery(top=1), LogicalQuery(must={"category": ("A", "B")})]) == ["POST"]
    assert methods_for(MODEL, [LogicalQuery(top=1)]) == ["GET", "POST"]


def test_no_method_able_to_ask_is_unsupported_with_each_reason() -> None:
    with pytest.raises(Unsupported) as caught:
        methods_for(MODEL, [LogicalQuery(list_ids=True, must_not={"color": ("Red",)})])
    assert "GET: GET has no mustNot" in caught.value.reason
    assert "POST: the document declares no POST body field 'listIds'" in caught.value.reason


def test_a_sort_key_the_method_does_not_offer_is_unsupported() -> None:
    narrow = EndpointModel(
        name="p", path="/p", post=Surface("POST", features=frozenset({"sortAsc"}), sort_asc=("id",))
    )
    assert render(LogicalQuery(sort_asc=("id",)), narrow, "POST").body == {"sortAsc": ["id"]}
    with pytest.raises(Unsupported, match="does not offer 'price'"):
        render(LogicalQuery(sort_asc=("price",)), narrow, "POST")


def test_describe_names_every_part_of_the_query() -> None:
    text = LogicalQuery(top=3, must={"category": ("Bags",)}, sort_desc=("price",)).describe()
    assert text == "must category in ['Bags']; top=3; sortDesc=price"
    assert LogicalQuery().describe() == "no parameters"
