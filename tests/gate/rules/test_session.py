"""Per-suite session state: one model per document, one budget per version, one sample per endpoint."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from destwatch.failures import NotChecked
from destwatch.gate.rules.plans import fit_limit
from destwatch.gate.rules.session import Sample, Session
from destwatch.reference.model import REFERENCE
from destwatch.reference.openapi import build_document

_VERSION = REFERENCE.destinations[0].versions[0]
_TARGET = SimpleNamespace(id="productCatalog/v1", settings=SimpleNamespace(request_budget=3))


class _FakeRun:
    """A run whose document is the reference's and whose destination answers from a list of rows."""

    def __init__(self) -> None:
        self.spec_calls = 0
        self.bodies: list[Any] = []

    def document(self, target: Any) -> dict[str, Any]:
        self.spec_calls += 1
        return build_document("northwind", "productCatalog", _VERSION, "http://destination.test")

    def http(self, target: Any) -> httpx.Client:
        def answer(request: httpx.Request) -> httpx.Response:
            self.bodies.append(json.loads(request.content))
            rows = [{"id": f"NW-{n}", "category": "Bags"} for n in range(3)]
            return httpx.Response(200, json={"language": "en", "results": rows, "total": 3})

        return httpx.Client(base_url="http://destination.test", transport=httpx.MockTransport(answer))


def test_the_document_is_read_once_and_the_sample_is_one_largest_page_by_id() -> None:
    run = _FakeRun()
    session = Session(run, "filters", seed=1)
    first = session.sample(_TARGET, "products")
    again = session.sample(_TARGET, "products")
    assert first is again and run.spec_calls == 1
    assert run.bodies == [{"top": 1000, "sortAsc": ["id"], "includeTotals": True}]
    assert (len(first.rows), first.total, first.complete) == (3, 3, True)
    assert session.budget(_TARGET, "products").spent == 1


def test_an_endpoint_the_document_lacks_is_not_checked_with_the_reason() -> None:
    with pytest.raises(NotChecked, match=re.escape("'products/{id}' is not a collection endpoint")):
        Session(_FakeRun(), "shape").model(_TARGET, "products/{id}")


def test_budgets_are_per_endpoint_so_more_endpoints_never_take_checks_from_others() -> None:
    session = Session(_FakeRun(), "filters")
    assert session.budget(_TARGET, "products") is not session.budget(_TARGET, "variants")
    assert session.budget(_TARGET, "products") is session.budget(_TARGET, "products")


def test_a_value_fits_a_third_of_a_page_scaled_by_the_sampled_share() -> None:
    rows = [{}] * 1000
    assert fit_limit(1000, Sample(rows, total=1000, complete=False)) == 333
    assert fit_limit(1000, Sample(rows, total=4000, complete=False)) == 83
    # A page of 50 over 3,000 items: no sampled count tells a value fits, so only unique keys are used.
    assert fit_limit(50, Sample(rows[:50], total=3000, complete=False)) == 1


def test_a_plan_is_built_once_per_key_and_each_key_has_its_own() -> None:
    session = Session(_FakeRun(), "filters")
    built: list[str] = []

    def build(name: str) -> str:
        built.append(name)
        return name.upper()

    assert session.plan(("v1", "products", "must"), lambda: build("must")) == "MUST"
    assert session.plan(("v1", "products", "must"), lambda: build("again")) == "MUST"
    assert session.plan(("v1", "products", "range"), lambda: build("range")) == "RANGE"
    assert built == ["must", "range"]
