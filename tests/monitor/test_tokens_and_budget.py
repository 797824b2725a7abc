"""Tokens are reused across cycles until shortly before they expire (one token request per lifetime, in
either token flow), `token-errors` runs once per lifetime, and no cycle sends a version more than 2 + 3 per
endpoint requests: the optional steps take turns when the budget is spent."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch.monitor.outcomes import OPTIONAL_STEPS, Outcome
from destwatch.monitor.probe import request_budget
from kit.monitoring import FakeClock, monitor_on, version

# The reference's v2 asks the destination for tokens, v3 its OAuth2 authorization server.
V1, V2, V3 = "productCatalog/v1", "productCatalog/v2", "productCatalog/v3"


@pytest.mark.parametrize("target", [V2, V3], ids=["destination-flow", "oauth2"])
def test_one_token_per_lifetime_reused_across_cycles(tmp_path: Path, target: str) -> None:
    clock = FakeClock()
    with monitor_on(tmp_path, clock=clock, versions=[target], reference={"token_ttl": 3600}) as monitor:
        client = lambda: monitor.probes[0].client  # noqa: E731
        assert client().target.token_flow == ("oauth2" if target == V3 else "destination")
        details = []
        for _ in range(30):  # half an hour at one cycle a minute
            details.append(version(monitor.cycle(), target).step("token").detail)  # type: ignore[union-attr]
            clock.advance(60)
        assert client().tokens_fetched == 1
        assert details[0] == "granted, expires in 3600 s" and details[1] == "reused, expires in 3540 s"
        # Shortly before the end of its lifetime (60 s of margin), the next cycle fetches a new one.
        clock.advance(3600 - 30 * 60 - 60)
        renewed = version(monitor.cycle(), target).step("token")
        assert client().tokens_fetched == 2 and renewed.detail == "granted, expires in 3600 s"  # type: ignore[union-attr]


def test_token_errors_of_an_oauth2_version_follow_rfc_6749_not_our_expectation(
    tmp_path: Path,
) -> None:
    # token_errors_are_4xx is our own expectation for the destination flow; OAuth2's refusals are RFC 6749's.
    defaults = {"token_errors_are_4xx": False}
    with monitor_on(tmp_path, versions=[V2, V3], defaults=defaults, reference={"token_ttl": 600}) as monitor:
        steps = [(version(cycle, V2), version(cycle, V3)) for cycle in (monitor.cycle(), monitor.cycle())]
    v2 = {report.step("token-errors").outcome for report, _ in steps}  # type: ignore[union-attr]
    assert v2 == {Outcome.NOT_APPLICABLE}
    ran = [report.step("token-errors") for _, report in steps if report.step("token-errors").status]  # type: ignore[union-attr]
    assert len(ran) == 1 and ran[0].outcome is Outcome.OK  # type: ignore[union-attr]
    assert ran[0].detail == "a token request with a JSON body, not a form answered 400"  # type: ignore[union-attr]


def test_token_errors_runs_once_per_token_lifetime(tmp_path: Path) -> None:
    clock = FakeClock()
    with monitor_on(tmp_path, clock=clock, versions=[V2], reference={"token_ttl": 600}) as monitor:
        runs = []
        for _ in range(25):
            step = version(monitor.cycle(), V2).step("token-errors")
            runs.append(step.outcome)  # type: ignore[union-attr]
            clock.advance(60)
    ran = [n for n, outcome in enumerate(runs) if outcome is Outcome.OK]
    # Deferred by the first cycle's budget, then once every 600 s (ten cycles).
    assert runs[0] is Outcome.DEFERRED
    assert ran == [1, 11, 21]
    assert all(outcome is Outcome.NOT_RUN for n, outcome in enumerate(runs) if n not in ran and n)


def test_no_cycle_exceeds_its_request_budget_and_every_optional_step_takes_its_turn(tmp_path: Path) -> None:
    clock = FakeClock()
    with monitor_on(tmp_path, clock=clock, reference={"token_ttl": 120}) as monitor:
        cycles = []
        for _ in range(8):
            cycles.append(monitor.cycle())
            clock.advance(45)  # a new token every third cycle or so
        fetched = {probe.target.id: probe.client.tokens_fetched for probe in monitor.probes}
    assert fetched[V1] >= 3
    for cycle in cycles:
        for report in cycle.versions:
            endpoints = {step.endpoint for step in report.steps if step.step in ("get", "post")}
            assert report.budget == request_budget(len(endpoints))
            assert report.requests <= report.budget, (report.target, report.requests)
    # v1 (one endpoint, a budget of 5) runs every optional step at least every other cycle.
    ran = [
        {
            step.step
            for step in version(cycle, V1).steps
            if step.step in OPTIONAL_STEPS and step.status is not None
        }
        for cycle in cycles
    ]
    for step in ("no-token", "empty"):
        assert all(step in ran[n] or step in ran[n + 1] for n in range(len(ran) - 1)), (step, ran)
