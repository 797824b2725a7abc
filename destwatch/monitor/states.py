"""Judging a cycle: up, degraded, throttled or down, with the reasons in words.

- **down**: any step failed other than by throttling (the reasons say which and why);
- **throttled**: nothing else failed, but a step was answered 429 after its `Retry-After` was honoured, or
  was not sent because the destination's last `Retry-After` had not passed yet;
- **degraded**: nothing failed, but a step answered slower than `degraded_after`, the document changed since
  the last cycle, or a certificate is close to expiry;
- **up**: everything else. Steps not applicable, deferred or not run never count either way.
"""

from __future__ import annotations

from collections.abc import Iterable

from destwatch.monitor.outcomes import Outcome, State, StepResult

__all__ = ["judge"]


def judge(steps: Iterable[StepResult], *, degraded_after: float) -> tuple[State, tuple[str, ...]]:
    """The state the steps of one cycle put a version in, and why (failures first)."""
    failed: list[str] = []
    throttled: list[str] = []
    degraded: list[str] = []
    for step in steps:
        if step.facts.get("throttled"):
            throttled.append(f"{step.label}: {step.detail}")
            continue
        if step.outcome is Outcome.FAILED:
            failed.append(f"{step.label}: {step.detail}")
            continue
        if step.outcome is Outcome.WARN:
            degraded.append(f"{step.label}: {step.detail}")
        if step.latency is not None and step.latency > degraded_after and step.outcome is not Outcome.FAILED:
            degraded.append(
                f"{step.label}: answered in {step.latency:.2f} s (degraded after {degraded_after:g} s)"
            )
    if failed:
        return State.DOWN, tuple(failed + throttled + degraded)
    if throttled:
        return State.THROTTLED, tuple(throttled + degraded)
    if degraded:
        return State.DEGRADED, tuple(degraded)
    return State.UP, ()
