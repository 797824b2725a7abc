"""Coverage items come from the document alone; each ends in one state, from the evidence and the tests that
skipped or failed; the owners' bar; shards and runs joined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from destwatch.config import ConfigError, load_targets
from destwatch.coverage.items import KINDS, Item, items_of
from destwatch.coverage.ledger import FAILED, NOT_COVERED, Bar, Outcome, VersionCoverage, ledger
from destwatch.notices import EXERCISED, PROVEN, UNTESTABLE, cover, merged, recording
from destwatch.reference.embedded import Embedded
from destwatch.reference.model import REFERENCE
from destwatch.reference.openapi import build_document
from destwatch.reference.targets import embedded_targets
from destwatch.reference.variants import VARIANTS


def _document(version: str = "v2", customer: Any = REFERENCE) -> dict[str, Any]:
    dest = customer.destination("productCatalog")
    served = dest.version(version)
    return build_document("northwind", "productCatalog", served, f"http://127.0.0.1:1/northwind/x/{version}")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return _document()


def _names(items: list[Item], endpoint: str, kind: str) -> list[str]:
    return [item.name for item in items if item.endpoint == endpoint and item.kind == kind]


def test_items_are_what_the_document_declares(document: dict[str, Any]) -> None:
    items = items_of(document)
    assert {item.kind for item in items} == set(KINDS)
    assert _names(items, "products", "operations") == ["GET", "POST"]
    filters = _names(items, "products", "filters")
    assert {"must.category", "mustNot.color", "range.price.gte", "range.rating.lt"} <= set(filters)
    assert {"category asc", "category desc"} <= set(_names(items, "products", "sort"))
    assert _names(items, "products", "facets") == ["category", "brand", "color"]
    assert _names(items, "products", "languages") == ["en", "sv", "de"]
    assert _names(items, "products", "paging") == ["skip", "after"]
    assert {"GET 200", "POST 400", "GET 401"} <= set(_names(items, "products", "statuses"))
    assert "rating" in _names(items, "products", "properties")
    # A language POST takes as a query parameter is no body field; GET's property filters are parameters.
    assert "color" in _names(items, "products", "parameters")
    assert "filter" in _names(items, "products", "body_fields")


def test_items_follow_a_variant_document() -> None:
    one_language = items_of(_document(customer=VARIANTS["one-language"].customer))
    assert _names(one_language, "products", "languages") == ["en"]
    assert "released" in _names(
        items_of(_document(customer=VARIANTS["null-property"].customer)), "products", "properties"
    )
    sort_post_only = items_of(_document(customer=VARIANTS["sort-post-only"].customer))
    assert "sortAsc" not in _names(sort_post_only, "products", "parameters")
    assert "category asc" in _names(sort_post_only, "products", "sort")


def _state(coverage: VersionCoverage, kind: str, name: str, endpoint: str = "products") -> tuple[str, str]:
    entry = next(e for e in coverage.entries if e.item == Item(endpoint, kind, name))
    return entry.state, entry.reason


def test_each_item_ends_in_one_state_with_its_reason(document: dict[str, Any]) -> None:
    evidence = [
        ("products", "filters", "must.category", EXERCISED, "sent"),
        ("products", "filters", "must.category", PROVEN, "narrowed"),
        ("products", "filters", "must.color", EXERCISED, "sent"),
        ("products", "filters", "must.color", UNTESTABLE, "one value"),
        ("products", "sort", "price asc", EXERCISED, "sent"),
        ("products", "properties", "rating", UNTESTABLE, "never seen populated"),
        ("products", "languages", "sv", EXERCISED, "sent"),
        ("products", "sortAsc", "-", PROVEN, "an item of no known kind is left out"),
    ]
    outcomes = [
        Outcome("products", "languages", failed=False, reason="one language"),
        Outcome("products", "paging", failed=True, reason="paging: skip pages overlap"),
    ]
    coverage = ledger("productCatalog/v2", document, evidence, outcomes)
    assert _state(coverage, "filters", "must.category") == (PROVEN, "narrowed")
    assert _state(coverage, "filters", "must.color") == (EXERCISED, "one value")
    assert _state(coverage, "sort", "price asc") == (EXERCISED, "sent")
    assert _state(coverage, "properties", "rating") == (NOT_COVERED, "never seen populated")
    # A skipped clause of the item's kind leaves it not covered, though something sent it.
    assert _state(coverage, "languages", "sv") == (NOT_COVERED, "one language")
    # A failed clause is a failure, never an unproven item.
    assert _state(coverage, "paging", "after") == (FAILED, "paging: skip pages overlap")
    assert _state(coverage, "facets", "brand") == (NOT_COVERED, "no check sent it")
    # The parameter carrying a proven filter is proven with it.
    assert _state(coverage, "parameters", "category")[0] == PROVEN
    assert len(coverage.entries) == len(items_of(document))


def test_evidence_merges_to_the_strongest_and_the_most_telling() -> None:
    assert merged((EXERCISED, "sent"), (UNTESTABLE, "one value")) == (EXERCISED, "one value")
    assert merged((EXERCISED, "one value"), (EXERCISED, "sent")) == (EXERCISED, "one value")
    assert merged((PROVEN, "narrowed"), (UNTESTABLE, "one value")) == (PROVEN, "narrowed")
    with recording() as recorded:
        cover("t", "products", "sort", "id asc", EXERCISED, "sent")
        cover("t", "products", "sort", "id asc", PROVEN, "ordered")
    assert recorded.evidence == {("t", "products", "sort", "id asc"): (PROVEN, "ordered")}


def test_the_bar(document: dict[str, Any]) -> None:
    evidence = [("products", "sort", "price asc", PROVEN, "ordered")]
    unset = ledger("t", document, evidence)
    assert unset.below_bar() == [] and not unset.bar.set
    barred = ledger("t", document, evidence, bar=Bar(min_proven=0.5, require_proven=("sort", "statuses")))
    misses = barred.below_bar()
    # price asc, and the GET parameter and POST field that carry it: 3 of 167 items.
    assert misses[0] == "2% proven, below min_proven 50%"
    listed = "products id asc, products title asc, products brand asc and 28 more"
    assert misses[1] == f"require_proven sort: {listed} not proven"
    assert len(misses) == 3
    everything = [(i.endpoint, i.kind, i.name, PROVEN, "x") for i in items_of(document)]
    assert ledger("t", document, everything, bar=Bar(1.0, tuple(KINDS))).below_bar() == []


def test_shards_join_to_the_stronger_state_and_json_round_trips(document: dict[str, Any]) -> None:
    first = ledger("t", document, [("products", "facets", "brand", PROVEN, "counted")], bar=Bar(0.9))
    second = ledger("t", document, [("variants", "facets", "size", EXERCISED, "sent")])
    joined = first.joined(second)
    assert _state(joined, "facets", "brand")[0] == PROVEN
    assert _state(joined, "facets", "size", "variants") == (EXERCISED, "sent")
    assert joined.entries == tuple(
        sorted(joined.entries, key=lambda e: (e.item.endpoint, KINDS.index(e.item.kind)))
    )
    again = VersionCoverage.from_json(joined.to_json())
    assert again == joined and again.bar == Bar(0.9)
    assert joined.to_json()["by_kind"]["facets"] == {PROVEN: 1, FAILED: 0, EXERCISED: 1, NOT_COVERED: 3}


def test_the_bar_is_read_per_version_from_targets_toml_and_a_wrong_one_named(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(defaults={"min_proven": 0.8}, version_tables=_BAR), encoding="utf-8")
    bars = {
        t.id: (t.settings.min_proven, t.settings.require_proven)
        for t in load_targets(path).version_targets(embedded=Embedded())
    }
    assert bars["productCatalog/v2"] == (0.8, ("filters", "sort"))
    assert bars["productCatalog/v1"] == (0.8, ())
    path.write_text(embedded_targets(defaults={"require_proven": ["filterz"]}), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"targets.toml:\d+: defaults.require_proven.0: input should be 'operations'"
    ):
        load_targets(path)


_BAR = {"productCatalog/v2": {"require_proven": ["filters", "sort"]}}
