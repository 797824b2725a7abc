"""Fixtures for the reference destination's own tests: real uvicorn servers on loopback, real tokens.

Fixture names carry a `ref_` prefix so they never meet the destwatch plugin's `target`/`client`/`document`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from destwatch.reference import create_app, serve_in_thread
from kit.refclient import RefClient


@pytest.fixture(scope="session")
def ref_client() -> Iterator[RefClient]:
    """A clean reference destination (no fault, no token rate limit) shared by the session."""
    with serve_in_thread(create_app(token_rate_limit=None)) as server:
        client = RefClient(server)
        yield client
        client.close()


@pytest.fixture
def ref_server_factory() -> Iterator[Callable[..., RefClient]]:
    """Start extra servers (with a fault, a short token lifetime...) that stop when the test ends."""
    with ExitStack() as stack:

        def start(**options: Any) -> RefClient:
            options.setdefault("token_rate_limit", None)
            server = stack.enter_context(serve_in_thread(create_app(**options)))
            client = RefClient(server)
            stack.callback(client.close)
            return client

        yield start


@pytest.fixture(scope="session")
def ref_variant() -> Iterator[Callable[[str], RefClient]]:
    """A clean reference destination per document variant, started on first use and shared by the session."""
    with ExitStack() as stack:
        clients: dict[str, RefClient] = {}

        def serving(variant: str) -> RefClient:
            if variant not in clients:
                app = create_app(variant=variant, token_rate_limit=None)
                server = stack.enter_context(serve_in_thread(app))
                clients[variant] = RefClient(server)
                stack.callback(clients[variant].close)
            return clients[variant]

        yield serving


@pytest.fixture(scope="session")
def ref_candidate() -> Iterator[Callable[[str], RefClient]]:
    """A reference destination serving one candidate as productCatalog v4 (default documents otherwise),
    started on first use and shared by the session."""
    with ExitStack() as stack:
        clients: dict[str, RefClient] = {}

        def serving(candidate: str) -> RefClient:
            if candidate not in clients:
                app = create_app(candidate=candidate, token_rate_limit=None)
                server = stack.enter_context(serve_in_thread(app))
                clients[candidate] = RefClient(server)
                stack.callback(clients[candidate].close)
            return clients[candidate]

        yield serving
