"""Fixtures of the monitor's tests: a fake clock and a loopback server that captures alerts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kit.monitoring import CaptureServer, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    server = CaptureServer()
    try:
        yield server
    finally:
        server.close()
