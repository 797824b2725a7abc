"""sortAsc / sortDesc: results ordered by the property; descending is ascending reversed.

Text is compared in the target's `sort_collation` (ordinal unless set); an ordinal failure that a
case-insensitive order would pass says so.
"""

from __future__ import annotations

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.semantics.checks import expect
from destwatch.semantics.generators import must_plan
from destwatch.semantics.model import Method
from destwatch.semantics.oracles import descending_reverses_ascending, sorted_by_property
from destwatch.semantics.plans import Endpoint, endpoint_under_test
from destwatch.semantics.probe import Answer
from destwatch.semantics.queries import Ask, expressible
from destwatch.semantics.session import Session


def _base(ep: Endpoint) -> Ask:
    """A filtered page small enough to hold every match, so ascending and descending see the same items."""
    rng = ep.semantics.rng(ep.target, ep.name, "must")
    plan = must_plan(ep.model.filters, ep.sample.rows, rng, limit=ep.fit)
    return ep.page().and_must(plan.name, plan.first) if plan else ep.page()


def _sorted(ep: Endpoint) -> list[tuple[str, Answer, Answer]]:
    """Per sort key and method that can sort on it both ways: the ascending and the descending answer."""
    keys = [key for key in ep.model.sort_keys if ep.shown({key: 0})]
    if not keys:
        raise NotChecked(f"{ep.model.path}: the document declares no property for both sortAsc and sortDesc")
    base = _base(ep)
    pairs: list[tuple[Ask, Method]] = []
    for key in keys:
        for filtered in (base, ep.page()):
            up, down = filtered.with_(sort_asc=(key,)), filtered.with_(sort_desc=(key,))
            methods = [
                m for m in ep.model.methods if expressible(up, ep.model, m) and expressible(down, ep.model, m)
            ]
            pairs += [(ask, method) for method in methods for ask in (up, down)]
            if methods:
                break
    if not pairs:
        raise NotChecked(f"{ep.model.path}: no method sorts a page both ways on {', '.join(keys)}")
    answers = ep.probe.send_all(pairs)
    return [(up.ask.sort_asc[0], up, down) for up, down in zip(answers[::2], answers[1::2], strict=True)]


def test_sort_asc_orders_results_by_the_property(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    collation = target.settings.sort_collation
    for key, ascending, _ in _sorted(endpoint_under_test(semantics, target, endpoint)):
        expect(
            sorted_by_property(ascending.results, key, descending=False, collation=collation),
            "sort: sortAsc orders results by the property, ascending",
            ascending,
        )


def test_sort_desc_orders_results_by_the_property(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    collation = target.settings.sort_collation
    for key, _, descending in _sorted(endpoint_under_test(semantics, target, endpoint)):
        expect(
            sorted_by_property(descending.results, key, descending=True, collation=collation),
            "sort: sortDesc orders results by the property, descending",
            descending,
        )


def test_sort_desc_is_sort_asc_reversed_where_values_differ(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    collation = target.settings.sort_collation
    for key, ascending, descending in _sorted(endpoint_under_test(semantics, target, endpoint)):
        if not (ascending.complete and descending.complete):
            raise NotChecked(f"{ascending.ask.describe()}: the page cannot hold every match")
        expect(
            descending_reverses_ascending(ascending.results, descending.results, key, collation),
            "sort: descending order is ascending order reversed, where values are distinct",
            descending,
        )
