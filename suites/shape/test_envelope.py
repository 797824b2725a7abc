"""Every GET and POST answer has the documented envelope, in every configured language."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect, json_body
from destwatch.semantics.oracles import envelope_has_language_and_results, facets_keep_documented_shape
from destwatch.semantics.queries import Ask, Method, Unsupported
from destwatch.semantics.session import Session

METHODS: tuple[Method, ...] = ("GET", "POST")


def _languages(target: Any, declared: tuple[str, ...]) -> list[str | None]:
    """No language (the default), then each configured language the document allows."""
    return [None, *(lang for lang in target.languages if not declared or lang in declared)]


@pytest.mark.parametrize("method", METHODS)
def test_every_answer_has_language_results_and_asked_total(
    semantics: Session, target: Any, endpoint: str, method: Method
) -> None:
    model = semantics.model(target, endpoint)
    probe = semantics.probe(target, endpoint)
    asks = [
        Ask(top=3, language=lang, totals=model.has_totals) for lang in _languages(target, model.languages)
    ]
    try:
        exchanges = probe.raw_all([(ask, method) for ask in asks])
    except Unsupported as why:
        pytest.skip(f"{method} {model.path}: {why}")
    for ask, (request, response) in zip(asks, exchanges, strict=True):
        status = [] if response.status_code == 200 else [f"status {response.status_code}, not 200"]
        expect(
            status
            or envelope_has_language_and_results(json_body(response), ask.language, totals_asked=ask.totals),
            "envelope: every answer has `language` (the one asked for), an array `results`, "
            "and `total` when includeTotals is asked",
            (request, response),
            detail=f"asked: {ask.describe()}",
        )


@pytest.mark.parametrize("method", METHODS)
def test_facets_keep_their_documented_shape(
    semantics: Session, target: Any, endpoint: str, method: Method
) -> None:
    model = semantics.model(target, endpoint)
    if model.facet_schema is None:
        pytest.skip(f"{model.path}: the document declares no facets")
    probe = semantics.probe(target, endpoint)
    try:
        answer = probe.send(Ask(top=3), method)
    except Unsupported as why:
        pytest.skip(f"{method} {model.path}: {why}")
    expect(
        facets_keep_documented_shape(answer.data, model.facet_schema),
        "facets: `facets` keeps the shape the document gives it",
        answer,
    )
