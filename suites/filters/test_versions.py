"""Across versions: where the target says two versions serve the same data, the same logical query (on
what both documents declare) gives the same ids in the same order, the same totals and facet counts.
Differences between the two documents are listed once as notes, not failed here."""

from __future__ import annotations

import allure
import pytest

from destwatch import notices
from destwatch.config import VersionTarget
from destwatch.environment import Environment
from destwatch.failures import NotChecked, expect_or_warn
from destwatch.gate.rules.oracles import same_facet_counts, same_ids_in_same_order, same_totals
from destwatch.gate.rules.plans import fit_limit
from destwatch.gate.rules.probe import Probe
from destwatch.gate.rules.session import Sample, Session
from destwatch.openapi.generators import must_plan, range_plan
from destwatch.openapi.model import EndpointModel, Method
from destwatch.openapi.queries import LogicalQuery, expressible
from destwatch.openapi.versions import common_model, document_differences, version_number


def _later_versions(dw_run: Environment, target: VersionTarget) -> list[VersionTarget]:
    if target.settings.same_data_across_versions is False:
        raise NotChecked(f"{target.id}: same_data_across_versions = false")
    later = [
        other
        for other in dw_run.versions_of(target.destination)
        if version_number(other.version) > version_number(target.version)
        and other.settings.same_data_across_versions is not False
    ]
    if not later:
        pytest.skip(f"{target.id}: no later selected version of {target.destination} serves the same data")
    return later


def _queries(
    common: EndpointModel, sample: Sample, semantics: Session, target: VersionTarget, endpoint: str
) -> list[tuple[LogicalQuery, Method]]:
    """The logical queries both versions can answer (unfiltered by id, must, range, a sort on a shared
    key), each with a method the common model can write it with."""
    top = common.top_limit
    rows = sample.rows
    limit = fit_limit(top, sample)
    unfiltered = LogicalQuery(top=top, sort_asc=("id",), totals=True)
    # Each group lists one logical query as richly as possible first; the first one a method can ask is used.
    groups = [[unfiltered, unfiltered.with_(totals=False), LogicalQuery(top=top)]]
    plan = must_plan(common.filters, rows, semantics.rng(target, endpoint, "versions"), limit=limit)
    if plan is not None:
        several = unfiltered.and_must(plan.name, plan.first, plan.second)
        groups.append(
            [
                several,
                several.with_(totals=False),
                unfiltered.with_(totals=False).and_must(plan.name, plan.first),
            ]
        )
    ranges = {name: ops for surface in common.surfaces for name, ops in surface.ranges.items()}
    ranged = range_plan(ranges, rows, semantics.rng(target, endpoint, "versions"), limit=limit)
    if ranged is not None and {"gte", "lte"} <= set(ranges[ranged.name]):
        groups.append([unfiltered.with_(ranges={ranged.name: {"gte": ranged.low, "lte": ranged.high}})])
    shared = [key for key in common.sort_keys if key != "id" and key in common.properties]
    if shared:
        groups.append([LogicalQuery(top=min(top, 100), sort_desc=(shared[0],))])
    queries: list[tuple[LogicalQuery, Method]] = []
    for group in groups:
        for ask in group:
            methods = [method for method in common.methods if expressible(ask, common, method)]
            if methods:
                # POST last in `methods` and preferred: it carries every feature, so its answers say most.
                queries.append((ask, methods[-1]))
                break
    return queries


def test_same_query_gives_the_same_answer_on_every_version(
    semantics: Session, dw_run: Environment, target: VersionTarget, endpoint: str
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
            notices.note(f"{target.id} -> {other.id}", f"the documents differ:\n{text}")
        if endpoint not in theirs:
            continue
        common = common_model(mine[endpoint], theirs[endpoint])
        if not common.surfaces:
            continue
        sample = semantics.sample(target, endpoint)
        first = Probe(dw_run.http(target), common, semantics.budget(target, endpoint))
        second = Probe(dw_run.http(other), common, semantics.budget(other, endpoint))
        queries = _queries(common, sample, semantics, target, endpoint)
        answers = first.send_all(queries)
        echoes = second.send_all(queries)
        labels = (target.id, other.id)
        # That versions serve the same data is our expectation (Occtoo says nothing): a rule when set.
        rule = bool(target.settings.same_data_across_versions and other.settings.same_data_across_versions)
        for a, b in zip(answers, echoes, strict=True):
            detail = f"asked both: {a.method} {a.ask.describe()}"
            for found, clause in (
                (
                    same_ids_in_same_order(a.ids, b.ids, labels),
                    "versions: the same logical query returns the same ids in the same order on both "
                    "versions",
                ),
                (same_totals(a.total, b.total, labels), "versions: the same query has the same total"),
                (
                    same_facet_counts(a.facets, b.facets, labels),
                    "versions: the same query has the same facet counts (facets both declare)",
                ),
            ):
                if found:
                    expect_or_warn(
                        b.fail(clause, detail=detail, counterexample=found),
                        rule=rule,
                        setting="same_data_across_versions",
                        target=target,
                    )
        compared += 1
    if not compared:
        raise NotChecked(f"{endpoint}: no later version declares it")
