"""Language: each configured language is answered as such, and localized values differ between them."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.oracles import (
    answer_says_asked_language,
    localized_properties_differ_between_languages,
)
from destwatch.semantics.plans import Endpoint, endpoint_under_test
from destwatch.semantics.probe import Answer
from destwatch.semantics.queries import Ask
from destwatch.semantics.session import Session, localized_properties

_ITEMS = 50


def _by_language(ep: Endpoint) -> dict[str, Answer]:
    declared = ep.model.languages
    languages = [lang for lang in ep.target.languages if not declared or lang in declared]
    if not languages:
        pytest.skip(f"{ep.model.path}: no configured language is declared by the document")
    order = ("id",) if "id" in ep.model.sort_asc else ()
    answers = ep.send_all([Ask(top=_ITEMS, sort_asc=order, language=lang) for lang in languages])
    return dict(zip(languages, answers, strict=True))


def test_answer_says_each_configured_language(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    for language, answer in _by_language(ep).items():
        expect(
            answer_says_asked_language(answer.data, language),
            "language: the answer's `language` is the language asked for",
            answer,
        )


def test_localized_properties_differ_between_languages(
    semantics: Session, target: Any, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if len(target.languages) < 2:
        pytest.skip(f"{target.id} has one language")
    answers = _by_language(ep)
    rows = {lang: [r for r in answer.results if isinstance(r, dict)] for lang, answer in answers.items()}
    configured = localized_properties(target)
    if configured is not None:
        configured = [name for name in configured if name in ep.model.properties]
        if not configured:
            pytest.skip(f"{ep.model.path}: none of the configured localized properties is declared here")
    expect(
        localized_properties_differ_between_languages(rows, configured),
        "language: localized properties differ between languages for the same ids"
        + (
            ""
            if configured
            else " (detected from the data: with several languages, some property must differ)"
        ),
        answers[next(iter(answers))] if len(answers) == 1 else answers[list(answers)[1]],
    )
