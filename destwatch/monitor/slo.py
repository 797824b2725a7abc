"""Service level objectives per destination version, from the history: availability and latency over
1 h, 24 h, 7 d and 30 d, the error budget left, and the SRE workbook's multi-window burn rates.

- **Availability**: the share of cycles that were not down. Objective `availability_objective` (99.9 %),
  so the error budget is the other 0.1 % of cycles.
- **Latency**: each cycle's slowest data answer (GET, POST, matches-nothing). Objective: its p95 at most
  `latency_objective` (500 ms), that is at most 5 % of cycles slower than it; those 5 % are the budget.
- **Budget left** in a window: 1 - (share of bad cycles ÷ the share the objective allows), so 1.0 is the
  whole budget, 0 spent, below 0 overspent.
- **Burn rate**: the share of bad cycles ÷ the allowed share. The workbook's alerts fire when both windows
  of a pair burn at least the rate: fast 14.4 over 1 h and 5 min (2 % of a 30-day budget in an hour),
  slow 6 over 6 h and 30 min (5 % in six hours), ticket 1 over 3 d and 6 h (10 % in three days).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from destwatch.monitor.history import Points

__all__ = [
    "BURN_RULES",
    "LATENCY_PERCENTILE",
    "WINDOWS",
    "Burn",
    "BurnRule",
    "VersionSlo",
    "WindowSlo",
    "compute",
    "since",
]

WINDOWS: tuple[tuple[str, float], ...] = (
    ("1h", 3600),
    ("24h", 86400),
    ("7d", 7 * 86400),
    ("30d", 30 * 86400),
)
LATENCY_PERCENTILE = 95
_LONGEST = max(seconds for _, seconds in WINDOWS)


@dataclass(frozen=True)
class BurnRule:
    name: str
    long: float
    short: float
    rate: float
    severity: str


BURN_RULES = (
    BurnRule("fast", 3600, 300, 14.4, "page"),
    BurnRule("slow", 6 * 3600, 1800, 6.0, "page"),
    BurnRule("ticket", 3 * 86400, 6 * 3600, 1.0, "ticket"),
)


@dataclass(frozen=True)
class WindowSlo:
    window: str
    cycles: int
    down: int
    availability: float | None
    """Share of cycles not down (0..1); None without cycles."""
    availability_budget_left: float | None
    latency_samples: int
    slow: int
    """Cycles whose slowest data answer took longer than the latency objective."""
    p95: float | None
    latency_budget_left: float | None


@dataclass(frozen=True)
class Burn:
    rule: BurnRule
    availability: tuple[float | None, float | None]
    """Burn rate over the long and the short window."""
    latency: tuple[float | None, float | None]

    @property
    def availability_firing(self) -> bool:
        return _firing(self.availability, self.rule.rate)

    @property
    def latency_firing(self) -> bool:
        return _firing(self.latency, self.rule.rate)


@dataclass(frozen=True)
class VersionSlo:
    target: str
    availability_objective: float
    """Percent, e.g. 99.9."""
    latency_objective: float
    """Seconds, the p95 bound."""
    windows: tuple[WindowSlo, ...]
    burns: tuple[Burn, ...]

    def window(self, name: str) -> WindowSlo:
        return next(w for w in self.windows if w.window == name)


def since(now: float) -> float:
    """The oldest cycle any window reads."""
    return now - _LONGEST


def compute(
    target: str, points: Points, *, now: float, availability_objective: float, latency_objective: float
) -> VersionSlo:
    """The SLOs of one version from its cycles of the last 30 days (`History.points(target, since(now))`)."""
    availability_budget = 1 - availability_objective / 100
    latency_budget = 1 - LATENCY_PERCENTILE / 100
    ts = points.ts
    windows = []
    for name, seconds in WINDOWS:
        start = bisect.bisect_left(ts, now - seconds)
        ok = points.ok[start:]
        latencies = sorted(value for value in points.latency[start:] if value is not None)
        cycles, down = len(ok), len(ok) - sum(ok)
        slow = len(latencies) - bisect.bisect_right(latencies, latency_objective)
        windows.append(
            WindowSlo(
                window=name,
                cycles=cycles,
                down=down,
                availability=1 - down / cycles if cycles else None,
                availability_budget_left=_left(down, cycles, availability_budget),
                latency_samples=len(latencies),
                slow=slow,
                p95=_percentile(latencies, LATENCY_PERCENTILE),
                latency_budget_left=_left(slow, len(latencies), latency_budget),
            )
        )
    burns = tuple(
        Burn(
            rule,
            availability=(
                _burn(points, now - rule.long, availability_budget),
                _burn(points, now - rule.short, availability_budget),
            ),
            latency=(
                _latency_burn(points, now - rule.long, latency_objective, latency_budget),
                _latency_burn(points, now - rule.short, latency_objective, latency_budget),
            ),
        )
        for rule in BURN_RULES
    )
    return VersionSlo(target, availability_objective, latency_objective, tuple(windows), burns)


def _left(bad: int, total: int, budget: float) -> float | None:
    if not total:
        return None
    return 1 - (bad / total) / budget


def _burn(points: Points, start: float, budget: float) -> float | None:
    first = bisect.bisect_left(points.ts, start)
    ok = points.ok[first:]
    if not ok:
        return None
    return ((len(ok) - sum(ok)) / len(ok)) / budget


def _latency_burn(points: Points, start: float, objective: float, budget: float) -> float | None:
    first = bisect.bisect_left(points.ts, start)
    samples = [value for value in points.latency[first:] if value is not None]
    if not samples:
        return None
    return (sum(value > objective for value in samples) / len(samples)) / budget


def _percentile(ordered: Sequence[float], percentile: float) -> float | None:
    """Nearest-rank percentile of an ordered sequence."""
    if not ordered:
        return None
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


def _firing(rates: tuple[float | None, float | None], threshold: float) -> bool:
    return all(rate is not None and rate >= threshold for rate in rates)
