"""Benchmark the whole gate: `destwatch run` wall time, tokens per run, and how cost grows with versions.

    .venv/bin/python scripts/bench_gate.py [--rounds 2] [--copies 1,2,4,8] [--skip-scaling]

1. **The gate on the embedded default** (the repository's targets.toml, every suite): `--jobs 1` and
   `--jobs auto` side by side, alternating, `--rounds` each. Both must pass with the same passed and skipped
   counts; the wall times and their ratio are printed.
2. **Tokens**: from the same runs' summary.json, per protected version the tokens destwatch's own requests
   fetched and the grants the auth suite asked for on purpose. The embedded default's tokens live 4 s (so
   the auth suite waits one out), so a run of a version that lasts longer needs fresh ones; a run of the
   same targets with the production lifetime (3600 s) must fetch exactly one per protected version.
3. **How cost grows**: N copies of productCatalog/v2, each served by its own `destwatch serve` process (as
   each production destination is its own server), gated together with `--jobs auto`, for N in
   `--copies`: wall time, wall time per version and requests per version. Time per version must not grow
   with N.

Exit code 1 when a check above fails (a run not passing, counts differing, more than one token per version
at the production lifetime, time per version at the largest N above 1.25x the smallest N's above one).
Timings depend on the machine's load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from destwatch.reference import REFERENCE
from destwatch.reference.targets import embedded_targets

ROOT = Path(__file__).resolve().parents[1]
DESTWATCH = str(Path(sys.executable).parent / "destwatch")


def _gate(workdir: Path, targets: Path, *args: str) -> tuple[float, dict[str, Any]]:
    reports = workdir / f"reports-{time.monotonic_ns()}"
    command = [DESTWATCH, "run", "--targets", str(targets), "--reports", str(reports), *args, "--", "-q"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    summary_file = reports / "summary.json"
    if done.returncode != 0 or not summary_file.exists():
        print(done.stdout[-4000:] + done.stderr[-2000:])
        raise SystemExit(f"the gate did not pass (exit {done.returncode}): {' '.join(command)}")
    return wall, json.loads(summary_file.read_text())


def _counts(summary: dict[str, Any]) -> tuple[int, int, int]:
    totals = summary["totals"]
    return totals["passed"], totals["failed"], totals["skipped"]


def _tokens_line(summary: dict[str, Any]) -> str:
    usage = summary["targets"]
    return ", ".join(
        f"{name} {u['tokens_fetched']} (+{u['auth_grants']} on purpose)"
        for name, u in sorted(usage.items())
        if u["protected"]
    )


def _embedded(workdir: Path, rounds: int) -> bool:
    print("1. destwatch run on the embedded default (targets.toml), every suite")
    targets = ROOT / "targets.toml"
    walls: dict[str, list[float]] = {"1": [], "auto": []}
    counts: dict[str, set[tuple[int, int, int]]] = {"1": set(), "auto": set()}
    last: dict[str, dict[str, Any]] = {}
    for round_ in range(rounds):
        for jobs in ("1", "auto") if round_ % 2 == 0 else ("auto", "1"):
            wall, summary = _gate(workdir, targets, "--jobs", jobs)
            walls[jobs].append(wall)
            counts[jobs].add(_counts(summary))
            last[jobs] = summary
            print(
                f"   round {round_ + 1} --jobs {jobs:<4} {wall:6.1f} s  "
                f"passed/failed/skipped {_counts(summary)}"
            )
    serial, parallel = min(walls["1"]), min(walls["auto"])
    print(
        f"   best of {rounds}: --jobs 1 {serial:.1f} s, --jobs auto {parallel:.1f} s, "
        f"ratio {parallel / serial:.2f}"
    )
    same = len(counts["1"] | counts["auto"]) == 1
    if not same:
        print(f"   FAIL: the counts differ: {counts}")
    print("2. tokens per protected version (destwatch's own, and the auth suite's grants on purpose)")
    print(f"   4 s lifetime, --jobs auto: {_tokens_line(last['auto'])}")
    production = workdir / "targets-3600.toml"
    production.write_text(embedded_targets(), encoding="utf-8")  # the reference's own 3600 s lifetime
    _, summary = _gate(workdir, production, "--jobs", "auto")
    print(f"   3600 s lifetime, --jobs auto: {_tokens_line(summary)}")
    one_each = all(u["tokens_fetched"] == 1 for u in summary["targets"].values() if u["protected"])
    if not one_each:
        print("   FAIL: more than one token for a protected version at the production lifetime")
    return same and one_each


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _served() -> Iterator[str]:
    """One `destwatch serve` process on a free port; its URL once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [DESTWATCH, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/northwind/productCatalog/v2/openapi", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"destwatch serve on port {port} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _copies_targets(urls: list[str]) -> str:
    destination = REFERENCE.destination("productCatalog")
    assert destination is not None
    version = destination.version("v2")
    assert version is not None
    app = version.applications[0]
    # The pace of the repository's targets.toml for the reference, not the production default (50).
    lines = [embedded_targets(versions=[], defaults={"max_rps": 200.0}).strip(), ""]
    for number, url in enumerate(urls, start=1):
        lines += [
            f"[destinations.copy{number}]",
            'customer = "northwind"',
            f'base_url = "{url}/{{customer}}/productCatalog"',
            f'token_url = "{url}/destinations/{version.destination_id}/token"',
            "",
            f"[destinations.copy{number}.versions.v2]",
            "protected = true",
            f'destination_id = "{version.destination_id}"',
            f'client_id = "{app.client_id}"',
            'client_secret = "${BENCH_CLIENT_SECRET}"',
            f"languages = {json.dumps(list(version.languages))}",
            "",
        ]
    os.environ["BENCH_CLIENT_SECRET"] = app.client_secret
    return "\n".join(lines)


def _scaling(workdir: Path, copies: list[int]) -> bool:
    print("3. N copies of productCatalog/v2, each its own `destwatch serve`, --jobs auto")
    print(f"   {'N':>3} {'wall s':>8} {'s/version':>10} {'requests/version':>17} {'tokens/version':>15}")
    per_version: dict[int, float] = {}
    with ExitStack() as stack:
        urls = [stack.enter_context(_served()) for _ in range(max(copies))]
        for n in copies:
            targets = workdir / f"copies-{n}.toml"
            targets.write_text(_copies_targets(urls[:n]), encoding="utf-8")
            wall, summary = _gate(workdir, targets, "--jobs", "auto")
            usage = summary["targets"].values()
            requests = sum(u["requests"] for u in usage) / n
            tokens = sum(u["tokens_fetched"] for u in usage) / n
            per_version[n] = wall / n
            print(f"   {n:>3} {wall:>8.1f} {wall / n:>10.2f} {requests:>17.0f} {tokens:>15.1f}")
    several = [n for n in copies if n > 1]
    if len(several) < 2:
        return True
    grows = per_version[max(several)] > 1.25 * per_version[min(several)]
    if grows:
        print("   FAIL: time per version grows with the number of versions")
    return not grows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--copies", default="1,2,4,8", help="numbers of copies, comma-separated")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ok = _embedded(workdir, args.rounds)
        if not args.skip_scaling:
            ok = _scaling(workdir, [int(n) for n in args.copies.split(",")]) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
