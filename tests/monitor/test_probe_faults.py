"""Seeded faults drive the probe: against the reference, each fault makes the right step fail (or degrade)
with its reason in words, and the clean reference is up with every step passing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from destwatch.monitor.outcomes import Outcome, State
from kit.monitoring import FakeClock, monitor_on, version

V1, V2 = "productCatalog/v1", "productCatalog/v2"
ONE_REQUEST = {"steps": {"post": False, "empty": False}}


@dataclass(frozen=True)
class Case:
    target: str
    step: str
    words: str
    state: State = State.DOWN
    also: frozenset[str] = frozenset()
    """Other steps the same fault breaks."""
    settings: dict[str, Any] = field(default_factory=dict)
    timeout: float = 5.0
    cycles: int = 1


CASES = {
    "hang": Case(V1, "get", "no answer within 0.3 s", settings=ONE_REQUEST, timeout=0.3),
    "slow-responses": Case(V1, "get", "degraded after 1 s", State.DEGRADED, settings=ONE_REQUEST),
    "empty-results-404": Case(V2, "empty", "answered 404 to a query that matches nothing"),
    "empty-results-null": Case(V2, "empty", "`results` is null (expected [])"),
    "envelope-missing-language": Case(
        V2, "post", "the answer has no `language`", also=frozenset({"get", "empty"})
    ),
    "openapi-requires-token": Case(V2, "document", "answered 401 without a token"),
    "post-skips-auth": Case(V2, "no-token", "POST /products without a token answered 200"),
    # Deferred by the first cycle's budget (the token took its request), it runs first in the second.
    "token-500-on-bad-body": Case(
        V2, "token-errors", "a token request with a body that is not JSON answered 500", cycles=2
    ),
    "top-exceeded": Case(V2, "get", "answered 2 results to top=1", also=frozenset({"post"})),
}


@pytest.mark.parametrize("fault", sorted(CASES))
def test_each_fault_fails_the_right_step_with_its_reason(tmp_path: Path, fault: str) -> None:
    case = CASES[fault]
    with monitor_on(
        tmp_path,
        fault=fault,
        versions=[case.target],
        defaults={"timeout": case.timeout},
        monitor=case.settings,
    ) as monitor:
        for _ in range(case.cycles):
            cycle = monitor.cycle()
    report = version(cycle, case.target)
    assert report.state is case.state, report.reasons
    labels = [s.label for s in report.steps if s.step == case.step]
    blamed = [r for r in report.reasons if any(r.startswith(f"{label}: ") for label in labels)]
    assert any(case.words in reason for reason in blamed), report.reasons
    # Only the steps the fault breaks are blamed.
    others = {s.step for s in report.steps if s.outcome is Outcome.FAILED} - {case.step}
    assert others <= case.also, report.reasons


def test_the_clean_reference_is_up_on_every_version_with_every_step_passing(tmp_path: Path) -> None:
    with monitor_on(tmp_path) as monitor:
        first, second = monitor.cycle(), monitor.cycle()
    for cycle in (first, second):
        assert [v.state for v in cycle.versions] == [State.UP] * 4, [v.reasons for v in cycle.versions]
    steps = {
        (v.target, s.label): s.outcome for cycle in (first, second) for v in cycle.versions for s in v.steps
    }
    assert Outcome.FAILED not in steps.values()
    # Over two cycles every step that applies has run on every protected version (the budget rotates).
    for target in ("productCatalog/v1", "productCatalog/v2", "productCatalog/v3"):
        ran = {
            label.split(" ")[0]
            for (t, label), outcome in steps.items()
            if t == target and outcome is Outcome.OK
        }
        assert {"document", "token", "no-token", "empty", "token-errors"} <= ran, ran
    unprotected = version(second, "googleMarketplace/v1")
    assert unprotected.step("no-token").outcome is Outcome.NOT_APPLICABLE
    assert unprotected.step("tls").detail == "not https: no certificate"


def test_a_deferred_failing_step_keeps_the_version_down_until_it_passes(tmp_path: Path) -> None:
    # v1 has one endpoint: its budget of 5 runs two of the three optional steps per cycle, in turns.
    with monitor_on(tmp_path, fault="post-skips-auth", versions=[V1]) as monitor:
        states = [version(monitor.cycle(), V1) for _ in range(3)]
    assert [report.state for report in states] == [State.DOWN] * 3
    carried = [r.step("no-token") for r in states if "checked" in r.step("no-token").detail]
    assert carried and "deferred this cycle" in carried[0].detail


def test_a_version_without_a_document_is_down_and_sends_nothing_else_it_cannot(tmp_path: Path) -> None:
    clock = FakeClock()
    with monitor_on(tmp_path, fault="openapi-requires-token", versions=[V2], clock=clock) as monitor:
        report = version(monitor.cycle(), V2)
    assert report.state is State.DOWN
    assert report.step("get") is None
    assert report.step("empty").outcome is Outcome.NOT_RUN
    assert report.requests <= report.budget == 2
