"""Soak `redact()` as a long-running monitor would: 10,000 tokens issued one after another, each living an
hour, while every request and log line is redacted. Prints, every 1,000 tokens, how many values are
masked and what one `redact()` of a typical exchange costs; both must stay flat (tokens are forgotten an
hour after they expire), not grow with the number ever issued.

    .venv/bin/python scripts/bench_redact.py [--tokens 10000] [--lifetime 3600]

Exit code 1 when the masked count or the cost at the end exceeds twice its value after the first 1,000.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time

from destwatch.redact import known_secrets, redact, register_secret

_EXCHANGE = (
    '{"target": "shop/v2", "method": "GET", "url": "https://global.occtoo.com/acme/shop/v2/products?top=50", '
    '"status": 200, "request_headers": {"Authorization": "Bearer [redacted]"}, "response_body": '
    + '"{\\"language\\": \\"en\\", \\"results\\": ['
    + ", ".join(f'{{\\"id\\": \\"SKU-{n}\\"}}' for n in range(40))
    + ']}"}'
)


def _cost(rounds: int = 200) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        redact(_EXCHANGE)
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--lifetime", type=float, default=3600.0)
    args = parser.parse_args()
    clock = time.monotonic()
    # One token per 5-minute refresh of one version: the clock advances as a monitor's would.
    step = args.lifetime / 12
    first: tuple[int, float] | None = None
    print(f"{'tokens issued':>14} {'masked values':>14} {'redact() µs':>12}")
    for issued in range(1, args.tokens + 1):
        clock += step
        register_secret(secrets.token_urlsafe(32), lifetime=args.lifetime, now=clock)
        if issued % 1000 == 0:
            row = (known_secrets(), _cost())
            first = first or row
            print(f"{issued:>14} {row[0]:>14} {row[1]:>12.1f}")
    assert first is not None
    grew = known_secrets() > 2 * first[0] or _cost() > 2 * first[1]
    print("flat" if not grew else "GREW: tokens are not forgotten")
    return 1 if grew else 0


if __name__ == "__main__":
    sys.exit(main())
