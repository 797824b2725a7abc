"""Benchmark the shape and filters suites against the embedded reference destination.

Runs both suites through `destwatch run` (in-process), then replays the very same requests, taken from the
run's recorded exchanges, with a plain sequential httpx loop against a fresh reference server, served as the
run serves its own (from a child process). So the cost of the suites (pytest, oracles, pacing) sits beside
the bare cost of the HTTP they send. Each round runs the suites, then the loop; its ratio pairs the suites
with the loops just before and after them (the machine's speed drifts between rounds). A first round warms
the process up and is not counted.

`--latency S` adds S seconds to every data answer, for the suites and the loop alike (the suites then run
against that server as a configured destination): how they compare against a destination across a network,
where what is sent side by side costs one round trip instead of one each.

    .venv/bin/python scripts/bench_semantics.py [--seed N] [--max-rps R] [--jobs N] [--rounds 3] [--latency S]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from destwatch.gate.runner import GateRequest, run_gate
from destwatch.reference import REFERENCE
from destwatch.reference.server import serve_in_process
from destwatch.reference.targets import demo_secrets, embedded_targets


def _suites(workdir: Path, args: argparse.Namespace) -> tuple[float, dict[str, Any], list[dict[str, Any]]]:
    with contextlib.ExitStack() as stack:
        served_at = ""
        if args.latency:
            # A destination across a network: a reference of our own, configured like a real one.
            settings = {"latency": args.latency, "token_rate_limit": None}
            server = stack.enter_context(serve_in_process(settings))
            server.ready()
            served_at = server.url
            os.environ.update(demo_secrets())
        targets = workdir / "targets.toml"
        limits = {"max_rps": args.max_rps, "request_budget": 400}
        targets.write_text(embedded_targets(defaults=limits, served_at=served_at))
        return _timed_run(workdir, targets, args.seed, args.jobs or None)


def _timed_run(
    workdir: Path, targets: Path, seed: int | None, jobs: int | None
) -> tuple[float, dict[str, Any], list[dict[str, Any]]]:
    reports = workdir / "reports"
    started = time.perf_counter()
    code = run_gate(
        GateRequest(
            targets=targets,
            reports=reports,
            suites=("shape", "filters"),
            seed=seed,
            pytest_args=("-q",),
            jobs=jobs,
        )
    )
    wall = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the suites did not pass on the clean reference (exit {code}); see {reports}")
    summary = json.loads((reports / "summary.json").read_text())
    exchanges = [json.loads(line) for line in (reports / "exchanges.jsonl").read_text().splitlines()]
    return wall, summary, exchanges


def _tokens(client: httpx.Client, base: str) -> dict[str, str]:
    """One token per protected version, from the demo applications (fetched before the clock starts)."""
    tokens = {}
    for destination in REFERENCE.destinations:
        for version in destination.versions:
            if version.protected and version.applications:
                app = version.applications[0]
                answer = client.post(
                    f"{base}/destinations/{version.destination_id}/token",
                    json={"clientId": app.client_id, "clientSecret": app.client_secret},
                )
                answer.raise_for_status()
                tokens[f"{destination.name}/{version.name}"] = answer.json()["accessToken"]
    return tokens


def _plain_loop(exchanges: list[dict[str, Any]], latency: float) -> tuple[float, int]:
    """The suites' data and document requests, replayed one after the other with a bare httpx client."""
    replay = [e for e in exchanges if "/destinations/" not in e["url"]]
    settings = {"token_rate_limit": None, "latency": latency}
    with serve_in_process(settings) as server, httpx.Client(timeout=10.0) as client:
        server.ready()
        tokens = _tokens(client, server.url)
        started = time.perf_counter()
        for exchange in replay:
            parts = urlsplit(exchange["url"])
            url = server.url + parts.path + (f"?{parts.query}" if parts.query else "")
            headers = {"Accept": "application/json"}
            if exchange["target"] in tokens:
                headers["Authorization"] = f"Bearer {tokens[exchange['target']]}"
            body = exchange["request_body"] or None
            if body is not None:
                headers["Content-Type"] = "application/json"
            answer = client.request(exchange["method"], url, content=body, headers=headers)
            if answer.status_code != exchange["status"]:
                raise SystemExit(f"replay differs: {exchange['method']} {url} -> {answer.status_code}")
        return time.perf_counter() - started, len(replay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-rps", type=float, default=500.0, help="the targets' rate bound (default 500)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="destwatch's processes (default 1; 0: as `--jobs auto`, one per core)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="suites then loop, this many times (default 3)")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every data answer (default 0)"
    )
    args = parser.parse_args()
    print(
        f"{'round':>5}  {'requests':>8}  {'suites req/s':>12}  {'session req/s':>13}  "
        f"{'loop req/s':>10}  ratio"
    )
    ratios = []
    loop_before: float | None = None
    # Round 0 is not counted: it pays what a process pays once (the OpenAPI validator's import alone is
    # 0.3-0.5 s), and it gives round 1 a loop before it as every later round has.
    for round_ in range(args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            wall, summary, exchanges = _suites(Path(tmp), args)
        loop_wall, replayed = _plain_loop(exchanges, args.latency)
        sent, session = len(exchanges), summary["duration"]
        loop_after = replayed / loop_wall
        # The suites ran between two loops (but the first): pairing them with both cancels a steady drift of
        # the machine's speed, which moves the loop's rate far more than the suites'.
        loop_rate = loop_after if loop_before is None else (loop_before + loop_after) / 2
        loop_before = loop_after
        ratio = sent / wall / loop_rate
        if round_:
            ratios.append(ratio)
        print(
            f"{round_:>5}  {sent:>8}  {sent / wall:>12.1f}  {sent / session:>13.1f}  {loop_rate:>10.1f}  "
            f"{ratio:.2f}{'' if round_ else '  (warm-up, not counted)'}"
        )
    totals = summary["totals"]
    print(
        f"shape + filters: {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['skipped']} skipped; median ratio of the whole command's rate to the loop's: "
        f"{statistics.median(ratios):.2f} (goal 0.5)"
    )
    print("requests per destination version (both suites; budget 400 per suite):")
    for target, count in sorted(Counter(e["target"] for e in exchanges).items()):
        print(f"  {target:24}{count:>6}")


if __name__ == "__main__":
    main()
