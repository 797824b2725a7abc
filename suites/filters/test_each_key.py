"""Every filter key the document declares, one by one: must keeps only its value, mustNot drops it, and each
range bound holds.

The other filter rules check the relations between filters on keys chosen once per endpoint; these send each
declared key, so that coverage can say which keys narrowed the answer (proven) and which the data could not
test (a key holding one value across the sample is exercised only).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from destwatch import notices
from destwatch.config import VersionTarget
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import must_not_excludes_values, results_satisfy_must, results_within_range
from destwatch.gate.rules.plans import Endpoint, endpoint_under_test
from destwatch.gate.rules.probe import Answer
from destwatch.gate.rules.session import Session
from destwatch.openapi.queries import LogicalQuery, Unsupported

pytestmark = pytest.mark.covers("filters")

_Row = Mapping[str, Any]
_HOLDS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _rarest(rows: Sequence[_Row], key: str) -> tuple[Any, int] | None:
    """The value of `key` fewest sampled rows hold (most telling), and how many distinct values there are."""
    counts = Counter(row.get(key) for row in rows if _scalar(row.get(key)))
    if not counts:
        return None
    return min(counts, key=lambda value: (counts[value], repr(value))), len(counts)


def _sent(ep: Endpoint, ask: LogicalQuery) -> list[Answer]:
    """The answers on every method that can send `ask`; none where no method can (the key stays unsent)."""
    try:
        return ep.everywhere([ask])
    except Unsupported:
        return []


def _keys(ep: Endpoint, keys: Sequence[str]) -> list[tuple[str, Any, int]]:
    rows = ep.sample.rows
    chosen = [(key, _rarest(rows, key)) for key in keys if ep.shown({key: 0})]
    return [(key, *found) for key, found in chosen if found is not None]


def _untelling(ep: Endpoint, item: str, key: str, value: Any) -> None:
    why = f"every sampled item holds {key}={value!r}: nothing to narrow"
    notices.cover(ep.target.id, ep.name, "filters", item, notices.UNTESTABLE, why)


def test_each_must_key_keeps_only_its_value(semantics: Session, target: VersionTarget, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    for key, value, distinct in _keys(ep, ep.model.filters):
        for answer in _sent(ep, ep.page().and_must(key, value)):
            expect(
                results_satisfy_must(answer.results, {key: (value,)}),
                "must: every result has one of the asked values",
                answer,
            )
            if distinct >= 2 and answer.results:
                ep.prove("filters", f"must.{key}", f"{answer.method}: narrowed to {key}={value!r}")
            else:
                _untelling(ep, f"must.{key}", key, value)


def test_each_must_not_key_drops_its_value(semantics: Session, target: VersionTarget, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    keys = tuple(dict.fromkeys(key for surface in ep.model.surfaces for key in surface.must_not))
    for key, value, distinct in _keys(ep, keys):
        for answer in _sent(ep, ep.page(must_not={key: (value,)})):
            expect(
                must_not_excludes_values(answer.results, {key: (value,)}),
                "mustNot: no result has an excluded value",
                answer,
            )
            if distinct >= 2 and answer.results:
                ep.prove("filters", f"mustNot.{key}", f"{answer.method}: dropped {key}={value!r}")
            else:
                _untelling(ep, f"mustNot.{key}", key, value)


def test_each_range_bound_holds(semantics: Session, target: VersionTarget, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    operators = {
        (key, op) for surface in ep.model.surfaces for key, ops in surface.ranges.items() for op in ops
    }
    for key, op in sorted(operators):
        values = sorted(row.get(key) for row in ep.sample.rows if _scalar(row.get(key)))
        if not ep.shown({key: 0}) or not values or len({type(v) is str for v in values}) > 1:
            continue
        bound = values[len(values) // 2]
        kept = sum(1 for value in values if _HOLDS[op](value, bound))
        for answer in _sent(ep, ep.page(ranges={key: {op: bound}})):
            expect(
                results_within_range(answer.results, key, {op: bound}),
                "range: every result lies within the bounds",
                answer,
            )
            if 0 < kept < len(values) and answer.results:
                ep.prove("filters", f"range.{key}.{op}", f"{answer.method}: {op} {bound!r} held")
