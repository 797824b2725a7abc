"""Maintenance windows: a planned window in the middle of a real outage. Cycles inside it are recorded as
`maintenance`, nothing is alerted, the SLO counts only the cycles outside it, and the version still down when
the window ends alerts as usual. Driven over a simulated clock."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from destwatch.monitor.history import History
from destwatch.monitor.maintenance import Window, active, occurrences
from destwatch.monitor.metrics import MonitorMetrics
from destwatch.monitor.outcomes import State
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.monitor.slo import compute
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets
from kit.monitoring import EPOCH, CaptureServer, FakeClock, monitor_table

TARGET = "productCatalog/v1"
MINUTE = 60.0


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.UTC).isoformat().replace("+00:00", "Z")


def _targets(folder: Path, url: str, window: tuple[float, float]) -> Path:
    served = embedded_targets(
        served_at=url, versions=[TARGET], expectations=False, defaults={"max_rps": 1000.0, "timeout": 2.0}
    )
    settings = {"history": str(folder / "monitor.db"), "webhook": "${DW_MAINTENANCE_WEBHOOK}"}
    window_table = (
        "[[monitor.maintenance]]\n"
        f'targets = ["productCatalog"]\nstart = {_iso(window[0])}\nend = {_iso(window[1])}\n'
        'reason = "database upgrade"\n'
    )
    path = folder / "targets.toml"
    path.write_text(f"{served}\n{monitor_table(settings)}\n{window_table}", encoding="utf-8")
    return path


def test_a_window_in_the_middle_of_an_outage_silences_it_and_leaves_the_slo_alone(
    tmp_path: Path, capture: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    monkeypatch.setenv("DW_MAINTENANCE_WEBHOOK", f"{capture.url}/hook")
    clock = FakeClock()
    metrics = MonitorMetrics(CollectorRegistry())
    server = serve_in_thread(create_app())
    # Cycles at EPOCH + 0, 1, ... 6 minutes; the window covers minutes 2, 3 and 4.
    path = _targets(tmp_path, server.url, (EPOCH + 2 * MINUTE, EPOCH + 5 * MINUTE))
    states: list[State] = []
    with Monitor.start(MonitorOptions(path), clock=clock, metrics=metrics) as monitor:
        for minute in range(7):
            if minute == 1:
                server.stop()
            cycle = monitor.cycle()
            states.append(cycle.versions[0].state)
            if minute == 3:
                assert (
                    metrics.registry.get_sample_value(
                        "destwatch_monitor_maintenance", {"destination": "productCatalog", "version": "v1"}
                    )
                    == 1
                )
                assert (
                    cycle.versions[0]
                    .reasons[0]
                    .startswith("maintenance (database upgrade; 2 min 0 s left): the version was down")
                )
            if minute == 4:
                assert capture.bodies == []  # two down cycles before the window, three inside: silent
            clock.advance(MINUTE)
        fired = capture.wait_for(1)
        slo = compute(
            TARGET, monitor.history, now=clock.time(), availability_objective=99.9, latency_objective=0.5
        )
    assert states == [State.UP, State.DOWN] + [State.MAINTENANCE] * 3 + [State.DOWN, State.DOWN]
    # The window neither grew the streak nor broke it: down at minute 1, down again at 5 is two in a row.
    assert [body["event"] for body in fired] == ["fired"]
    assert fired[0]["at"] == _iso(EPOCH + 5 * MINUTE) and fired[0]["consecutive_failures"] == 2
    # The SLO counts the four cycles outside the window, exactly as if the window's cycles never happened.
    day = slo.window("24h")
    assert (day.cycles, day.down, day.availability) == (4, 3, 0.25)


def test_recurring_windows_and_command_line_windows_cover_what_they_name(tmp_path: Path) -> None:
    weekly = Window(("productCatalog",), EPOCH, EPOCH + 3600, "weekly upgrade", "targets.toml", 7 * 86400)
    later = EPOCH + 14 * 86400 + 1800
    assert active([weekly], TARGET, later) is not None
    assert active([weekly], TARGET, later + 3600) is None
    assert active([weekly], "googleMarketplace/v1", later) is None
    assert [o.start for o in occurrences([weekly], TARGET, EPOCH + 1, EPOCH + 15 * 86400)] == [
        EPOCH,
        EPOCH + 7 * 86400,
        EPOCH + 14 * 86400,
    ]
    history = History.open(tmp_path / "monitor.db")
    try:
        history.start_maintenance(["*"], EPOCH, None, "emergency patch")
        opened = Window(("*",), EPOCH, None, "emergency patch", "command line")
        assert active([opened], TARGET, EPOCH + 86400) is not None
        assert history.end_maintenance(["*"], EPOCH + 600) == 1
        assert history.maintenance() == [(("*",), EPOCH, EPOCH + 600, "emergency patch")]
    finally:
        history.close()
