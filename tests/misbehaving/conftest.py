"""Fixtures of the misbehaving-destination corpus.

One real reference destination per test session (per xdist worker), without a token rate limit, since every
case fetches tokens through the proxy; one fresh proxy per test in front of it, so each test reads its own
counters and sets its own rule.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kit.proxy import MisbehavingProxy

from destwatch.reference import create_app, serve_in_thread


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    """The honest destination behind every proxy: the reference, fault-free, tokens unlimited."""
    with serve_in_thread(create_app(token_rate_limit=None)) as server:
        yield server.url


@pytest.fixture
def proxy(upstream: str) -> Iterator[MisbehavingProxy]:
    """A proxy forwarding everything to `upstream` until the test gives it a rule."""
    with MisbehavingProxy(upstream) as running:
        yield running
