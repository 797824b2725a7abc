"""filter.must and filter.mustNot: values are alternatives, properties intersect, exclusions exclude."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import (
    ids_holding,
    must_and_must_not_partition,
    must_and_must_not_totals_add_up,
    must_not_excludes_values,
    must_on_two_properties_intersects,
    must_values_are_alternatives,
    narrowing_never_adds_results,
    results_satisfy_must,
)
from destwatch.gate.rules.plans import complete_or_skip, endpoint_under_test, must_or_skip
from destwatch.gate.rules.session import Session

pytestmark = pytest.mark.covers("filters")


def test_must_results_have_an_asked_value(semantics: Session, target: VersionTarget, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    plan = must_or_skip(ep, whole=False)
    asks = [ep.page().and_must(plan.name, plan.first), ep.page().and_must(plan.name, plan.first, plan.second)]
    for answer in ep.everywhere(asks):
        expect(
            results_satisfy_must(answer.results, ep.shown(answer.ask.must)),
            "must: every result has one of the asked values",
            answer,
        )


def test_must_values_are_alternatives(semantics: Session, target: VersionTarget, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    plan = must_or_skip(ep, several=True)
    asks = [
        ep.page().and_must(plan.name, plan.first),
        ep.page().and_must(plan.name, plan.second),
        ep.page().and_must(plan.name, plan.first, plan.second),
    ]
    for first, second, both in ep.on_each_method(asks):
        complete_or_skip(first, second, both)
        expect(
            must_values_are_alternatives(both.ids, {plan.first: first.ids, plan.second: second.ids}),
            "must: two values of one property give the union of their single-value results",
            both,
        )


def test_must_on_two_properties_gives_the_intersection(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    plan = must_or_skip(ep)
    if plan.other is None:
        raise NotChecked(f"{ep.model.path}: the document declares one filter property only")
    asks = [
        ep.page().and_must(plan.name, plan.first),
        ep.page().and_must(plan.other, plan.other_value),
        ep.page().and_must(plan.name, plan.first).and_must(plan.other, plan.other_value),
    ]
    for first, other, both in ep.on_each_method(asks):
        complete_or_skip(first, both)
        if other.complete:
            others = other.ids
        elif ep.shown({plan.other: 0}):
            # Too many items hold the other value to list them all: the first answer's own results tell
            # which of them hold it, and that is all the intersection can hold.
            others = ids_holding(first.results, plan.other, plan.other_value)
        else:
            raise NotChecked(f"{other.ask.describe()}: the page cannot hold every match")
        expect(
            must_on_two_properties_intersects(both.ids, first.ids, others),
            "must: must on two properties gives the intersection of their single-property results",
            both,
        )
        expect(
            narrowing_never_adds_results(both.ids, first.ids),
            "must: adding a constraint never adds results",
            both,
        )


def test_must_not_excludes_every_listed_value(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    plan = must_or_skip(ep, whole=False)
    asks = [
        ep.page(must_not={plan.name: (plan.first,)}),
        ep.page(must_not={plan.name: (plan.first, plan.second)}),
    ]
    for answer in ep.everywhere(asks):
        expect(
            must_not_excludes_values(answer.results, ep.shown(answer.ask.must_not)),
            "mustNot: no result has an excluded value",
            answer,
        )


def test_must_and_must_not_partition_the_items(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    plan = must_or_skip(ep)
    clause = "mustNot: must and mustNot on the same value partition the items (nothing shared, nothing lost)"
    bare = [
        ep.page().and_must(plan.name, plan.first),
        ep.page(must_not={plan.name: (plan.first,)}),
        ep.page(),
    ]
    for method in ep.methods(*bare):
        totals = ep.totals(method)
        kept, dropped, everything = ep.send_all([ask.with_(totals=totals) for ask in bare], method)
        if kept.complete and dropped.complete and everything.complete:
            expect(must_and_must_not_partition(kept.ids, dropped.ids, everything.ids), clause, dropped)
            continue
        # The pages cannot hold every item: the ids seen must still be disjoint, and the totals add up.
        expect(must_and_must_not_partition(kept.ids, dropped.ids, {*kept.ids, *dropped.ids}), clause, dropped)
        if not totals:
            raise NotChecked(
                f"{method} {ep.model.path}: pages cannot hold every item and it declares no includeTotals"
            )
        expect(must_and_must_not_totals_add_up(kept.total, dropped.total, everything.total), clause, dropped)
