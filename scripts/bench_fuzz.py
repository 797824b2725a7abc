"""Benchmark: destwatch's fuzz suite vs a plain `st run` of the same document, side by side in one run.

Both tools test the same reference destination (one uvicorn server on loopback, started here), with the
same operations, examples per operation, seed, checks, response-time budget and `--generation-database
none`; both are timed as the whole command a user would wait for. Usage:

    .venv/bin/python scripts/bench_fuzz.py [--examples 25] [--version v2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from destwatch.fuzzing import EXCLUDED_CHECKS
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


def _timed(command: list[str], *, env: dict[str, str], cwd: Path) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--version", default="v2", choices=["v1", "v2", "v3"])
    parser.add_argument("--repeat", type=int, default=3)
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
            dw_time, dw_code, dw_out = _timed(destwatch, env=env, cwd=workdir)
            st_time, st_code, st_out = _timed(schemathesis, env=env, cwd=workdir)
            if dw_code != 0 or st_code != 0:
                print(dw_out[-3000:].replace(token, "[redacted]"))
                print(st_out[-3000:].replace(token, "[redacted]"))
                print(f"a run failed: destwatch exit {dw_code}, st exit {st_code}")
                return 1
            rows.append((round_, dw_time, st_time))
        print(f"{'round':>5}  {'destwatch fuzz':>15}  {'st run':>8}  {'ratio':>6}")
        for round_, dw_time, st_time in rows:
            print(f"{round_:>5}  {dw_time:>14.2f}s  {st_time:>7.2f}s  {dw_time / st_time:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
