"""Maintenance windows: planned time a destination version may be down without it counting.

Windows come from two places: `[[monitor.maintenance]]` in targets.toml (one-off, or recurring `every` a
period from `start` on) and `destwatch monitor maintenance start|end` (kept in the history). A cycle inside a
window is recorded as `maintenance`: never counted in an SLO or a burn rate, never alerted on. A window names
its versions as "destination/v1", "destination" (each of its versions) or "*" (every version).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from destwatch._durations import format_span
from destwatch.config import MaintenanceSettings
from destwatch.monitor.history import History
from destwatch.monitor.outcomes import CycleReport, State, VersionReport

__all__ = [
    "FROM_COMMAND",
    "FROM_TARGETS",
    "Occurrence",
    "Window",
    "active",
    "configured",
    "in_maintenance",
    "occurrences",
    "recorded",
]

FROM_TARGETS = "targets.toml"
FROM_COMMAND = "command line"


@dataclass(frozen=True)
class Window:
    """One declared window. `end` None: started from the command line and not ended yet."""

    targets: tuple[str, ...]
    start: float
    end: float | None
    reason: str
    source: str
    every: float | None = None
    """A recurring window's period; each occurrence lasts `end - start`."""

    def applies_to(self, target: str) -> bool:
        destination = target.partition("/")[0]
        return any(name in ("*", target, destination) for name in self.targets)


@dataclass(frozen=True)
class Occurrence:
    """One time a window is open: [start, end), `end` None while it stays open."""

    window: Window
    start: float
    end: float | None

    def covers(self, ts: float) -> bool:
        return self.start <= ts and (self.end is None or ts < self.end)


def configured(settings: Iterable[MaintenanceSettings]) -> list[Window]:
    """The windows of `[[monitor.maintenance]]` (config checked each: an offset on every time, one end)."""
    windows = []
    for entry in settings:
        start = entry.start.timestamp()
        end = entry.end.timestamp() if entry.end is not None else start + (entry.duration or 0)
        windows.append(Window(tuple(entry.targets), start, end, entry.reason, FROM_TARGETS, entry.every))
    return windows


def recorded(history: History) -> list[Window]:
    """The windows `destwatch monitor maintenance start` recorded in the history."""
    return [
        Window(targets, start, end, reason, FROM_COMMAND)
        for targets, start, end, reason in history.maintenance()
    ]


def in_maintenance(cycle: CycleReport, windows: Sequence[Window]) -> CycleReport:
    """The cycle with each version inside a window at its start recorded as `maintenance`; the state it
    would have had stays in its reasons (what the status page and a reader of the history see)."""
    versions = []
    for version in cycle.versions:
        occurrence = active(windows, version.target, cycle.started)
        versions.append(version if occurrence is None else _maintained(version, occurrence, cycle.started))
    return replace(cycle, versions=tuple(versions))


def _maintained(version: VersionReport, occurrence: Occurrence, now: float) -> VersionReport:
    left = "until ended" if occurrence.end is None else f"{format_span(occurrence.end - now)} left"
    why = f"maintenance ({occurrence.window.reason}; {left}): the version was {version.state.value}"
    return replace(version, state=State.MAINTENANCE, reasons=(why, *version.reasons))


def occurrences(
    windows: Sequence[Window], target: str | None, since: float, until: float
) -> list[Occurrence]:
    """Every time one of `windows` (covering `target`; None: any) is open between `since` and `until`."""
    found = []
    for window in windows:
        if target is not None and not window.applies_to(target):
            continue
        if window.every is None:
            if window.start < until and (window.end is None or window.end > since):
                found.append(Occurrence(window, window.start, window.end))
            continue
        assert window.end is not None  # config requires a duration with `every`
        length = window.end - window.start
        first = max(0, math.floor((since - window.end) / window.every) + 1)
        start = window.start + first * window.every
        while start < until:
            found.append(Occurrence(window, start, start + length))
            start += window.every
    return sorted(found, key=lambda occurrence: (occurrence.start, occurrence.window.reason))


def active(windows: Sequence[Window], target: str, ts: float) -> Occurrence | None:
    """The window `target` is in at `ts` (the one that ends last when several overlap), or None."""
    open_now = [o for o in occurrences(windows, target, ts, ts + 1e-6) if o.covers(ts)]
    if not open_now:
        return None
    return max(open_now, key=lambda o: math.inf if o.end is None else o.end)
