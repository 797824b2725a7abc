"""One logical query becomes a GET query string or a POST body, exactly as the document allows."""

from __future__ import annotations

import pytest

from destwatch.semantics.model import EndpointModel
from destwatch.semantics.queries import Ask, Unsupported, render

MODEL = EndpointModel(
    name="products",
    path="/products",
    get_parameters=frozenset(
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
            "category",
        }
    ),
    post_fields=frozenset(
        {"top", "skip", "includeTotals", "listIds", "sortAsc", "sortDesc", "after", "period", "filter"}
    ),
    post_query_parameters=frozenset({"language"}),
    get_filters=("category",),
    must_keys=("category", "color"),
    must_not_keys=("category", "color"),
    ranges={"price": ("gt", "gte", "lt", "lte")},
    has_get=True,
    has_post=True,
)


def test_get_sends_scalars_and_one_value_per_filter() -> None:
    ask = Ask(
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
    ask = Ask(
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
        Ask(must_not={"category": ("A",)}),
        Ask(ranges={"price": {"gte": 1}}),
        Ask(before="2026-01-01T00:00:00Z"),
        Ask(must={"category": ("A", "B")}),
        Ask(must={"color": ("Red",)}),
    ],
    ids=["mustNot", "range", "period-end", "two-values", "undeclared-filter"],
)
def test_get_refuses_what_it_cannot_express(ask: Ask) -> None:
    with pytest.raises(Unsupported):
        render(ask, MODEL, "GET")


def test_post_refuses_undeclared_keys_and_range_operators() -> None:
    with pytest.raises(Unsupported, match="brand"):
        render(Ask(must={"brand": ("X",)}), MODEL, "POST")
    with pytest.raises(Unsupported, match="stock"):
        render(Ask(ranges={"stock": {"gte": 1}}), MODEL, "POST")


def test_describe_names_every_part_of_the_query() -> None:
    text = Ask(top=3, must={"category": ("Bags",)}, sort_desc=("price",)).describe()
    assert text == "must category in ['Bags']; top=3; sortDesc=price"
    assert Ask().describe() == "no parameters"
