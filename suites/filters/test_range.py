"""filter.range, where the document declares it: bounds hold, inclusive bounds include the bound.

Each rule uses the operators the document offers on the chosen property: `gte`/`lte` for the inclusive
rule, a `gt`/`gte` or `lt`/`lte` pair for the rule relating exclusive and inclusive bounds. In a catalogue
too large for a slice to fit a page, the queries also filter on sampled ids, so every match is returned.
"""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import (
    inclusive_and_exclusive_bounds_differ_by_the_boundary_items,
    inclusive_bounds_include_items_on_the_bound,
    results_within_range,
)
from destwatch.gate.rules.plans import (
    Endpoint,
    RangeCase,
    complete_or_skip,
    endpoint_under_test,
    range_or_skip,
)
from destwatch.gate.rules.session import Session
from destwatch.openapi.queries import LogicalQuery

pytestmark = pytest.mark.covers("filters")


def _operators(ep: Endpoint, case: RangeCase) -> set[str]:
    return {op for surface in ep.model.surfaces for op in surface.ranges.get(case.plan.name, ())}


def _bounds(ep: Endpoint, case: RangeCase, low: str, high: str) -> LogicalQuery:
    return case.ask(ep.top, {low: case.plan.low, high: case.plan.high})


def _widest(ep: Endpoint, case: RangeCase) -> LogicalQuery:
    """Both bounds, inclusive where the document offers it (one bound when it offers one side only)."""
    offered = _operators(ep, case)
    low = "gte" if "gte" in offered else "gt"
    high = "lte" if "lte" in offered else "lt"
    if low not in offered or high not in offered:
        only = next(op for op in ("gte", "gt", "lte", "lt") if op in offered)
        value = case.plan.low if only in ("gte", "gt") else case.plan.high
        return case.ask(ep.top, {only: value})
    return _bounds(ep, case, low, high)


def test_range_results_lie_within_the_bounds(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    case = range_or_skip(ep, whole=False)
    offered = _operators(ep, case)
    asks = [_widest(ep, case)]
    if {"gt", "gte", "lte"} <= offered:
        asks.append(_bounds(ep, case, "gt", "lte"))
    if {"gte", "lt", "lte"} <= offered:
        asks.append(_bounds(ep, case, "gte", "lt"))
    for answer in ep.everywhere(asks):
        ((name, bounds),) = answer.ask.ranges.items()
        expect(
            results_within_range(answer.results, name, bounds),
            "range: every result lies within the bounds",
            answer,
        )


def test_inclusive_bounds_include_items_on_the_bound(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    case = range_or_skip(ep)
    if not {"gte", "lte"} & _operators(ep, case):
        raise NotChecked(
            f"{ep.model.path}: the document offers no inclusive bound (gte, lte) on {case.plan.name}"
        )
    for inclusive in ep.everywhere([_widest(ep, case)]):
        complete_or_skip(inclusive)
        ((name, bounds),) = inclusive.ask.ranges.items()
        edges = [bounds[op] for op in ("gte", "lte") if op in bounds]
        on_bound = {
            str(row.get("id")): row.get(name) for row in case.rows(ep.sample.rows) if row.get(name) in edges
        }
        expect(
            inclusive_bounds_include_items_on_the_bound(inclusive.ids, on_bound, name, bounds),
            "range: inclusive bounds (gte, lte) include the items exactly on the bound",
            inclusive,
        )


def test_exclusive_bounds_differ_exactly_by_the_boundary_items(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    case = range_or_skip(ep)
    offered = _operators(ep, case)
    pairs: list[tuple[LogicalQuery, LogicalQuery, float]] = []
    if {"gt", "gte", "lte"} <= offered:
        pairs.append((_bounds(ep, case, "gte", "lte"), _bounds(ep, case, "gt", "lte"), case.plan.low))
    if {"gte", "lt", "lte"} <= offered:
        pairs.append((_bounds(ep, case, "gte", "lte"), _bounds(ep, case, "gte", "lt"), case.plan.high))
    if not pairs:
        raise NotChecked(f"{ep.model.path}: the document offers no gt/gte or lt/lte pair on {case.plan.name}")
    name = case.plan.name
    for inclusive_ask, exclusive_ask, bound in pairs:
        for inclusive, exclusive in ep.on_each_method([inclusive_ask, exclusive_ask]):
            complete_or_skip(inclusive, exclusive)
            known = [str(row.get("id")) for row in case.rows(ep.sample.rows) if row.get(name) == bound]
            expect(
                inclusive_and_exclusive_bounds_differ_by_the_boundary_items(
                    inclusive.results, exclusive.results, name, bound, known
                ),
                "range: gt/gte (and lt/lte) differ exactly by the items whose value is the bound",
                exclusive,
            )
