"""A consumer's query read back into a `LogicalQuery`: placeholders filled from sampled rows, GET parameters
and POST bodies understood as `openapi.queries.render` writes them, renames mapped."""

from __future__ import annotations

import pytest

from destwatch.consumers.model import ConsumerQuery, Relies
from destwatch.consumers.queries import bind, renamed
from destwatch.openapi.queries import LogicalQuery, Unsupported

ROWS = [
    {"id": "NW-1", "category": "Skor", "changed": "2026-03-01T00:00:00Z"},
    {"id": "NW-2", "category": "Väskor", "changed": "2026-01-01T00:00:00Z"},
]


def _query(method: str = "GET", **sent: object) -> ConsumerQuery:
    params = sent if method == "GET" else {}
    body = sent if method == "POST" else {}
    return ConsumerQuery("shop", "q", "products", method, params, body, "sv", Relies())  # type: ignore[arg-type]


def test_get_parameters_become_the_logical_query_with_placeholders_filled() -> None:
    ask = bind(
        _query(category="{category}", sortAsc="price", top=24, includeTotals=True, periodSince="{date}"),
        ROWS,
        ["changed"],
    )
    assert ask == LogicalQuery(
        top=24,
        language="sv",
        sort_asc=("price",),
        since="2026-01-01T00:00:00Z",
        totals=True,
        must={"category": ("Skor",)},
    )


def test_a_post_body_becomes_the_same_kind_of_query() -> None:
    body = {
        "top": 10,
        "sortDesc": ["price"],
        "after": ["{id}"],
        "filter": [
            {
                "must": {"category": ["{category}", "Hattar"]},
                "mustNot": {"color": ["Röd"]},
                "range": {"price": {"gte": 10}},
            }
        ],
    }
    ask = bind(_query("POST", **body), ROWS)
    assert ask == LogicalQuery(
        top=10,
        language="sv",
        sort_desc=("price",),
        after="NW-1",
        must={"category": ("Skor", "Hattar")},
        must_not={"color": ("Röd",)},
        ranges={"price": {"gte": 10}},
    )


@pytest.mark.parametrize(
    ("query", "why"),
    [
        (_query(brand="{brand}"), "no sampled result has a value for {brand}"),
        (_query("POST", search=["boots"]), "the body's search cannot be compared"),
        (_query("POST", filter=[{}, {}]), "only a body with one filter element"),
        (_query(top="many"), "top='many' is not a number"),
    ],
    ids=["unfillable", "search", "two-elements", "bad-top"],
)
def test_what_a_logical_query_cannot_say_is_unsupported_with_why(query: ConsumerQuery, why: str) -> None:
    with pytest.raises(Unsupported) as refused:
        bind(query, ROWS)
    assert why in refused.value.reason


def test_renames_follow_the_property_wherever_the_query_names_it() -> None:
    ask = LogicalQuery(sort_asc=("brand",), must={"brand": ("Aurora",)}, ranges={"price": {"gte": 1}})
    assert renamed(ask, {"brand": "brandName"}) == LogicalQuery(
        sort_asc=("brandName",), must={"brandName": ("Aurora",)}, ranges={"price": {"gte": 1}}
    )
