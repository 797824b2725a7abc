"""Allure results without a container for each parametrized argument.

allure-pytest writes every fixture a test used as a "set up" step, in a container file of its own, and
pytest turns each directly parametrized argument (`target`, `endpoint`, a suite's `method`) into a fixture.
Those containers say nothing the result's parameters do not already say, yet they were 660 of the 921
files the shape and filters suites wrote, and writing them a seventh of the session's main thread. A destwatch
session lets them pass unreported; every real fixture keeps its container.

This leans on two details no public API offers, held by `tests/harness/test_plugin_wiring.py` (which fails
naming this module the day either changes): allure-pytest registers its listener as `allure_listener` with a
`pytest_fixture_setup` hook wrapper, and pytest defines a direct parameter's fixture as a
`DirectParamFixtureDef`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

__all__ = ["without_parameter_containers"]

LISTENER = "allure_listener"


def without_parameter_containers(config: pytest.Config) -> None:
    """Make this session's Allure listener (if Allure reports at all) skip direct parameters' fixtures."""
    listener = config.pluginmanager.getplugin(LISTENER)
    if listener is None:
        return
    setup = listener.pytest_fixture_setup

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Generator:
        if type(fixturedef).__name__ == "DirectParamFixtureDef":
            yield
            return
        yield from setup(fixturedef, request)

    # pluggy reads a plugin's hooks when it is registered: the instance's own hook shadows the class's.
    config.pluginmanager.unregister(listener)
    listener.pytest_fixture_setup = pytest_fixture_setup
    config.pluginmanager.register(listener, LISTENER)
