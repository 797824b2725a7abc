"""SLOs from the history: availability and p95 latency over 1 h, 24 h, 7 d and 30 d, the error budget left,
and the SRE workbook's multi-window burn rates (both windows at or above the rate)."""

from __future__ import annotations

from collections.abc import Iterator, Set
from pathlib import Path

import pytest

from destwatch.monitor.history import History
from destwatch.monitor.slo import VersionSlo, compute

NOW = 10_000_000.0
MINUTE = 60.0


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    opened = History.open(tmp_path / "monitor.db")
    yield opened
    opened.close()


def _points(
    history: History, cycles: int, *, down_at: Set[int] = frozenset(), slow_at: Set[int] = frozenset()
) -> History:
    """One cycle a minute up to NOW (the last one is index cycles - 1), down or slow at the given indexes."""
    rows = [
        (
            NOW - (cycles - 1 - n) * MINUTE,
            "d/v1",
            "up",
            0 if n in down_at else 1,
            0.9 if n in slow_at else 0.1,
        )
        for n in range(cycles)
    ]
    with history.transaction() as db:
        db.execute("DELETE FROM cycles")  # each scenario on its own
        db.executemany(
            "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
            "VALUES (?, ?, ?, ?, ?, 0, 0, '[]')",
            rows,
        )
    return history


def _slo(history: History, objective: float = 99.9) -> VersionSlo:
    return compute("d/v1", history, now=NOW, availability_objective=objective, latency_objective=0.5)


def test_every_window_counts_only_its_own_cycles(history: History) -> None:
    month = 30 * 24 * 60
    slo = _slo(_points(history, month))
    assert [(w.window, w.cycles) for w in slo.windows] == [
        ("1h", 61),
        ("24h", 1441),
        ("7d", 10081),
        ("30d", month),
    ]
    assert all(w.availability == 1.0 and w.availability_budget_left == 1.0 for w in slo.windows)
    assert all(w.p95 == 0.1 and w.latency_budget_left == 1.0 for w in slo.windows)


def test_the_budget_left_is_the_share_of_allowed_bad_cycles_not_yet_spent(history: History) -> None:
    # 1,000 cycles at 99 %: 10 may be down. 5 down leaves half the budget, 20 down overspends it twice.
    half = _slo(_points(history, 1000, down_at={1, 2, 3, 4, 5}), objective=99.0).window("24h")
    assert half.cycles == 1000 and half.down == 5
    assert half.availability == pytest.approx(0.995)
    assert half.availability_budget_left == pytest.approx(0.5)
    over = _slo(_points(history, 1000, down_at=set(range(20))), objective=99.0).window("24h")
    assert over.availability_budget_left == pytest.approx(-1.0)


def test_latency_is_the_p95_of_each_cycles_slowest_answer_with_five_percent_of_budget(
    history: History,
) -> None:
    # 100 cycles in the last two hours: 3 slow ones are within the 5 % budget; 10 are not.
    within = _slo(_points(history, 100, slow_at={10, 20, 30})).window("24h")
    assert within.p95 == 0.1 and within.slow == 3
    assert within.latency_budget_left == pytest.approx(1 - 0.03 / 0.05)
    beyond = _slo(_points(history, 100, slow_at=set(range(10)))).window("24h")
    assert beyond.p95 == 0.9 and beyond.latency_budget_left == pytest.approx(1 - 0.10 / 0.05)


def test_the_fast_burn_fires_only_when_the_hour_and_the_last_five_minutes_both_burn(history: History) -> None:
    hour = 61
    # The last 5 cycles down, 5 of the hour's 61: both windows burn far over 14.4 at 99.9 %.
    burning = _slo(_points(history, hour, down_at=set(range(hour - 5, hour)))).burns[0]
    assert burning.rule.name == "fast" and burning.availability_firing
    # The 5-minute window holds 6 cycles (both ends included), 5 of them down.
    assert burning.availability[1] == pytest.approx((5 / 6) / 0.001)
    # The same 5 down cycles half an hour ago: the hour still burns, the last 5 minutes do not (reset).
    recovered = _slo(_points(history, hour, down_at=set(range(25, 30)))).burns[0]
    assert recovered.availability[0] > 14.4 and recovered.availability[1] == 0.0
    assert not recovered.availability_firing


def test_the_slow_burn_and_the_ticket_read_their_own_windows(history: History) -> None:
    six_hours = 6 * 60 + 1
    points = _points(history, six_hours, down_at=set(range(six_hours - 40, six_hours)))
    fast, slow, ticket = _slo(points, objective=99.0).burns
    assert (slow.rule.long, slow.rule.short, slow.rule.rate) == (6 * 3600, 1800, 6.0)
    assert slow.availability_firing and ticket.availability_firing
    assert fast.availability_firing


def test_no_cycle_means_no_verdict_not_a_perfect_one(history: History) -> None:
    slo = _slo(history)
    assert all(w.availability is None and w.availability_budget_left is None for w in slo.windows)
    assert all(w.p95 is None for w in slo.windows)
    assert not any(burn.availability_firing or burn.latency_firing for burn in slo.burns)
