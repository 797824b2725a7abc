"""Paging: skip pages concatenate, keyset paging visits each item once, totals, listIds and top.

Walks are bounded by the endpoint's request budget, not a page count: a catalogue too large to page
within it is checked on a filtered subset small enough to page to the end, or not checked, with why.
"""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import (
    keyset_paging_visits_every_item_once,
    list_ids_match_full_results,
    page_holds_min_of_top_and_matches,
    skip_pages_are_disjoint_and_concatenate,
    total_equals_reachable_items,
)
from destwatch.gate.rules.plans import Endpoint, endpoint_under_test, keyset_walk, pageable_subset
from destwatch.gate.rules.probe import Answer, concurrently
from destwatch.gate.rules.session import Session
from destwatch.openapi.model import Method
from destwatch.openapi.queries import LogicalQuery, expressible

_PAGE = 7


def _by_id(ep: Endpoint, method: Method) -> tuple[str, ...]:
    surface = ep.model.surface(method)
    return ("id",) if surface is not None and "id" in surface.sort_asc else ()


def _keyset_methods(ep: Endpoint, *, totals: bool = False) -> list[Method]:
    probe = LogicalQuery(top=ep.top, sort_asc=("id",), after="cursor", totals=totals)
    methods = [method for method in ep.model.methods if expressible(probe, ep.model, method)]
    if not methods:
        what = "after with sortAsc=id" + (" and includeTotals" if totals else "")
        raise NotChecked(f"{ep.model.path}: no method of the document declares {what}")
    return methods


def _prove(ep: Endpoint, mode: str, pages: list[Answer]) -> None:
    """A walk proves a paging mode when it went past its first page: one page pages nothing."""
    walked = sum(1 for page in pages if page.ids)
    if walked >= 2:
        ep.prove("paging", mode, f"{pages[0].method}: walked {walked} pages")


@pytest.mark.covers("paging")
def test_skip_pages_are_disjoint_and_concatenate(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    checked = False
    for method in ep.model.methods:
        order = _by_id(ep, method)
        pages = [LogicalQuery(top=_PAGE, skip=n * _PAGE, sort_asc=order) for n in range(3)]
        unpaged = LogicalQuery(top=3 * _PAGE, sort_asc=order)
        if not all(expressible(ask, ep.model, method) for ask in [*pages, unpaged]):
            continue
        *answers, whole = ep.send_all([*pages, unpaged], method)
        expect(
            skip_pages_are_disjoint_and_concatenate([a.ids for a in answers], whole.ids),
            "paging: consecutive skip pages are disjoint and concatenate to the unpaged order",
            answers[1],
            detail=f"{method} pages of top={_PAGE} at skip 0, {_PAGE}, {2 * _PAGE} against top={3 * _PAGE}",
        )
        _prove(ep, "skip", answers)
        checked = True
    if not checked:
        raise NotChecked(f"{ep.model.path}: no method of the document declares skip and top")


@pytest.mark.covers("paging")
def test_keyset_paging_visits_every_item_exactly_once(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    collation = target.settings.sort_collation
    methods = _keyset_methods(ep)
    walks = _walks(ep, [(ep.page(), method) for method in methods])
    for method, (answers, _) in zip(methods, walks, strict=True):
        expect(
            keyset_paging_visits_every_item_once([a.ids for a in answers], collation),
            "paging: keyset paging with sortAsc=id + after visits every item exactly once",
            answers[min(1, len(answers) - 1)],
            detail=f"{method}, {len(answers)} pages of top={ep.top}",
        )
        _prove(ep, "after", answers)


def test_total_equals_the_items_reachable_by_paging(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    subsets: list[tuple[LogicalQuery, Method]] = []
    unpageable: NotChecked | None = None
    for method in _keyset_methods(ep, totals=True):
        try:
            subsets.append((pageable_subset(ep, method, totals=True), method))
        except NotChecked as why:
            # The methods before it are still checked, as when each method was walked in turn.
            unpageable = why
            break
    for (base, method), (answers, finished) in zip(subsets, _walks(ep, subsets), strict=True):
        reached = [i for a in answers for i in a.ids]
        if not finished:
            expect(
                keyset_paging_visits_every_item_once(
                    [a.ids for a in answers], target.settings.sort_collation
                ),
                "paging: keyset paging with sortAsc=id + after visits every item exactly once",
                answers[-1],
            )
            raise NotChecked(f"{base.describe()}: {len(answers)} pages did not reach the end")
        expect(
            total_equals_reachable_items(answers[0].total, reached),
            "total: `total` equals the number of items reachable by paging",
            answers[0],
            detail=f"{method} keyset paging of {base.describe()} took {len(answers)} pages",
        )
    if unpageable is not None:
        raise unpageable


def _walks(ep: Endpoint, bases: list[tuple[LogicalQuery, Method]]) -> list[tuple[list[Answer], bool]]:
    """One keyset walk per (query, method), side by side: each walk's pages follow one another, the walks
    do not. Each may take the allowance the first would take alone (the budget still bounds them all)."""
    pages = ep.paging_allowance
    return concurrently(lambda base: keyset_walk(ep, *base, pages=pages), bases)


def test_list_ids_give_the_same_ids_as_full_results(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    checked = False
    for method in ep.model.methods:
        order = _by_id(ep, method)
        full, ids = (
            LogicalQuery(top=ep.top, sort_asc=order),
            LogicalQuery(top=ep.top, sort_asc=order, list_ids=True),
        )
        if not expressible(ids, ep.model, method):
            continue
        full_answer, ids_answer = ep.send_all([full, ids], method)
        expect(
            list_ids_match_full_results(ids_answer.results, full_answer.results),
            "listIds: listIds gives the same ids, in the same order, as full results",
            ids_answer,
        )
        if full_answer.results:
            ep.prove_sent(ids_answer, "listIds", f"{len(full_answer.results)} ids matched the full results")
        checked = True
    if not checked:
        raise NotChecked(f"{ep.model.path}: no method of the document declares listIds")


def test_top_zero_one_and_the_largest_top_behave(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    matches = ep.sample.size
    if matches is None:
        raise NotChecked(
            f"{ep.model.path}: neither includeTotals nor a complete page tells how many items match"
        )
    tops = sorted({0, 1, ep.top})
    for answers in ep.on_each_method([LogicalQuery(top=top) for top in tops]):
        for top, answer in zip(tops, answers, strict=True):
            expect(
                page_holds_min_of_top_and_matches(answer.results, top, matches),
                "top: a page holds `top` results, or every match when fewer match (top=0: none)",
                answer,
            )
        if matches > 1:
            ep.prove_sent(answers[1], "top", f"top=1 held one of {matches} matches")
