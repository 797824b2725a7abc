"""The document diff on one change at a time: each kind has its id, its severity and its words, and a
property takes its filter, sort key, GET parameter, range and facet with it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from destwatch.reference.model import REFERENCE
from destwatch.reference.openapi import build_document
from destwatch.validate.changes import Severity
from destwatch.validate.diff import document_changes
from destwatch.validate.facts import version_facts
from destwatch.validate.live import find_renames

Document = dict[str, Any]
_FEED = REFERENCE.destination("googleMarketplace").version("v1")  # type: ignore[union-attr]
BASE = build_document("northwind", "googleMarketplace", _FEED, "http://x/northwind/googleMarketplace/v1")


def _schemas(doc: Document) -> dict[str, Any]:
    return doc["components"]["schemas"]


def _get(doc: Document) -> list[dict[str, Any]]:
    return doc["paths"]["/feed"]["get"]["parameters"]


def _drop_property(doc: Document) -> None:
    result = _schemas(doc)["feedResult"]
    del result["properties"]["availability"]
    result["required"].remove("availability")
    doc["paths"]["/feed"]["get"]["parameters"] = [p for p in _get(doc) if p["name"] != "availability"]
    for key in ("must", "mustNot"):
        del _schemas(doc)["feedQuery"]["properties"]["filter"]["items"]["properties"][key]["properties"][
            "availability"
        ]
    for param in _get(doc):
        if param["name"] in ("sortAsc", "sortDesc"):
            param["schema"]["enum"].remove("availability")


def _retype(doc: Document) -> None:
    _schemas(doc)["feedResult"]["properties"]["price"] = {"type": "string"}


def _nullable(doc: Document) -> None:
    _schemas(doc)["feedResult"]["properties"]["title"]["nullable"] = True


def _require_top(doc: Document) -> None:
    next(p for p in _get(doc) if p["name"] == "top")["required"] = True


def _lower_top(doc: Document) -> None:
    next(p for p in _get(doc) if p["name"] == "top")["schema"]["maximum"] = 100
    _schemas(doc)["feedQuery"]["properties"]["top"]["maximum"] = 100


def _change_default_top(doc: Document) -> None:
    next(p for p in _get(doc) if p["name"] == "top")["schema"]["default"] = 20
    _schemas(doc)["feedQuery"]["properties"]["top"]["default"] = 20


def _drop_language(doc: Document) -> None:
    for param in [*_get(doc), *doc["paths"]["/feed"]["post"]["parameters"]]:
        if param["name"] == "language":
            param["schema"]["enum"] = ["en"]
    _schemas(doc)["feedQuery"]["properties"]["language"]["enum"] = ["en"]


def _default_language(doc: Document) -> None:
    next(p for p in _get(doc) if p["name"] == "language")["description"] = "Default `sv`."


def _protect(doc: Document) -> None:
    doc["components"]["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    doc["security"] = [{"bearerAuth": []}]


def _drop_range_operator(doc: Document) -> None:
    bounds = _schemas(doc)["feedQuery"]["properties"]["filter"]["items"]["properties"]["range"]
    del bounds["properties"]["price"]["properties"]["gt"]


def _lower_facet_size(doc: Document) -> None:
    _schemas(doc)["feedBrandFacet"]["properties"]["values"]["maxItems"] = 5


def _drop_facets_from_envelope(doc: Document) -> None:
    _schemas(doc)["feedApiResponse"]["required"].remove("facets")


def _drop_endpoint(doc: Document) -> None:
    doc["paths"]["/feed2"] = doc["paths"].pop("/feed")


CASES: dict[str, tuple[Callable[[Document], None], list[tuple[str, Severity, str]]]] = {
    "property removed with its filter and sort key": (
        _drop_property,
        [
            (
                "property-removed:feed.availability",
                Severity.BREAKING,
                "the result property `availability` is gone",
            )
        ],
    ),
    "property type changed": (
        _retype,
        [("property-type-changed:feed.price", Severity.BREAKING, "`price` is now string (was number)")],
    ),
    "property became nullable": (
        _nullable,
        [("property-became-nullable:feed.title", Severity.MAYBE_BREAKING, "`title` may now be null")],
    ),
    "GET parameter became required": (
        _require_top,
        [("get-parameter-became-required:feed.top", Severity.BREAKING, "`top` is now required")],
    ),
    "largest top lowered": (
        _lower_top,
        [("max-top-lowered:feed.top", Severity.BREAKING, "the largest `top` is 100 (was 1000)")],
    ),
    "default page size changed": (
        _change_default_top,
        [("default-top-changed:feed.top", Severity.MAYBE_BREAKING, "20 results come back (was 50)")],
    ),
    "language removed": (_drop_language, [("language-removed:sv", Severity.BREAKING, "`sv` is gone")]),
    "default language changed": (
        _default_language,
        [("default-language-changed:sv", Severity.BREAKING, "now `sv` (was `en`)")],
    ),
    "protection added": (_protect, [("protection-added:token", Severity.BREAKING, "need a bearer token")]),
    "range operator removed": (
        _drop_range_operator,
        [("range-operator-removed:feed.price.gt", Severity.BREAKING, "range `gt` on `price` is gone")],
    ),
    "facet size lowered": (
        _lower_facet_size,
        [("facet-size-lowered:feed.brand", Severity.MAYBE_BREAKING, "at most 5 values (was 10)")],
    ),
    "envelope lost a required key": (
        _drop_facets_from_envelope,
        [("envelope-changed:feed.facets", Severity.BREAKING, "answers may lack `facets`")],
    ),
    "endpoint removed and added": (
        _drop_endpoint,
        [
            ("endpoint-removed:feed", Severity.BREAKING, "`/feed` is gone"),
            ("endpoint-added:feed2", Severity.COMPATIBLE, "a new endpoint `/feed2`"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_change_has_its_id_severity_and_words_and_nothing_else_is_reported(case: str) -> None:
    mutate, expected = CASES[case]
    changed = copy.deepcopy(BASE)
    mutate(changed)
    changes = document_changes(version_facts(BASE), version_facts(changed))
    assert [(c.id, c.severity) for c in changes] == [(i, s) for i, s, _ in expected]
    for change, (_, _, words) in zip(changes, expected, strict=True):
        assert words in change.sentence


def test_the_same_document_has_no_change() -> None:
    assert document_changes(version_facts(BASE), version_facts(copy.deepcopy(BASE))) == []


def test_renames_are_found_only_where_values_agree_on_the_same_ids() -> None:
    old = [{"id": f"I{n}", "brand": f"b{n % 3}", "color": "red"} for n in range(10)]
    new = [{"id": f"I{n}", "brandName": f"b{n % 3}", "shade": "blue"} for n in range(10)]
    assert find_renames(old, new, removed=["brand", "color"], added=["brandName", "shade"]) == {
        "brand": "brandName"
    }
    assert find_renames(old[:3], new[:3], removed=["brand"], added=["brandName"]) == {}  # too few ids to tell
