"""Page size: at most 50 results without parameters, and `top` is never exceeded; `total` is not the page."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.oracles import top_is_never_exceeded, total_counts_matches_not_the_page
from destwatch.semantics.queries import Ask, Method, Unsupported
from destwatch.semantics.session import Session, preferred_method

METHODS: tuple[Method, ...] = ("GET", "POST")


@pytest.mark.parametrize("method", METHODS)
def test_no_parameters_give_at_most_the_documented_default(
    semantics: Session, target: Any, endpoint: str, method: Method
) -> None:
    model = semantics.model(target, endpoint)
    try:
        answer = semantics.probe(target, endpoint).send(Ask(), method)
    except Unsupported as why:
        pytest.skip(f"{method} {model.path}: {why}")
    expect(
        top_is_never_exceeded(answer.results, model.default_top),
        f"top: without parameters at most {model.default_top} results come back (the documented default)",
        answer,
    )


@pytest.mark.parametrize("method", METHODS)
def test_top_is_never_exceeded(semantics: Session, target: Any, endpoint: str, method: Method) -> None:
    model = semantics.model(target, endpoint)
    tops = sorted({0, 1, 7, model.top_limit})
    try:
        answers = semantics.probe(target, endpoint).send_all([(Ask(top=top), method) for top in tops])
    except Unsupported as why:
        pytest.skip(f"{method} {model.path}: {why}")
    for top, answer in zip(tops, answers, strict=True):
        expect(
            top_is_never_exceeded(answer.results, top),
            "top: an answer never holds more than `top` results",
            answer,
        )


def test_total_counts_every_match_not_the_page(semantics: Session, target: Any, endpoint: str) -> None:
    model = semantics.model(target, endpoint)
    if not model.has_totals:
        pytest.skip(f"{model.path}: the document declares no includeTotals")
    method = preferred_method(model)
    probe = semantics.probe(target, endpoint)
    pages = {"top=1": Ask(top=1, totals=True), "top=7 skip=3": Ask(top=7, skip=3, totals=True)}
    pages[f"top={model.top_limit}"] = Ask(top=model.top_limit, totals=True)
    answers = probe.send_all([(ask, method) for ask in pages.values()])
    totals = {label: answer.total for label, answer in zip(pages, answers, strict=True)}
    expect(
        total_counts_matches_not_the_page(totals),
        "total: `total` counts every match, whatever `top` and `skip` are",
        answers[0],
        detail="the same unfiltered query with different pages",
    )
