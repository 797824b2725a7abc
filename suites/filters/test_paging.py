"""Paging: skip pages concatenate, keyset paging visits each item once, totals, listIds and top."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.oracles import (
    keyset_paging_visits_every_item_once,
    list_ids_match_full_results,
    page_holds_min_of_top_and_matches,
    skip_pages_are_disjoint_and_concatenate,
    total_equals_reachable_items,
)
from destwatch.semantics.plans import Endpoint, endpoint_under_test
from destwatch.semantics.probe import Answer
from destwatch.semantics.queries import Ask
from destwatch.semantics.session import Session

_PAGE = 7
_MAX_PAGES = 40


def _by_id(ep: Endpoint) -> tuple[str, ...]:
    return ("id",) if "id" in ep.model.sort_asc else ()


def test_skip_pages_are_disjoint_and_concatenate(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if "skip" not in ep.model.get_parameters and "skip" not in ep.model.post_fields:
        pytest.skip(f"{ep.model.path}: the document declares no skip")
    order = _by_id(ep)
    pages = [Ask(top=_PAGE, skip=n * _PAGE, sort_asc=order) for n in range(3)]
    *answers, unpaged = ep.send_all([*pages, Ask(top=3 * _PAGE, sort_asc=order)])
    expect(
        skip_pages_are_disjoint_and_concatenate([a.ids for a in answers], unpaged.ids),
        "paging: consecutive skip pages are disjoint and concatenate to the unpaged order",
        answers[1],
        detail=f"pages of top={_PAGE} at skip 0, {_PAGE}, {2 * _PAGE} against top={3 * _PAGE}",
    )


def _keyset(ep: Endpoint, top: int) -> tuple[list[Answer], list[str | None]]:
    """Page with sortAsc=id + after until a page comes back short, the way Occtoo's own exports page."""
    if not ep.model.has_after or "id" not in ep.model.sort_asc:
        pytest.skip(f"{ep.model.path}: the document declares no after with sortAsc=id")
    answers: list[Answer] = []
    cursors: list[str | None] = [None]
    while len(answers) < _MAX_PAGES:
        answers.append(ep.send(Ask(top=top, sort_asc=("id",), after=cursors[-1], totals=ep.model.has_totals)))
        if len(answers[-1].results) < top or not answers[-1].ids:
            break
        cursors.append(answers[-1].ids[-1])
    return answers, cursors


def test_keyset_paging_visits_every_item_exactly_once(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    answers, cursors = _keyset(ep, ep.top)
    expect(
        keyset_paging_visits_every_item_once([a.ids for a in answers], cursors),
        "paging: keyset paging with sortAsc=id + after visits every item exactly once",
        answers[min(1, len(answers) - 1)],
    )


def test_total_equals_the_items_reachable_by_paging(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if not ep.model.has_totals:
        pytest.skip(f"{ep.model.path}: the document declares no includeTotals")
    answers, _ = _keyset(ep, ep.top)
    reached = [i for a in answers for i in a.ids]
    expect(
        total_equals_reachable_items(answers[0].total, reached),
        "total: `total` equals the number of items reachable by paging",
        answers[0],
        detail=f"keyset paging with top={ep.top} took {len(answers)} pages",
    )


def test_list_ids_give_the_same_ids_as_full_results(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if not ep.model.has_list_ids:
        pytest.skip(f"{ep.model.path}: the document declares no listIds")
    order = _by_id(ep)
    full, ids = ep.send_all([Ask(top=ep.top, sort_asc=order), Ask(top=ep.top, sort_asc=order, list_ids=True)])
    expect(
        list_ids_match_full_results(ids.results, full.results),
        "listIds: listIds gives the same ids, in the same order, as full results",
        ids,
    )


def test_top_zero_one_and_the_largest_top_behave(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    sample = ep.sample
    matches = sample.total if sample.total is not None else (len(sample.rows) if sample.complete else None)
    if matches is None:
        pytest.skip(f"{ep.model.path}: neither includeTotals nor a complete page tells how many items match")
    tops = sorted({0, 1, ep.top})
    for top, answer in zip(tops, ep.send_all([Ask(top=top) for top in tops]), strict=True):
        expect(
            page_holds_min_of_top_and_matches(answer.results, top, matches),
            "top: a page holds `top` results, or every match when fewer match (top=0: none)",
            answer,
        )
