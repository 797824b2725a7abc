"""sortAsc / sortDesc: results ordered by the property; descending is ascending reversed.

Text is compared in the target's `sort_collation` (ordinal unless set); an ordinal failure that a
case-insensitive order would pass says so.
"""

from __future__ import annotations

import pytest

from destwatch import notices
from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import descending_reverses_ascending, sorted_by_property
from destwatch.gate.rules.plans import Endpoint, complete_or_skip, endpoint_under_test, must_values
from destwatch.gate.rules.probe import Answer
from destwatch.gate.rules.session import Session
from destwatch.openapi.model import Method
from destwatch.openapi.queries import LogicalQuery, expressible

pytestmark = pytest.mark.covers("sort")

# Enough results for an order to be telling, few enough to keep every sorted page light.
_ORDERED_PAGE = 100


def _filtered(ep: Endpoint) -> LogicalQuery:
    """A filtered page small enough to hold every match, so ascending and descending see the same items:
    sampled ids where a method filters on several ids (telling at any catalogue size), else a must value."""
    ids = tuple(str(row.get("id")) for row in ep.sample.rows[: min(_ORDERED_PAGE, ep.top) // 2])
    by_ids = ep.page().and_must("id", *ids)
    if len(ids) >= 2 and any(expressible(by_ids, ep.model, method) for method in ep.model.methods):
        return by_ids
    plan = must_values(ep)
    return ep.page().and_must(plan.name, plan.first) if plan else ep.page()


def _sorted(ep: Endpoint, base: LogicalQuery) -> list[tuple[str, Answer, Answer]]:
    """Per sort key and method that can sort `base` both ways: the ascending and the descending answer."""
    keys = [key for key in ep.model.sort_keys if ep.shown({key: 0})]
    if not keys:
        raise NotChecked(f"{ep.model.path}: the document declares no property for both sortAsc and sortDesc")
    pairs: list[tuple[LogicalQuery, Method]] = []
    for key in keys:
        up, down = base.with_(sort_asc=(key,)), base.with_(sort_desc=(key,))
        methods = [
            m for m in ep.model.methods if expressible(up, ep.model, m) and expressible(down, ep.model, m)
        ]
        pairs += [(ask, method) for method in methods for ask in (up, down)]
    if not pairs:
        raise NotChecked(f"{ep.model.path}: no method sorts {base.describe()} both ways on {', '.join(keys)}")
    answers = ep.probe.send_all(pairs)
    return [(up.ask.sort_asc[0], up, down) for up, down in zip(answers[::2], answers[1::2], strict=True)]


def _prove(ep: Endpoint, item: str, answer: Answer) -> None:
    """An order is telling only over distinct values: one value in any order passes."""
    key = item.split()[0]
    distinct = len({repr(row.get(key)) for row in answer.results if isinstance(row, dict)})
    if distinct >= 2:
        ep.prove("sort", item, f"{answer.method}: ordered over {distinct} distinct values")
    else:
        why = f"{answer.method}: the results hold one value of {key}: any order passes"
        notices.cover(ep.target.id, ep.name, "sort", item, notices.UNTESTABLE, why)


def _ordered(ep: Endpoint) -> list[tuple[str, Answer, Answer]]:
    return _sorted(ep, LogicalQuery(top=min(ep.top, _ORDERED_PAGE)))


def test_sort_asc_orders_results_by_the_property(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    collation = target.settings.sort_collation
    ep = endpoint_under_test(semantics, target, endpoint)
    for key, ascending, _ in _ordered(ep):
        expect(
            sorted_by_property(ascending.results, key, descending=False, collation=collation),
            "sort: sortAsc orders results by the property, ascending",
            ascending,
        )
        _prove(ep, f"{key} asc", ascending)


def test_sort_desc_orders_results_by_the_property(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    collation = target.settings.sort_collation
    ep = endpoint_under_test(semantics, target, endpoint)
    for key, _, descending in _ordered(ep):
        expect(
            sorted_by_property(descending.results, key, descending=True, collation=collation),
            "sort: sortDesc orders results by the property, descending",
            descending,
        )
        _prove(ep, f"{key} desc", descending)


def test_sort_desc_is_sort_asc_reversed_where_values_differ(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    collation = target.settings.sort_collation
    compared = 0
    for key, ascending, descending in _sorted(ep, _filtered(ep)):
        complete_or_skip(ascending, descending)
        if len({repr(row.get(key)) for row in ascending.results if isinstance(row, dict)}) < 2:
            continue
        expect(
            descending_reverses_ascending(ascending.results, descending.results, key, collation),
            "sort: descending order is ascending order reversed, where values are distinct",
            descending,
        )
        for way, answer in (("asc", ascending), ("desc", descending)):
            _prove(ep, f"{key} {way}", answer)
        compared += 1
    if not compared:
        raise NotChecked(f"{ep.model.path}: no sort key has two distinct values among the filtered results")
