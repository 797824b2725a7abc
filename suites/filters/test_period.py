"""periodSince (GET) and period (POST): every result changed within the window.

The property the period filters on is the target's `period_property`, else the one the document's period
descriptions name, else the only date-time property of the results.
"""

from __future__ import annotations

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import results_changed_within_period, same_ids_regardless_of_method
from destwatch.gate.rules.plans import Endpoint, endpoint_under_test, period_or_skip
from destwatch.gate.rules.session import Session
from destwatch.openapi.generators import period_window
from destwatch.openapi.queries import expressible


def _window(ep: Endpoint) -> tuple[str, str, str]:
    changed = period_or_skip(ep)
    window = period_window(ep.sample.rows, changed, ep.semantics.rng(ep.target, ep.name, "period"))
    if window is None:
        raise NotChecked(f"{ep.model.path}: too few distinct sampled `{changed}` instants for a window")
    return changed, *window


def test_period_since_keeps_only_items_changed_since(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if not ep.model.declares("periodSince") and not ep.model.declares("period"):
        raise NotChecked(f"{ep.model.path}: the document declares no period")
    changed, since, _ = _window(ep)
    for answer in ep.everywhere([ep.page(since=since)]):
        expect(
            results_changed_within_period(answer.results, changed, since, None),
            f"period: with periodSince (or period.since) every result's `{changed}` is at or after it",
            answer,
            detail=f"{answer.method}, {answer.ask.describe()}",
        )
        # The sample holding items the period leaves out is what makes the check telling.
        if answer.results and results_changed_within_period(ep.sample.rows, changed, since, None):
            name = "periodSince" if answer.method == "GET" else "period"
            ep.prove_sent(answer, name, f"left out items changed before {since}")


def test_period_keeps_only_items_changed_within_the_window(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    changed, since, before = _window(ep)
    window = ep.page(since=since, before=before)
    if not any(expressible(window, ep.model, method) for method in ep.model.methods):
        raise NotChecked(f"{ep.model.path}: the document declares no period with an end (POST period.before)")
    for answer in ep.everywhere([window]):
        expect(
            results_changed_within_period(answer.results, changed, since, before),
            f"period: with period every result's `{changed}` lies in [since, before)",
            answer,
        )


def test_get_period_since_and_post_period_since_return_the_same_ids(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    get, post = ep.model.get, ep.model.post
    if not (get and post and get.declares("periodSince") and post.declares("period")):
        raise NotChecked(
            f"{ep.model.path}: the document does not declare both GET periodSince and POST period"
        )
    _, since, _ = _window(ep)
    get_answer, post_answer = ep.probe.send_all(
        [(ep.page(since=since), "GET"), (ep.page(since=since), "POST")]
    )
    expect(
        same_ids_regardless_of_method(get_answer.ids, post_answer.ids),
        "period: GET periodSince and POST period.since on the same instant return the same ids",
        get_answer,
    )
