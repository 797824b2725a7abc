"""The service: cycles on a fixed schedule (missed slots skipped, never run back to back), bounded by
`--for`, stopped between two requests by SIGTERM or SIGINT with exit 143 or 130, the metrics server closed
and every recorded cycle complete."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from destwatch.monitor.outcomes import State
from kit.monitoring import FakeClock, monitor_on, version, write_targets

BIN = Path(sys.executable).parent


def test_cycles_run_on_a_fixed_schedule_for_the_given_duration(tmp_path: Path) -> None:
    clock = FakeClock()
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(round(seconds, 6))
        clock.advance(seconds)
        return False

    with monitor_on(tmp_path, clock=clock, versions=["googleMarketplace/v1"]) as monitor:
        last = monitor.serve(every=60, duration=600, wait=wait)
        cycles = monitor.history.timestamps("googleMarketplace/v1", 0)
    assert last is not None and len(cycles) == 10
    assert waits == [60.0] * 9
    assert [b - a for a, b in itertools.pairwise(cycles)] == [60.0] * 9


def test_a_cycle_that_overruns_skips_the_slots_it_missed(tmp_path: Path) -> None:
    clock = FakeClock()
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(round(seconds, 6))
        clock.advance(seconds)
        return len(waits) == 3

    with monitor_on(tmp_path, clock=clock, versions=["googleMarketplace/v1"]) as monitor:
        # Each cycle "takes" 150 s of a 60 s schedule: the next one starts at the next free slot.
        monitor.serve(every=60, wait=wait, on_cycle=lambda cycle: clock.advance(150))
    assert waits == [30.0, 30.0, 30.0]


def test_a_stop_between_cycles_ends_the_service(tmp_path: Path) -> None:
    clock = FakeClock()
    stopped: list[int] = []
    with monitor_on(tmp_path, clock=clock, versions=["googleMarketplace/v1"]) as monitor:
        import threading

        stop = threading.Event()

        def on_cycle(cycle: object) -> None:
            stopped.append(1)
            if len(stopped) == 3:
                stop.set()

        monitor.serve(every=60, stop=stop, on_cycle=on_cycle, wait=lambda seconds: stop.is_set())
    assert len(stopped) == 3


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.slow
def test_a_signal_stops_the_service_gracefully(tmp_path: Path, signum: signal.Signals, code: int) -> None:
    targets = write_targets(tmp_path, reference={"token_ttl": 3600})
    process = subprocess.Popen(
        [
            str(BIN / "destwatch"),
            "monitor",
            "--every",
            "1s",
            "--metrics-port",
            "0",
            "--targets",
            str(targets),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    assert process.stderr is not None
    try:
        lines = []
        url = ""
        # Read the log as it comes (blocking reads, no sleeping): the metrics URL, then the first cycle.
        for line in process.stderr:
            lines.append(line)
            if "metrics on " in line:
                url = line.rsplit("metrics on ", 1)[1].strip()
            if "googleMarketplace/v1 is up" in line:
                break
        assert url, "".join(lines)
        metrics = httpx.get(url, timeout=10).text
        assert 'destwatch_monitor_up{destination="googleMarketplace",version="v1"} 1.0' in metrics
        process.send_signal(signum)
        rest = process.stderr.read()
        assert process.wait(timeout=30) == code, rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert f"stopped by {signum.name}" in rest
    assert "Traceback" not in "".join(lines) + rest
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=2)
    db = sqlite3.connect(tmp_path / "monitor.db")
    cycles = db.execute("SELECT count(*) FROM cycles").fetchone()[0]
    assert cycles >= 4 and cycles % 4 == 0  # whole cycles only: four versions each
    without_steps = db.execute("SELECT count(*) FROM cycles WHERE id NOT IN (SELECT cycle_id FROM steps)")
    assert without_steps.fetchone()[0] == 0


@pytest.mark.slow
def test_the_first_cycle_is_not_charged_for_the_embedded_reference_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reference's process takes 3 s to start (a sitecustomize of its own), longer than the 2-s timeout:
    # a first cycle that did not wait for it would find no answer anywhere.
    slow = tmp_path / "slow-start"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text("import time\n\ntime.sleep(3)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(slow))
    with monitor_on(tmp_path, versions=["productCatalog/v1"], defaults={"timeout": 2.0}) as monitor:
        cycle = monitor.cycle()
    report = version(cycle, "productCatalog/v1")
    assert report.state is State.UP, report.reasons
