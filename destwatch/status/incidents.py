"""Incidents from a version's recorded cycles: each run of down cycles, with the step that failed and why."""

from __future__ import annotations

from collections.abc import Sequence

from destwatch.monitor.history import CycleRow, FailedStep
from destwatch.monitor.outcomes import State
from destwatch.status.model import Incident

__all__ = ["find_incidents"]


def find_incidents(target: str, cycles: Sequence[CycleRow], failed: Sequence[FailedStep]) -> list[Incident]:
    """Every run of down cycles in `cycles` (oldest first), oldest first.

    An incident starts at its first down cycle and ends when a cycle is not down (degraded counts as not
    down, as in the availability SLO); the last one has no end while the version is still down.
    """
    first_failure: dict[int, FailedStep] = {}
    for step in failed:
        first_failure.setdefault(step.cycle_id, step)
    found: list[Incident] = []
    opened: CycleRow | None = None
    count = 0
    for cycle in cycles:
        if cycle.state is State.DOWN:
            if opened is None:
                opened, count = cycle, 0
            count += 1
            continue
        if opened is not None:
            found.append(_incident(target, opened, cycle.ts, count, first_failure))
            opened = None
    if opened is not None:
        found.append(_incident(target, opened, None, count, first_failure))
    return found


def _incident(
    target: str, opened: CycleRow, end: float | None, cycles: int, first_failure: dict[int, FailedStep]
) -> Incident:
    step = first_failure.get(opened.id)
    if step is not None:
        return Incident(target, opened.ts, end, cycles, step.label, step.detail)
    # A cycle judged down always has a failed step; its reasons are the fallback for older rows.
    label, _, reason = (opened.reasons[0] if opened.reasons else "unknown: no reason recorded").partition(
        ": "
    )
    return Incident(target, opened.ts, end, cycles, label, reason)
