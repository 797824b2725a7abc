"""Across versions: where the target says two versions serve the same data, the same logical query (on
what both documents declare) gives the same ids in the same order, the same totals and facet counts.
Differences between the two documents are reported as warnings, not failed here."""

from __future__ import annotations

import warnings
from typing import Any

import allure
import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.generators import must_plan, range_plan
from destwatch.semantics.model import EndpointModel
from destwatch.semantics.oracles import same_facet_counts, same_ids_in_same_order, same_totals
from destwatch.semantics.plans import fit_limit
from destwatch.semantics.probe import Probe
from destwatch.semantics.queries import Ask
from destwatch.semantics.session import Sample, Session, preferred_method
from destwatch.semantics.versions import common_model, document_differences, version_number


class DocumentDifference(UserWarning):
    """Two versions' documents differ (reported for version validation, not a failure here)."""


def _later_versions(dw_run: Any, target: Any) -> list[Any]:
    if not target.settings.same_data_across_versions:
        pytest.skip(f"{target.id}: same_data_across_versions is off")
    later = [
        other
        for other in dw_run.versions_of(target.destination)
        if version_number(other.version) > version_number(target.version)
        and other.settings.same_data_across_versions
    ]
    if not later:
        pytest.skip(f"{target.id}: no later selected version of {target.destination} serves the same data")
    return later


def _queries(
    common: EndpointModel, sample: Sample, semantics: Session, target: Any, endpoint: str
) -> list[Ask]:
    """The logical queries both versions can answer: unfiltered by id, must, range, a sort on a shared key."""
    order = ("id",) if "id" in common.sort_asc else ()
    top = common.top_limit
    rows = sample.rows
    asks = [Ask(top=top, sort_asc=order, totals=common.has_totals)]
    plan = must_plan(common, rows, semantics.rng(target, endpoint, "versions"), limit=fit_limit(top, sample))
    if plan is not None:
        asks.append(
            Ask(top=top, sort_asc=order, totals=common.has_totals).and_must(
                plan.name, plan.first, plan.second
            )
        )
    ranged = range_plan(
        common, rows, semantics.rng(target, endpoint, "versions"), limit=fit_limit(top, sample)
    )
    if ranged is not None:
        bounds = {"gte": ranged.low, "lte": ranged.high}
        asks.append(Ask(top=top, sort_asc=order, totals=common.has_totals, ranges={ranged.name: bounds}))
    shared = [key for key in common.sort_desc if key != "id" and key in common.properties]
    if shared:
        asks.append(Ask(top=min(top, 100), sort_desc=(shared[0],)))
    return asks


def test_same_query_gives_the_same_answer_on_every_version(
    semantics: Session, dw_run: Any, target: Any, endpoint: str
) -> None:
    later = _later_versions(dw_run, target)
    mine = semantics.models(target)
    compared = 0
    for other in later:
        theirs = semantics.models(other)
        differences = document_differences(mine, theirs, (target.id, other.id))
        if differences:
            text = "\n".join(differences)
            allure.attach(
                text,
                name=f"document differences {target.id} -> {other.id}",
                attachment_type=allure.attachment_type.TEXT,
            )
            warnings.warn(DocumentDifference(text), stacklevel=1)
        if endpoint not in theirs:
            continue
        common = common_model(mine[endpoint], theirs[endpoint])
        method = preferred_method(common)
        sample = semantics.sample(target, endpoint)
        first = Probe(dw_run.http(target), common, semantics.budget(target))
        second = Probe(dw_run.http(other), common, semantics.budget(other))
        asks = _queries(common, sample, semantics, target, endpoint)
        answers = first.send_all([(ask, method) for ask in asks])
        echoes = second.send_all([(ask, method) for ask in asks])
        labels = (target.id, other.id)
        for a, b in zip(answers, echoes, strict=True):
            detail = f"asked both: {a.ask.describe()}"
            expect(
                same_ids_in_same_order(a.ids, b.ids, labels),
                "versions: the same logical query returns the same ids in the same order on both versions",
                b,
                detail=detail,
            )
            expect(
                same_totals(a.total, b.total, labels),
                "versions: the same query has the same total",
                b,
                detail=detail,
            )
            expect(
                same_facet_counts(a.facets, b.facets, labels),
                "versions: the same query has the same facet counts (facets both declare)",
                b,
                detail=detail,
            )
        compared += 1
    if not compared:
        pytest.skip(f"{endpoint}: no later version declares it")
