"""Benchmark the auditable SLO report on a year of history.

    .venv/bin/python scripts/bench_slo_report.py [--cycles 500000] [--versions 1]

Builds a 365-day history of `--cycles` cycles (spread evenly over `--versions` versions; a few down,
throttled, degraded and maintenance cycles, and a gap), then renders `--report --window 365d` in Markdown,
JSON and CSV in process, each twice. Exit code 1 when a report takes longer than 2 s or two renderings of the
same history and --as-of differ by a byte. Timings depend on the machine's load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from destwatch.monitor.audit import FORMATS, audit, render
from destwatch.monitor.history import History

_BUDGET = 2.0
_YEAR = 365 * 86400.0
_AS_OF = 1_796_025_600.0  # 2026-11-30T08:00:00Z
_STATES = {97: "down", 98: "throttled", 99: "degraded"}


def _build(path: Path, cycles: int, versions: int) -> list[str]:
    targets = [f"bench/v{n + 1}" for n in range(versions)]
    per_version = cycles // versions
    spacing = _YEAR / per_version
    history = History.open(path)
    try:
        with history.transaction() as db:
            for target in targets:
                rows = []
                for n in range(per_version):
                    ts = _AS_OF - _YEAR + n * spacing
                    if 1000 <= n < 1100:
                        continue  # the monitor was not running: a gap
                    state = "maintenance" if 5000 <= n < 5060 else _STATES.get(n % 1000, "up")
                    rows.append((ts, target, state, int(state != "down"), 0.1 + (n % 7) / 100))
                db.executemany(
                    "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
                    "VALUES (?, ?, ?, ?, ?, 4, 0.3, '[]')",
                    rows,
                )
    finally:
        history.close()
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=500_000)
    parser.add_argument("--versions", type=int, default=1)
    args = parser.parse_args()
    missed = False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "monitor.db"
        started = time.perf_counter()
        targets = _build(path, args.cycles, args.versions)
        print(
            f"history: {args.cycles} cycles over 365 days, {args.versions} versions, built in "
            f"{time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
        )
        for form in FORMATS:
            texts, walls = [], []
            for _ in range(2):
                history = History.open(path, create=False)
                started = time.perf_counter()
                figures = audit(history, targets, window="365d", as_of=_AS_OF, availability_objective=99.9)
                texts.append(render(figures, form))
                walls.append(time.perf_counter() - started)
                history.close()
            identical = texts[0].encode() == texts[1].encode()
            over = max(walls) > _BUDGET
            missed |= over or not identical
            print(
                f"--format {form}: {min(walls):.3f} s / {max(walls):.3f} s (budget {_BUDGET:g} s), "
                f"byte-identical on a rerun: {'yes' if identical else 'NO'}{'  OVER BUDGET' if over else ''}"
            )
        print(texts[0].splitlines()[-len(figures.versions) - 1])
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
