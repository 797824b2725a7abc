"""periodSince (GET) and period (POST): every result changed within the window."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect
from destwatch.semantics.generators import period_window
from destwatch.semantics.oracles import results_changed_within_period, same_ids_regardless_of_method
from destwatch.semantics.plans import Endpoint, endpoint_under_test
from destwatch.semantics.session import Session


def _window(ep: Endpoint) -> tuple[str, str, str]:
    changed = ep.model.changed_property
    if changed is None:
        pytest.skip(f"{ep.model.path}: the results declare no single date-time property to check a period on")
    window = period_window(ep.sample.rows, changed, ep.semantics.rng(ep.target, ep.name, "period"))
    if window is None:
        pytest.skip(f"{ep.model.path}: too few distinct sampled `{changed}` instants for a window")
    return changed, *window


def test_period_since_keeps_only_items_changed_since(semantics: Session, target: Any, endpoint: str) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if not ep.model.has_period_since:
        pytest.skip(f"{ep.model.path}: the document declares no GET periodSince")
    changed, since, _ = _window(ep)
    answer = ep.send(ep.page(since=since), "GET")
    expect(
        results_changed_within_period(answer.results, changed, since, None),
        f"period: with periodSince every result's `{changed}` is at or after it",
        answer,
    )


def test_period_keeps_only_items_changed_within_the_window(
    semantics: Session, target: Any, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if not ep.model.has_post_period:
        pytest.skip(f"{ep.model.path}: the document declares no POST period")
    changed, since, before = _window(ep)
    for answer in ep.send_all([ep.page(since=since, before=before), ep.page(since=since)], "POST"):
        expect(
            results_changed_within_period(answer.results, changed, answer.ask.since, answer.ask.before),
            f"period: with period every result's `{changed}` lies in [since, before)",
            answer,
        )


def test_get_period_since_and_post_period_since_return_the_same_ids(
    semantics: Session, target: Any, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    if not (ep.model.has_period_since and ep.model.has_post_period):
        pytest.skip(f"{ep.model.path}: the document does not declare both GET periodSince and POST period")
    _, since, _ = _window(ep)
    get, post = ep.probe.send_all([(ep.page(since=since), "GET"), (ep.page(since=since), "POST")])
    expect(
        same_ids_regardless_of_method(get.ids, post.ids),
        "period: GET periodSince and POST period.since on the same instant return the same ids",
        get,
    )
