"""Language: each configured language is answered as such, and localized values differ between them.

That localized values differ is our own expectation, not Occtoo's documented contract: with
`localized_properties` set it is a rule; unset, what the data shows is reported as a warning.
"""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked, expect_or_warn
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import (
    answer_says_asked_language,
    localized_properties_differ_between_languages,
)
from destwatch.gate.rules.plans import Endpoint, endpoint_under_test
from destwatch.gate.rules.probe import Answer
from destwatch.gate.rules.session import Session, localized_properties
from destwatch.openapi.queries import LogicalQuery, Unsupported

_ITEMS = 50


def _languages(ep: Endpoint) -> list[str]:
    """The configured languages the document declares (all of them when it lists none)."""
    declared = ep.model.languages
    return [lang for lang in ep.target.languages if not declared or lang in declared]


def _by_language(ep: Endpoint) -> dict[str, Answer]:
    languages = _languages(ep)
    if not languages:
        raise NotChecked(f"{ep.model.path}: no configured language is declared by the document")
    asks = [LogicalQuery(top=min(_ITEMS, ep.top), sort_asc=("id",), language=lang) for lang in languages]
    try:
        methods = ep.methods(*asks)
    except Unsupported:
        # Without an order by id the pages may hold other items; the rule compares ids it finds in both.
        asks = [ask.with_(sort_asc=()) for ask in asks]
        methods = ep.methods(*asks)
    return dict(zip(languages, ep.send_all(asks, methods[-1]), strict=True))


def test_answer_says_each_configured_language(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    declared = ep.model.languages
    asks = [
        LogicalQuery(top=1, language=lang) for lang in target.languages if not declared or lang in declared
    ]
    if not asks:
        raise NotChecked(f"{ep.model.path}: no configured language is declared by the document")
    for answer in ep.everywhere(asks):
        assert answer.ask.language is not None
        expect(
            answer_says_asked_language(answer.data, answer.ask.language),
            "language: the answer's `language` is the language asked for",
            answer,
            detail=f"{answer.method}, {answer.ask.describe()}",
        )


@pytest.mark.covers("languages")
def test_localized_properties_differ_between_languages(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if len(_languages(ep)) < 2:
        raise NotChecked(f"{ep.model.path}: one language is both configured and declared by the document")
    answers = _by_language(ep)
    rows = {lang: [r for r in answer.results if isinstance(r, dict)] for lang, answer in answers.items()}
    configured = localized_properties(target)
    if configured is not None:
        configured = [name for name in configured if name in ep.model.properties]
        if not configured:
            raise NotChecked(f"{ep.model.path}: none of the configured localized properties is declared here")
    found = localized_properties_differ_between_languages(rows, configured)
    if found:
        evidence = answers[list(answers)[min(1, len(answers) - 1)]]
        clause = "language: localized properties differ between languages for the same ids"
        # That some values are localized is our expectation (Occtoo says nothing): a rule when listed.
        expect_or_warn(
            evidence.fail(clause, detail=f"compared {', '.join(answers)}", counterexample=found),
            rule=configured is not None,
            setting="localized_properties",
            target=target,
        )
        return
    for language, answer in answers.items():
        ep.prove("languages", language, f"{answer.method}: localized values differ from the other languages'")
