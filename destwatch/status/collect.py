"""The monitor history read into a `Status`: SLOs, state and reasons through the monitor's own queries and
math (`slo.compute`, `History.latest`), days, incidents and latency series on top of its rows."""

from __future__ import annotations

from collections.abc import Sequence

from destwatch.monitor.history import History
from destwatch.monitor.maintenance import Window, occurrences
from destwatch.monitor.outcomes import DATA_STEPS, State
from destwatch.monitor.slo import compute
from destwatch.status.incidents import find_incidents
from destwatch.status.model import Status, VersionStatus
from destwatch.status.timeline import DAY, days, latency_series

__all__ = ["BAR_DAYS", "CHART_DAYS", "PLANNED_DAYS", "load_status"]

BAR_DAYS = 90
"""Days in the uptime bar (the history keeps 90 by default: `[monitor] keep_days`)."""
CHART_DAYS = 30
"""Days the latency charts cover: the longest SLO window."""
PLANNED_DAYS = 30
"""Days ahead the status page lists planned maintenance."""


def load_status(
    history: History,
    targets: Sequence[str],
    *,
    now: float,
    availability_objective: float,
    latency_objective: float,
    windows: Sequence[Window] = (),
) -> Status:
    """Everything the status page shows about `targets`, as of `now`; the maintenance `windows` past (90
    days) and planned (30 days)."""
    since = now - now % DAY - (BAR_DAYS - 1) * DAY
    return Status(
        now=now,
        availability_objective=availability_objective,
        latency_objective=latency_objective,
        versions=tuple(
            _version(history, target, now, availability_objective, latency_objective) for target in targets
        ),
        maintenance=tuple(occurrences(windows, None, since, now + PLANNED_DAYS * DAY)),
    )


def _version(
    history: History, target: str, now: float, availability_objective: float, latency_objective: float
) -> VersionStatus:
    since = now - now % DAY - (BAR_DAYS - 1) * DAY
    cycles = history.cycles(target, since)
    incidents = find_incidents(target, cycles, history.failed_steps(target, since))
    charted = now - CHART_DAYS * DAY
    # Down cycles are gaps in every line: nothing answered then.
    down = [(c.ts, None) for c in cycles if c.state is State.DOWN and c.ts >= charted]
    latency = latency_series(
        target,
        [*((c.ts, c.latency) for c in cycles if c.latency is not None and c.ts >= charted), *down],
        since=charted,
        now=now,
    )
    by_step: dict[str, list[tuple[float, float | None]]] = {}
    for sample in history.step_latencies(target, charted, DATA_STEPS):
        by_step.setdefault(sample.label, []).append((sample.ts, sample.latency))
    endpoints = tuple(
        latency_series(label, [*samples, *down], since=charted, now=now)
        for label, samples in sorted(by_step.items())
    )
    return VersionStatus(
        target=target,
        latest=history.latest(target),
        slo=compute(
            target,
            history,
            now=now,
            availability_objective=availability_objective,
            latency_objective=latency_objective,
        ),
        days=tuple(days(cycles, incidents, now=now, count=BAR_DAYS)),
        incidents=tuple(incidents),
        latency=latency,
        endpoints=endpoints,
        coverage=history.coverage(target),
    )
