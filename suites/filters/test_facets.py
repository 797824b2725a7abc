"""Facets: counts are the number of results under the same filter, shrink with it, and respect size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import (
    facet_counts_match_filtered_counts,
    facet_counts_shrink_with_the_filter,
    facet_size_is_respected,
)
from destwatch.gate.rules.plans import Endpoint, endpoint_under_test, must_or_skip
from destwatch.gate.rules.probe import Answer
from destwatch.gate.rules.session import Session, facet_sizes
from destwatch.openapi.generators import value_counts
from destwatch.openapi.queries import LogicalQuery

_VALUES_PER_FACET = 2


def _require_facets(ep: Endpoint) -> None:
    if ep.model.facet_schema is None:
        raise NotChecked(f"{ep.model.path}: the document declares no facets")


def _faceted(ep: Endpoint) -> Iterator[tuple[Answer, Answer]]:
    """Per method that can filter: the unfiltered answer and one under a must filter, with their facets."""
    _require_facets(ep)
    name, value = _base_filter(ep)
    for wide, narrow in ep.on_each_method([ep.page(), ep.page().and_must(name, value)]):
        if not wide.facets:
            raise NotChecked(f"{wide.method} {ep.model.path}: the unfiltered answer holds no facets")
        yield wide, narrow


def _base_filter(ep: Endpoint) -> tuple[str, Any]:
    """A must filter on a property that is not itself a facet, so every facet's counts must shrink with it;
    a facet property only when nothing else filters."""
    rng = ep.semantics.rng(ep.target, ep.name, "facet-base")
    for name in sorted(n for n in ep.model.filters if n not in ep.model.facets):
        counts = value_counts(ep.sample.rows, name)
        usable = sorted((v for v, c in counts.items() if 1 < c < ep.fit), key=repr)
        if usable:
            return name, rng.choice(usable)
    plan = must_or_skip(ep)
    return plan.name, plan.first


def _count(answer: Answer) -> int | None:
    """How many results match: every result when the page holds them all, else `total`."""
    return len(answer.results) if answer.complete else answer.total


@pytest.mark.covers("facets")
def test_facet_count_equals_the_results_filtered_on_that_value(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    rng = semantics.rng(target, endpoint, "facets")
    checks: list[tuple[Answer, str, str, LogicalQuery]] = []
    unfaceted: NotChecked | None = None
    try:
        for wide, narrow in _faceted(ep):
            surface = ep.model.surface(wide.method)
            assert surface is not None
            for base in (wide, narrow):
                for facet, counts in sorted(base.facets.items()):
                    if facet not in surface.filters or facet in base.ask.must or not counts:
                        continue
                    for key in rng.sample(sorted(counts), min(_VALUES_PER_FACET, len(counts))):
                        ask = base.ask.with_(totals=ep.totals(base.method)).and_must(facet, key)
                        checks.append((base, facet, key, ask))
    except NotChecked as why:
        # The methods before it are still checked, as when each method was checked in turn.
        unfaceted = why
    # The filtered counts of every method and base at once: none depends on another.
    answers = ep.probe.send_all([(ask, base.method) for base, _, _, ask in checks])
    for (base, facet, key, _), answer in zip(checks, answers, strict=True):
        expect(
            facet_counts_match_filtered_counts(facet, base.facets[facet], {key: _count(answer)}),
            "facets: a facet value's count equals the number of results filtered also on that value",
            base,
            detail=f"facets of: {base.ask.describe()}; filtering on it: {answer.ask.describe()}",
        )
        ep.prove("facets", facet, f"{base.method}: a value's count matched its filtered results")
    if unfaceted is not None:
        raise unfaceted


def test_facet_counts_shrink_with_the_filter(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    for wide, narrow in _faceted(ep):
        expect(
            facet_counts_shrink_with_the_filter(narrow.facets, wide.facets),
            "facets: counts under a filter never exceed the counts without it",
            narrow,
        )


def test_facet_size_is_respected(semantics: Session, target: VersionTarget, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    _require_facets(ep)
    sizes = facet_sizes(target, ep.model)
    if not sizes:
        raise NotChecked(
            f"{ep.model.path}: neither the document nor the target states facet sizes "
            "(set facet_sizes in targets.toml)"
        )
    for wide, narrow in _faceted(ep):
        for answer in (wide, narrow):
            expect(
                facet_size_is_respected(answer.facets, sizes),
                "facets: a facet returns at most its configured number of values",
                answer,
            )
