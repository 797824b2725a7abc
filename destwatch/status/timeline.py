"""Time made visible: a version's cycles per UTC day (the 90-day bar) and latency percentiles per bucket."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from destwatch.monitor.history import CycleRow, nearest_rank
from destwatch.monitor.outcomes import State
from destwatch.status.model import Day, Incident, LatencySeries

__all__ = ["BUCKETS", "MAX_POINTS", "bucket_for", "days", "latency_series"]

DAY = 86400
# Bucket sizes a latency chart may use, the finest that keeps it within MAX_POINTS (the page stays light).
BUCKETS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, DAY)
MAX_POINTS = 720


def days(cycles: Sequence[CycleRow], incidents: Sequence[Incident], *, now: float, count: int) -> list[Day]:
    """The last `count` UTC days up to the one holding `now`, oldest first."""
    today = now - now % DAY
    first = today - (count - 1) * DAY
    totals = [0] * count
    down = [0] * count
    for cycle in cycles:
        index = int((cycle.ts - first) // DAY)
        if 0 <= index < count:
            totals[index] += 1
            down[index] += cycle.state is State.DOWN
    result = []
    for index in range(count):
        start = first + index * DAY
        touching = tuple(
            incident
            for incident in incidents
            if incident.start < start + DAY and (incident.end if incident.end is not None else now) >= start
        )
        result.append(Day(start, totals[index], down[index], touching))
    return result


def bucket_for(span: float) -> int:
    """The finest bucket that draws `span` seconds in at most MAX_POINTS points."""
    return next((size for size in BUCKETS if span / size <= MAX_POINTS), BUCKETS[-1])


def latency_series(
    name: str, samples: Iterable[tuple[float, float | None]], *, since: float, now: float
) -> LatencySeries:
    """p50 and p95 (nearest rank, as the SLOs count) of `samples` (time, seconds) per bucket from `since`.

    A sample of None is a cycle without an answer (down): a bucket with only such samples is a gap, so the
    line breaks where the version was down instead of bridging the outage.
    """
    size = bucket_for(now - since)
    grouped: dict[int, list[float]] = {}
    for ts, latency in samples:
        bucket = grouped.setdefault(int((ts - since) // size), [])
        if latency is not None:
            bucket.append(latency)
    times: list[float] = []
    p50: list[float | None] = []
    p95: list[float | None] = []
    for index in sorted(grouped):
        ordered = sorted(grouped[index])
        times.append(since + index * size)
        p50.append(nearest_rank(ordered, 50))
        p95.append(nearest_rank(ordered, 95))
    return LatencySeries(name, tuple(times), tuple(p50), tuple(p95))
