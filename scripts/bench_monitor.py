"""Benchmark `destwatch monitor` on the embedded default (the built-in example targets.toml).

    .venv/bin/python scripts/bench_monitor.py [--cycles 20] [--soak 2000] [--interval 0.02] [--days 30]

1. Start-up: `destwatch monitor --once` as a child process (wall time, and whether pytest or Schemathesis
   were imported: they must not be).
2. Cycle time: one cycle over all four versions, in process, after the first (the tokens are cached).
3. Soak: `--soak` cycles at `--interval` in one process (the service loop): RSS and open file descriptors at
   the start and the end.
4. Report: a synthetic history of `--days` days at one cycle a minute for the four versions (with their step
   rows), then `destwatch monitor --report` on it, in process and as a child process.

Exit code 1 when a budget is missed: a cycle after the first over 1 s, `--report` computed in process over
1 s, pytest or Schemathesis imported at start-up, RSS grown by more than 20 MB or file descriptors grown
during the soak. Timings depend on the machine's load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console

import destwatch.templates
from destwatch.monitor.history import History
from destwatch.monitor.outcomes import CycleReport
from destwatch.monitor.report import load_report, print_report
from destwatch.monitor.service import Monitor, MonitorOptions

_CYCLE_BUDGET = 1.0
_REPORT_BUDGET = 1.0
_RSS_GROWTH_BUDGET_MB = 20.0
# The built-in example (what `destwatch init` writes): the embedded reference, its four versions.
EXAMPLE_TARGETS = Path(destwatch.templates.__file__).resolve().parent / "targets.toml"
_TARGETS = ("productCatalog/v1", "productCatalog/v2", "productCatalog/v3", "googleMarketplace/v1")
_CHECK = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('IMPORTED', 'pytest' in sys.modules, 'schemathesis' in sys.modules, "
    "file=sys.stderr))\n"
    "from destwatch.cli import main\n"
    "sys.argv = ['destwatch', *sys.argv[1:]]\n"
    "main()\n"
)


def _startup(folder: Path) -> tuple[float, float, bool]:
    """(wall of `destwatch monitor --once`, of importing destwatch.cli; pytest or Schemathesis imported)."""
    args = ["monitor", "--once", "--targets", str(EXAMPLE_TARGETS), "--history", str(folder / "start.db")]
    args += ["--textfile", str(folder / "start.prom")]
    walls = []
    imported = True
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CHECK, *args], capture_output=True, text=True, check=False
        )
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"destwatch monitor --once exited {done.returncode}: {done.stderr}")
        imported = "IMPORTED False False" not in done.stderr
    imports = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import destwatch.cli"], check=True)
        imports.append(time.perf_counter() - started)
    return min(walls), min(imports), imported


def _cycles(folder: Path, count: int) -> tuple[float, list[float], list[int]]:
    with Monitor.start(MonitorOptions(EXAMPLE_TARGETS, history=folder / "cycles.db")) as monitor:
        started = time.perf_counter()
        monitor.cycle()
        first = time.perf_counter() - started
        walls, requests = [], []
        for _ in range(count):
            started = time.perf_counter()
            cycle = monitor.cycle()
            walls.append(time.perf_counter() - started)
            requests.append(sum(version.requests for version in cycle.versions))
    return first, walls, requests


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _soak(folder: Path, cycles: int, interval: float) -> list[tuple[int, float, int, float]]:
    """(cycle, RSS MB, open fds, seconds since the start) at the start, along the way and at the end."""
    samples: list[tuple[int, float, int, float]] = []
    stop = threading.Event()
    done = 0
    began = time.perf_counter()
    every = max(1, cycles // 8)

    def on_cycle(cycle: CycleReport) -> None:
        nonlocal done
        done += 1
        if done in (1, 10) or done % every == 0 or done == cycles:
            samples.append((done, _rss_mb(), _fds(), time.perf_counter() - began))
        if done >= cycles:
            stop.set()

    with Monitor.start(MonitorOptions(EXAMPLE_TARGETS, history=folder / "soak.db")) as monitor:
        monitor.serve(every=interval, stop=stop, on_cycle=on_cycle)
    return samples


def _history(path: Path, days: int) -> tuple[int, int, float]:
    """A synthetic history of `days` days, one cycle a minute per version; (cycles, steps, seconds)."""
    started = time.perf_counter()
    History.open(path).close()
    db = sqlite3.connect(path)
    now = time.time()
    minutes = days * 24 * 60
    steps_per_cycle = ("document", "token", "get", "post", "get", "post", "no-token", "empty")
    cycle_rows, step_rows = 0, 0
    with db:
        for target in _TARGETS:
            rows = []
            for minute in range(minutes):
                ts = now - (minutes - minute) * 60
                down = minute % 997 == 0
                rows.append(
                    (
                        ts,
                        target,
                        "down" if down else "up",
                        0 if down else 1,
                        0.02 + (minute % 50) / 1000,
                        8,
                        0.05,
                        json.dumps(["products GET: answered 503"] if down else []),
                    )
                )
            first = db.execute("SELECT coalesce(max(id), 0) FROM cycles").fetchone()[0] + 1
            db.executemany(
                "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany(
                "INSERT INTO steps (cycle_id, step, endpoint, method, outcome, latency, status, detail) "
                "VALUES (?, ?, 'products', 'GET', 'ok', 0.01, 200, '1 result')",
                ((first + n, step) for n in range(len(rows)) for step in steps_per_cycle),
            )
            cycle_rows += len(rows)
            step_rows += len(rows) * len(steps_per_cycle)
    db.close()
    return cycle_rows, step_rows, time.perf_counter() - started


def _report(path: Path) -> tuple[float, float]:
    """(seconds to compute and print the report in process, wall of `destwatch monitor --report`)."""
    started = time.perf_counter()
    history = History.open(path, create=False)
    report = load_report(
        history, _TARGETS, now=time.time(), availability_objective=99.9, latency_objective=0.5
    )
    history.close()
    print_report(Console(file=open(os.devnull, "w"), width=160), report)  # noqa: SIM115
    in_process = time.perf_counter() - started
    walls = []
    for _ in range(3):
        started = time.perf_counter()
        command = ["monitor", "--report", "--targets", str(EXAMPLE_TARGETS), "--history", str(path)]
        subprocess.run(
            [str(Path(sys.executable).parent / "destwatch"), *command], check=True, capture_output=True
        )
        walls.append(time.perf_counter() - started)
    return in_process, min(walls)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--soak", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--days", type=int, default=30)
    options = parser.parse_args()
    failed = []
    bytecode = "off (PYTHONDONTWRITEBYTECODE)" if sys.dont_write_bytecode else "on"
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; bytecode caching {bytecode}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)

        once, imports, imported = _startup(folder)
        print(
            f"start-up: `destwatch monitor --once` {once:.2f} s wall "
            f"(importing destwatch.cli {imports:.2f} s); "
            f"pytest or Schemathesis imported: {'yes' if imported else 'no'}"
        )
        if imported:
            failed.append("pytest or Schemathesis imported")

        first, walls, requests = _cycles(folder, options.cycles)
        walls.sort()
        print(
            f"cycle over 4 versions: first (tokens) {first * 1000:.0f} ms; then median "
            f"{statistics.median(walls) * 1000:.0f} ms, max {walls[-1] * 1000:.0f} ms "
            f"over {len(walls)} cycles, "
            f"{statistics.median(requests):.0f} requests a cycle"
        )
        if walls[-1] > _CYCLE_BUDGET:
            failed.append(f"a cycle took {walls[-1]:.2f} s")

        if options.soak:
            samples = _soak(folder, options.soak, options.interval)
            for cycle, rss, fds, elapsed in samples:
                print(f"soak: cycle {cycle:>5}  RSS {rss:6.1f} MB  fds {fds:>3}  {elapsed:6.1f} s")
            (_, warm_rss, warm_fds, _), (_, end_rss, end_fds, _) = samples[1], samples[-1]
            print(
                f"soak: {samples[-1][0]} cycles every {options.interval:g} s; "
                f"RSS {warm_rss:.1f} -> {end_rss:.1f} MB "
                f"after the 10th cycle, fds {warm_fds} -> {end_fds}"
            )
            if end_rss - warm_rss > _RSS_GROWTH_BUDGET_MB:
                failed.append(f"RSS grew {end_rss - warm_rss:.1f} MB")
            if end_fds > warm_fds:
                failed.append(f"fds grew from {warm_fds} to {end_fds}")

        path = folder / "month.db"
        cycles, steps, built = _history(path, options.days)
        size = path.stat().st_size / 1_048_576
        in_process, wall = _report(path)
        print(
            f"report: {options.days} days, {cycles} cycles and {steps} step rows ({size:.0f} MB, built in "
            f"{built:.1f} s): computed and printed in {in_process * 1000:.0f} ms in process; "
            f"`destwatch monitor --report` {wall:.2f} s wall"
        )
        if in_process > _REPORT_BUDGET:
            failed.append(f"the report took {in_process:.2f} s")
    for failure in failed:
        print(f"over budget: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
