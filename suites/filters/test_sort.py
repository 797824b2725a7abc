"""sortAsc / sortDesc: results ordered by the property; descending is ascending reversed."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.generators import must_plan
from destwatch.semantics.oracles import descending_reverses_ascending, sorted_by_property
from destwatch.semantics.plans import Endpoint, endpoint_under_test
from destwatch.semantics.probe import Answer
from destwatch.semantics.queries import Ask
from destwatch.semantics.session import Session


def _base(ep: Endpoint) -> Ask:
    """A filtered page small enough to hold every match, so ascending and descending see the same items."""
    plan = must_plan(ep.model, ep.sample.rows, ep.semantics.rng(ep.target, ep.name, "must"), limit=ep.fit)
    return ep.page().and_must(plan.name, plan.first) if plan else ep.page()


def _sorted(ep: Endpoint) -> list[tuple[str, Answer, Answer]]:
    keys = [key for key in ep.model.sort_asc if key in ep.model.sort_desc and ep.shown({key: 0})]
    if not keys:
        pytest.skip(f"{ep.model.path}: the document declares no property for both sortAsc and sortDesc")
    base = _base(ep)
    asks = [base.with_(sort_asc=(key,)) for key in keys] + [base.with_(sort_desc=(key,)) for key in keys]
    answers = ep.send_all(asks)
    return list(zip(keys, answers[: len(keys)], answers[len(keys) :], strict=True))


def test_sort_asc_orders_results_by_the_property(semantics: Session, target: Any, endpoint: str) -> None:
    for key, ascending, _ in _sorted(endpoint_under_test(semantics, target, endpoint)):
        expect(
            sorted_by_property(ascending.results, key, descending=False),
            "sort: sortAsc orders results by the property, ascending",
            ascending,
        )


def test_sort_desc_orders_results_by_the_property(semantics: Session, target: Any, endpoint: str) -> None:
    for key, _, descending in _sorted(endpoint_under_test(semantics, target, endpoint)):
        expect(
            sorted_by_property(descending.results, key, descending=True),
            "sort: sortDesc orders results by the property, descending",
            descending,
        )


def test_sort_desc_is_sort_asc_reversed_where_values_differ(
    semantics: Session, target: Any, endpoint: str
) -> None:
    for key, ascending, descending in _sorted(endpoint_under_test(semantics, target, endpoint)):
        if not (ascending.complete and descending.complete):
            pytest.skip(f"{ascending.ask.describe()}: the page cannot hold every match")
        expect(
            descending_reverses_ascending(ascending.results, descending.results, key),
            "sort: descending order is ascending order reversed, where values are distinct",
            descending,
        )
