"""Service level objectives per destination version, from the history: availability and latency over
1 h, 24 h, 7 d and 30 d, the error budget left, and the SRE workbook's multi-window burn rates.

- **Availability**: the share of cycles that were not down. Objective `availability_objective` (99.9 %),
  so the error budget is the other 0.1 % of cycles. A throttled cycle is not down (the destination
  answered); cycles inside a maintenance window are not counted at all, in any figure.
- **Throttling** (optional, `throttled_objective`): the share of cycles not throttled.
- **Latency**: each cycle's slowest data answer (GET, POST, matches-nothing). Objective: its p95 at most
  `latency_objective` (500 ms), that is at most 5 % of cycles slower than it; those 5 % are the budget.
- **Budget left** in a window: 1 - (share of bad cycles ÷ the share the objective allows), so 1.0 is the
  whole budget, 0 spent, below 0 overspent.
- **Burn rate**: the share of bad cycles ÷ the allowed share. The workbook's alerts fire when both windows
  of a pair burn at least the rate: fast 14.4 over 1 h and 5 min (2 % of a 30-day budget in an hour),
  slow 6 over 6 h and 30 min (5 % in six hours), ticket 1 over 3 d and 6 h (10 % in three days).
"""

from __future__ import annotations

from dataclasses import dataclass

from destwatch.monitor.history import Counts, History

__all__ = [
    "BURN_RULES",
    "LATENCY_PERCENTILE",
    "WINDOWS",
    "Burn",
    "BurnRule",
    "VersionSlo",
    "WindowSlo",
    "compute",
]

WINDOWS: tuple[tuple[str, float], ...] = (
    ("1h", 3600),
    ("24h", 86400),
    ("7d", 7 * 86400),
    ("30d", 30 * 86400),
)
LATENCY_PERCENTILE = 95


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
    """Cycles counted (inside a maintenance window: not counted)."""
    down: int
    throttled: int
    availability: float | None
    """Share of cycles not down (0..1); None without cycles."""
    availability_budget_left: float | None
    latency_samples: int
    slow: int
    """Cycles whose slowest data answer took longer than the latency objective."""
    p95: float | None
    latency_budget_left: float | None
    throttled_budget_left: float | None = None
    """With `[monitor] throttled_objective`: the budget of throttled cycles left."""


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


def compute(
    target: str,
    history: History,
    *,
    now: float,
    availability_objective: float,
    latency_objective: float,
    throttled_objective: float | None = None,
) -> VersionSlo:
    """The SLOs of one version from its cycles in the history (counted by SQLite, window by window)."""
    availability_budget = 1 - availability_objective / 100
    throttled_budget = 1 - throttled_objective / 100 if throttled_objective is not None else None
    latency_budget = 1 - LATENCY_PERCENTILE / 100
    counted: dict[float, Counts] = {}

    def counts(seconds: float) -> Counts:
        if seconds not in counted:
            counted[seconds] = history.counts(target, now - seconds, slower_than=latency_objective)
        return counted[seconds]

    windows = []
    for name, seconds in WINDOWS:
        window = counts(seconds)
        windows.append(
            WindowSlo(
                window=name,
                cycles=window.cycles,
                down=window.down,
                throttled=window.throttled,
                availability=1 - window.down / window.cycles if window.cycles else None,
                availability_budget_left=_left(window.down, window.cycles, availability_budget),
                latency_samples=window.samples,
                slow=window.slow,
                p95=history.percentile(target, now - seconds, LATENCY_PERCENTILE, samples=window.samples),
                latency_budget_left=_left(window.slow, window.samples, latency_budget),
                throttled_budget_left=(
                    _left(window.throttled, window.cycles, throttled_budget) if throttled_budget else None
                ),
            )
        )
    burns = tuple(
        Burn(
            rule,
            availability=(
                _rate(counts(rule.long).down, counts(rule.long).cycles, availability_budget),
                _rate(counts(rule.short).down, counts(rule.short).cycles, availability_budget),
            ),
            latency=(
                _rate(counts(rule.long).slow, counts(rule.long).samples, latency_budget),
                _rate(counts(rule.short).slow, counts(rule.short).samples, latency_budget),
            ),
        )
        for rule in BURN_RULES
    )
    return VersionSlo(target, availability_objective, latency_objective, tuple(windows), burns)


def _left(bad: int, total: int, budget: float) -> float | None:
    rate = _rate(bad, total, budget)
    return None if rate is None else 1 - rate


def _rate(bad: int, total: int, budget: float) -> float | None:
    """The burn rate: the share of bad cycles over the share the objective allows."""
    if not total:
        return None
    return (bad / total) / budget


def _firing(rates: tuple[float | None, float | None], threshold: float) -> bool:
    return all(rate is not None and rate >= threshold for rate in rates)
