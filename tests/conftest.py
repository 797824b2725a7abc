"""Fixtures shared by destwatch's own tests. Keep this small: each test folder has its own conftest."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from destwatch.reference import create_app, serve_in_thread


def pytest_configure(config: pytest.Config) -> None:
    # The test session already keeps both cores busy (-n auto): the gates it starts run their versions
    # one after another unless a test asks for --jobs itself (tests/harness/test_parallel.py).
    os.environ["DESTWATCH_JOBS"] = "1"


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """A fault-free reference destination on a free loopback port, shared by the whole test session."""
    with serve_in_thread(create_app()) as server:
        yield server.url
