"""Benchmark the reference destination on loopback: requests per second and p50/p99 latency.

The server runs in its own process (`python -m destwatch.reference --port 0`, what `destwatch serve` runs), so
client and server do not share a GIL; on a 2-core machine they still share the CPU, as in a harness run.

    .venv/bin/python scripts/bench_reference.py [--requests 2000]

Exit code 1 when a default GET page's p50 is not under the 10 ms budget.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from destwatch.reference import REFERENCE

_BUDGET_P50 = 0.010
_VERSION = "v1"


def _start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "destwatch.reference", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r" at (http://\S+)$", line.strip()):
            return process, match.group(1)
    process.wait(10)
    raise SystemExit(
        f"the reference destination did not start: {process.stderr.read() if process.stderr else ''}"
    )


def _measure(send: Callable[[], httpx.Response], count: int) -> list[float]:
    for _ in range(min(50, count)):  # warm the connection and the server's caches
        send().raise_for_status()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        send().raise_for_status()
        timings.append(time.perf_counter() - started)
    return timings


def _report(name: str, timings: list[float]) -> float:
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    rps = len(timings) / sum(timings)
    latency = f"p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"
    print(f"{name:<34} {len(timings):>6} req  {rps:>8.0f} req/s  {latency}")
    return p50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario (default 2000)")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")

    destination = REFERENCE.destination("productCatalog")
    assert destination is not None
    version = destination.version(_VERSION)
    assert version is not None
    application = version.applications[0]
    process, url = _start_server()
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            token = client.post(
                f"/destinations/{version.destination_id}/token",
                json={"clientId": application.client_id, "clientSecret": application.client_secret},
            ).json()["accessToken"]
            client.headers["Authorization"] = f"Bearer {token}"
            products = f"/{REFERENCE.name}/{destination.name}/{version.name}/products"
            filtered = {
                "filter": [{"must": {"category": ["Shoes", "Bags"]}, "range": {"price": {"lte": 50}}}]
            }
            print(f"reference destination at {url}, {args.requests} sequential requests per scenario")
            p50 = _report("GET default page (top 50)", _measure(lambda: client.get(products), args.requests))
            _report(
                "GET top=1000 sortDesc=price",
                _measure(
                    lambda: client.get(products, params={"top": 1000, "sortDesc": "price"}), args.requests
                ),
            )
            _report(
                "POST filter + range + totals",
                _measure(
                    lambda: client.post(products, json={**filtered, "includeTotals": True}), args.requests
                ),
            )
    finally:
        process.terminate()
        process.wait(10)
    verdict = "within" if p50 < _BUDGET_P50 else "OVER"
    print(f"default GET page p50 {p50 * 1000:.2f} ms: {verdict} the {_BUDGET_P50 * 1000:.0f} ms budget")
    return 0 if p50 < _BUDGET_P50 else 1


if __name__ == "__main__":
    sys.exit(main())
