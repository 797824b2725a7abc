"""Fixtures of the harness tests: the steered destination on loopback, reset for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from destwatch.config import VersionTarget
from destwatch.reference import serve_in_thread
from kit.steered import Steer, SteeredDestination, make_target


@pytest.fixture(scope="module")
def _steered_server() -> Iterator[tuple[SteeredDestination, str]]:
    destination = SteeredDestination()
    with serve_in_thread(destination.app) as server:
        yield destination, server.url


@pytest.fixture
def steered(_steered_server: tuple[SteeredDestination, str]) -> SteeredDestination:
    destination, _ = _steered_server
    destination.steer = Steer()
    return destination


@pytest.fixture
def shop(_steered_server: tuple[SteeredDestination, str]) -> VersionTarget:
    """A protected version of the steered destination, with fast pacing."""
    return make_target(_steered_server[1])
