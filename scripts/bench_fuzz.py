"""Benchmark: destwatch's fuzz suite vs a plain `st run` of the same document, side by side in one run.

Both tools test the same reference destination (one uvicorn server on loopback, started here), with the
same operations, examples per operation, seed, checks, response-time budget and `--generation-database
none`; both are timed as the whole command a user would wait for. Usage:

    .venv/bin/python scripts/bench_fuzz.py [--examples 25] [--version v2] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from destwatch.gate.fuzz import EXCLUDED_CHECKS
from destwatch.reference import REFERENCE, create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SEED = 20261128
BUDGET = 1.0


def _targets(server_url: str, version: str, examples: int) -> str:
    # A real-destination style file (not "embedded"), so both tools hit the server started here.
    defaults = {"examples": examples, "max_rps": 100000.0, "response_time_budget": BUDGET, "seed": SEED}
    return embedded_targets(
        served_at=server_url, versions=[f"productCatalog/{version}"], expectations=False, defaults=defaults
    )


def _timed(command: list[str], *, env: dict[str, str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall time, the command's CPU time (user + system), exit code and output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--version", default="v2", choices=["v1", "v2", "v3"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    destination = REFERENCE.destination("productCatalog")
    assert destination is not None
    version = destination.version(args.version)
    assert version is not None
    app = version.applications[0]
    with serve_in_thread(create_app(token_rate_limit=None)) as server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        targets = workdir / "targets.toml"
        targets.write_text(_targets(server.url, args.version, args.examples))
        # Bytecode caching as on a user's machine: without it pytest re-rewrites every plugin module per run.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(demo_secrets())
        token = httpx.post(
            f"{server.url}/destinations/{version.destination_id}/token",
            json={"clientId": app.client_id, "clientSecret": app.client_secret},
        ).json()["accessToken"]
        base = f"{server.url}/northwind/productCatalog/{args.version}"
        destwatch = [
            str(BIN / "destwatch"), "run", "--suite", "fuzz", "--targets", str(targets),
            "--reports", str(workdir / "reports"), "--", "-k", "test_operation", "-q",
        ]  # fmt: skip
        # Stateful is left out on both sides: the documents declare no links, and destwatch skips it then.
        schemathesis = [
            str(BIN / "st"), "run", f"{base}/openapi", "-H", f"Authorization: Bearer {token}",
            "--max-examples", str(args.examples), "--seed", str(SEED), "--generation-database", "none",
            "--phases", "examples,coverage,fuzzing", "--exclude-checks", ",".join(EXCLUDED_CHECKS),
            "--max-response-time", str(BUDGET), "--no-color",
        ]  # fmt: skip
        operations = 2 * len(version.endpoints)  # every endpoint answers GET and POST
        print(
            f"productCatalog/{args.version}: {operations} operations, {args.examples} examples each, "
            f"seed {SEED}, generation database none"
        )
        # One unmeasured run of each first: whichever ran first would otherwise pay alone for Hypothesis's
        # per-folder caches (its Unicode tables under .hypothesis/), which the other then reuses.
        for command in (destwatch, schemathesis):
            _timed(command, env=env, cwd=workdir)
        rows = []
        for round_ in range(1, args.repeat + 1):
            # Alternating which goes first cancels the drift of a shared machine out of the median.
            order = [("destwatch", destwatch), ("st", schemathesis)]
            timed = dict(
                (name, _timed(command, env=env, cwd=workdir)) for name, command in order[:: (-1) ** round_]
            )
            (dw_wall, dw_cpu, dw_code, dw_out), (st_wall, st_cpu, st_code, st_out) = (
                timed["destwatch"],
                timed["st"],
            )
            if dw_code != 0 or st_code != 0:
                print(dw_out[-3000:].replace(token, "[redacted]"))
                print(st_out[-3000:].replace(token, "[redacted]"))
                print(f"a run failed: destwatch exit {dw_code}, st exit {st_code}")
                return 1
            rows.append((round_, dw_wall, st_wall, dw_cpu, st_cpu))
        print(f"{'round':>5}  {'destwatch fuzz':>15}  {'st run':>8}  {'ratio':>6}  {'CPU ratio':>9}")
        for round_, dw_wall, st_wall, dw_cpu, st_cpu in rows:
            ratio, cpu_ratio = dw_wall / st_wall, dw_cpu / st_cpu
            cpu = f"{cpu_ratio:>9.2f}  ({dw_cpu:.2f} s / {st_cpu:.2f} s)"
            print(f"{round_:>5}  {dw_wall:>14.2f}s  {st_wall:>7.2f}s  {ratio:>6.2f}  {cpu}")
        ratios = [dw_wall / st_wall for _, dw_wall, st_wall, _, _ in rows]
        cpu_ratios = [dw_cpu / st_cpu for *_, dw_cpu, st_cpu in rows]
        print(f"median  ratio {statistics.median(ratios):.2f}  CPU ratio {statistics.median(cpu_ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
