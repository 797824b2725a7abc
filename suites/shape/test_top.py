"""Page size: at most 50 results without parameters, and `top` is never exceeded; `total` is not the page."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import top_is_never_exceeded, total_counts_matches_not_the_page
from destwatch.gate.rules.plans import endpoint_under_test
from destwatch.gate.rules.session import Session
from destwatch.openapi.model import Method
from destwatch.openapi.queries import LogicalQuery

METHODS: tuple[Method, ...] = ("GET", "POST")


@pytest.mark.parametrize("method", METHODS)
def test_no_parameters_give_at_most_the_documented_default(
    semantics: Session, target: VersionTarget, endpoint: str, method: Method
) -> None:
    surface = semantics.surface(target, endpoint, method)
    answer = semantics.probe(target, endpoint).send(LogicalQuery(), method)
    expect(
        top_is_never_exceeded(answer.results, surface.default_top),
        f"top: without parameters at most {surface.default_top} results come back (the documented default)",
        answer,
    )


@pytest.mark.parametrize("method", METHODS)
def test_top_is_never_exceeded(
    semantics: Session, target: VersionTarget, endpoint: str, method: Method
) -> None:
    surface = semantics.surface(target, endpoint, method)
    tops = sorted({0, 1, 7, surface.top_limit})
    answers = semantics.probe(target, endpoint).send_all([(LogicalQuery(top=top), method) for top in tops])
    for top, answer in zip(tops, answers, strict=True):
        expect(
            top_is_never_exceeded(answer.results, top),
            "top: an answer never holds more than `top` results",
            answer,
        )


def test_total_counts_every_match_not_the_page(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    pages = {
        "top=1": LogicalQuery(top=1, totals=True),
        "top=7 skip=3": LogicalQuery(top=7, skip=3, totals=True),
        f"top={ep.top}": LogicalQuery(top=ep.top, totals=True),
    }
    for answers in ep.on_each_method(list(pages.values())):
        totals = {label: answer.total for label, answer in zip(pages, answers, strict=True)}
        expect(
            total_counts_matches_not_the_page(totals),
            "total: `total` counts every match, whatever `top` and `skip` are",
            answers[0],
            detail=f"the same unfiltered query with different pages ({answers[0].method})",
        )
        if (answers[0].total or 0) > 1:
            ep.prove_sent(answers[0], "includeTotals", f"total {answers[0].total} counted beyond a page of 1")
