"""The auditable SLO report: exact figures (availability to 4 decimals, truncated) from a small history with
every state, maintenance left out, gaps counted; byte-identical for the same history and --as-of, in
Markdown, JSON and CSV; the accounting rules stated in each."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from destwatch.monitor.audit import RULES, audit, render
from destwatch.monitor.history import History
from destwatch.monitor.outcomes import State
from kit.monitoring import EPOCH

DAY = 86400.0


def _history(path: Path) -> History:
    """Ten days of one cycle a minute for d/v1 (14,400 cycles), then a 6-hour gap before the last day:
    7 down, 3 throttled, 2 degraded, 60 in maintenance; d/v2 has nothing."""
    history = History.open(path)
    special = {5: "down", 6: "down", 7: "down", 8: "down", 9: "down", 10: "down", 11: "down"}
    special |= {20: "throttled", 21: "throttled", 22: "throttled", 30: "degraded", 31: "degraded"}
    special |= {100 + n: "maintenance" for n in range(60)}
    rows = []
    for n in range(int(10 * DAY / 60)):
        ts = EPOCH - 10 * DAY + n * 60
        if EPOCH - DAY - 6 * 3600 <= ts < EPOCH - DAY:
            continue  # the monitor did not run
        state = special.get(n, "up")
        rows.append((ts, "d/v1", state, int(state != "down")))
    with history.transaction() as db:
        db.executemany(
            "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
            "VALUES (?, ?, ?, ?, 0.1, 3, 0.2, '[]')",
            rows,
        )
    return history


@pytest.fixture
def history(tmp_path: Path) -> History:
    opened = _history(tmp_path / "monitor.db")
    yield opened
    opened.close()


def test_the_figures_are_exact_and_maintenance_and_gaps_are_accounted_apart(history: History) -> None:
    report = audit(history, ["d/v2", "d/v1"], window="30d", as_of=EPOCH, availability_objective=99.9)
    v1, v2 = report.versions
    recorded = 14400 - 360
    assert (v1.target, v1.recorded, v1.maintenance, v1.counted) == ("d/v1", recorded, 60, recorded - 60)
    assert (v1.down, v1.throttled, v1.degraded) == (7, 3, 2)
    # (13980 - 7) / 13980 = 99.94992...%: truncated to 4 decimals, never rounded up.
    assert v1.availability == "99.9499" and v1.objective_met is True
    assert (v1.median_spacing_seconds, v1.gaps, v1.gap_seconds) == (60, 1, 6 * 3600 + 60)
    assert (v2.recorded, v2.availability, v2.objective_met) == (0, None, None)
    short = audit(history, ["d/v1"], window="30d", as_of=EPOCH - 9 * DAY, availability_objective=99.99)
    # The first day alone: 1440 cycles, 60 in maintenance, 7 down: 1373 / 1380 = 99.49275...%.
    assert short.versions[0].availability == "99.4927" and short.versions[0].objective_met is False


@pytest.mark.parametrize("form", ["md", "json", "csv"])
def test_the_same_history_and_as_of_give_the_same_bytes_with_the_rules_stated(
    tmp_path: Path, history: History, form: str
) -> None:
    first = render(audit(history, ["d/v1"], window="90d", as_of=EPOCH, availability_objective=99.9), form)
    again = History.open(history.path)
    try:
        second = render(audit(again, ["d/v1"], window="90d", as_of=EPOCH, availability_objective=99.9), form)
    finally:
        again.close()
    assert first.encode() == second.encode()
    if form == "json":
        body = json.loads(first)
        assert body["accounting_rules"] == list(RULES) and body["versions"][0]["availability"] == "99.9499"
    elif form == "csv":
        data = [line for line in first.splitlines() if not line.startswith("#")]
        (row,) = csv.DictReader(io.StringIO("\n".join(data)))
        assert row["availability"] == "99.9499" and row["gaps"] == "1"
        assert sum(line.startswith("# rule: ") for line in first.splitlines()) == len(RULES)
    else:
        assert "| d/v1 | 99.9499 | yes | 13980 |" in first and "## Accounting rules" in first
    assert "Missing cycles are not counted either way" in first


def test_a_cycle_at_as_of_is_outside_the_window(history: History) -> None:
    with history.transaction() as db:
        db.execute(
            "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
            "VALUES (?, 'd/v1', ?, 0, NULL, 1, 0.1, '[]')",
            (EPOCH, State.DOWN.value),
        )
    assert (
        audit(history, ["d/v1"], window="30d", as_of=EPOCH, availability_objective=99.9).versions[0].down == 7
    )


@pytest.mark.slow
def test_a_year_of_500000_cycles_reports_exact_figures_byte_identical_on_a_rerun(tmp_path: Path) -> None:
    # The scale. How long the report takes is a benchmark's to say (scripts/bench_slo_report.py):
    # this proves the figures and the bytes at that size.
    cycles, year = 500_000, 365 * DAY
    spacing = year / cycles
    rows = []
    for n in range(cycles):
        state = "maintenance" if 5000 <= n < 5060 else "down" if n % 1000 == 7 else "up"
        rows.append((EPOCH - year + (n + 0.5) * spacing, "d/v1", state, int(state != "down")))
    history = History.open(tmp_path / "monitor.db")
    try:
        with history.transaction() as db:
            db.executemany(
                "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
                "VALUES (?, ?, ?, ?, 0.1, 3, 0.2, '[]')",
                rows,
            )
        first = audit(history, ["d/v1"], window="365d", as_of=EPOCH, availability_objective=99.9)
    finally:
        history.close()
    again = History.open(tmp_path / "monitor.db", create=False)
    try:
        second = audit(again, ["d/v1"], window="365d", as_of=EPOCH, availability_objective=99.9)
    finally:
        again.close()
    (v1,) = first.versions
    # One down cycle per thousand, but the one inside the hour of maintenance: 499 down, 60 in maintenance,
    # 499,940 counted, 499,441 up: 99.900188...%, truncated.
    assert (v1.recorded, v1.maintenance, v1.down, v1.counted) == (cycles, 60, 499, cycles - 60)
    assert v1.availability == "99.9001" and v1.objective_met is True
    for form in ("md", "json", "csv"):
        assert render(first, form).encode() == render(second, form).encode()
