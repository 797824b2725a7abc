"""Every GET and POST answer has the documented envelope, in every configured language."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.gate.rules.checks import expect, json_body
from destwatch.gate.rules.oracles import envelope_has_language_and_results, facets_keep_documented_shape
from destwatch.gate.rules.session import Session
from destwatch.openapi.model import Method, Surface
from destwatch.openapi.queries import LogicalQuery

METHODS: tuple[Method, ...] = ("GET", "POST")


def _languages(target: VersionTarget, surface: Surface) -> list[str | None]:
    """No language (the default), then each configured language the method lets a query name."""
    if not surface.language_in:
        return [None]
    declared = surface.languages
    return [None, *(lang for lang in target.languages if not declared or lang in declared)]


@pytest.mark.parametrize("method", METHODS)
def test_every_answer_has_language_results_and_asked_total(
    semantics: Session, target: VersionTarget, endpoint: str, method: Method
) -> None:
    surface = semantics.surface(target, endpoint, method)
    top = 3 if surface.declares("top") else None
    totals = surface.declares("includeTotals")
    asks = [LogicalQuery(top=top, language=lang, totals=totals) for lang in _languages(target, surface)]
    exchanges = semantics.probe(target, endpoint).raw_all([(ask, method) for ask in asks])
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
    semantics: Session, target: VersionTarget, endpoint: str, method: Method
) -> None:
    model = semantics.model(target, endpoint)
    semantics.surface(target, endpoint, method)
    if model.facet_schema is None:
        pytest.skip(f"{model.path}: the document declares no facets")
    answer = semantics.probe(target, endpoint).send(LogicalQuery(top=3), method)
    expect(
        facets_keep_documented_shape(answer.data, model.facet_schema),
        "facets: `facets` keeps the shape the document gives it",
        answer,
    )
