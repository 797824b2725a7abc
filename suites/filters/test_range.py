"""filter.range, where the document declares it: bounds hold, inclusive bounds include the bound."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.oracles import (
    inclusive_and_exclusive_bounds_differ_by_the_boundary_items,
    inclusive_bounds_include_items_on_the_bound,
    results_within_range,
)
from destwatch.semantics.plans import Endpoint, complete_or_skip, endpoint_under_test, range_or_skip
from destwatch.semantics.probe import Answer
from destwatch.semantics.session import Session


def _ranges(ep: Endpoint) -> tuple[Answer, Answer, Answer]:
    plan = range_or_skip(ep)
    if not ep.shown({plan.name: 0}):
        pytest.skip(f"{ep.model.path}: the results do not carry the range property {plan.name!r}")
    bounds = [
        {"gte": plan.low, "lte": plan.high},
        {"gt": plan.low, "lte": plan.high},
        {"gte": plan.low, "lt": plan.high},
    ]
    inclusive, above, below = ep.send_all([ep.page(ranges={plan.name: b}) for b in bounds])
    return inclusive, above, below


def test_range_results_lie_within_the_bounds(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    for answer in _ranges(ep):
        ((name, bounds),) = answer.ask.ranges.items()
        expect(
            results_within_range(answer.results, name, bounds),
            "range: every result lies within the bounds",
            answer,
        )


def test_inclusive_bounds_include_items_on_the_bound(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    inclusive, _, _ = _ranges(ep)
    complete_or_skip(inclusive)
    ((name, bounds),) = inclusive.ask.ranges.items()
    on_bound = {
        str(row.get("id")): row.get(name)
        for row in ep.sample.rows
        if row.get(name) in (bounds["gte"], bounds["lte"])
    }
    expect(
        inclusive_bounds_include_items_on_the_bound(inclusive.ids, on_bound, name, bounds),
        "range: inclusive bounds (gte, lte) include the items exactly on the bound",
        inclusive,
    )


def test_exclusive_bounds_differ_exactly_by_the_boundary_items(
    semantics: Session, target: Any, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    inclusive, above, below = _ranges(ep)
    complete_or_skip(inclusive, above, below)
    ((name, bounds),) = inclusive.ask.ranges.items()
    for exclusive, bound in ((above, bounds["gte"]), (below, bounds["lte"])):
        known = [str(row.get("id")) for row in ep.sample.rows if row.get(name) == bound]
        expect(
            inclusive_and_exclusive_bounds_differ_by_the_boundary_items(
                inclusive.results, exclusive.results, name, bound, known
            ),
            "range: gt/gte (and lt/lte) differ exactly by the items whose value is the bound",
            exclusive,
        )
