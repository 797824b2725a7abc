"""The adapter to allure-pytest's internals: two changes to how a destwatch session writes Allure results.

**Results written off the test thread.** allure-pytest writes one file per test (and per fixture
container) as the test ends, from the thread that runs the tests, and creating a file is a journaled
metadata write, paid between one test and the next. A destwatch session puts Allure's file logger behind
one writer thread instead, and waits for the writer as the session ends, so every file exists before
`destwatch run` returns. The logger's hooks are called as Allure calls them, and the logger is registered
again as it was before Allure's own clean-up unregisters it.

**No container per parametrized argument.** allure-pytest writes every fixture a test used as a "set up"
step, in a container file of its own, and pytest turns each directly parametrized argument (`target`,
`endpoint`, a suite's `method`) into a fixture. Those containers say nothing the result's parameters do not
already say, yet they were most of the files the shape and filters suites wrote. A destwatch session lets
them pass unreported; every real fixture keeps its container. allure-pytest's listener is found by its
registered name, `allure_listener`, and its `pytest_fixture_setup` hook wrapper is wrapped in turn.

`tests/gate/test_adapters.py` fails naming this module the day an upgrade breaks either: the file logger
gains a hook the stand-in does not pass on, or the listener is renamed or loses its hook.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

import allure_commons
import pytest
from allure_commons.logger import AllureFileLogger

from destwatch.gate._pytest import is_direct_parameter

__all__ = [
    "LISTENER",
    "WRITER",
    "WrittenLater",
    "without_parameter_containers",
    "written_off_the_test_thread",
]

WRITER = "destwatch-allure-writer"


def written_off_the_test_thread(config: pytest.Config) -> None:
    """Put this session's Allure file logger (if Allure reports at all) behind a writer thread."""
    for logger in allure_commons.plugin_manager.get_plugins():
        if isinstance(logger, AllureFileLogger):
            # Cleanups run last-registered first: this one before Allure's own unregisters the logger.
            config.add_cleanup(_behind_a_writer(logger))


def _behind_a_writer(logger: AllureFileLogger) -> Callable[[], None]:
    """Register a `WrittenLater` in the logger's place; returns the clean-up that waits for its writes and
    puts the logger back under its name."""
    manager = allure_commons.plugin_manager
    name = manager.get_name(logger)
    stand_in = WrittenLater(logger)
    manager.unregister(logger)
    manager.register(stand_in)

    def restore() -> None:
        manager.unregister(stand_in)
        manager.register(logger, name)
        stand_in.close()

    return restore


class WrittenLater:
    """Allure's file logger with the same hooks, each call made by one writer thread, in order.

    An attached file is copied at once: the test that attached it may delete it as soon as it returns.
    `close` waits for the last write and raises the first error one met (a full disk must not pass for a
    complete report).
    """

    def __init__(self, logger: AllureFileLogger) -> None:
        self._logger = logger
        self._queue: queue.SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name=WRITER, daemon=True)
        self._thread.start()

    @allure_commons.hookimpl
    def report_result(self, result: Any) -> None:
        self._queue.put((self._logger.report_result, (result,)))

    @allure_commons.hookimpl
    def report_container(self, container: Any) -> None:
        self._queue.put((self._logger.report_container, (container,)))

    @allure_commons.hookimpl
    def report_attached_data(self, body: Any, file_name: str) -> None:
        self._queue.put((self._logger.report_attached_data, (body, file_name)))

    @allure_commons.hookimpl
    def report_attached_file(self, source: Any, file_name: str) -> None:
        self._logger.report_attached_file(source, file_name)

    @allure_commons.hookimpl
    def report_globals(self, globals_item: Any) -> None:
        self._queue.put((self._logger.report_globals, (globals_item,)))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _write(self) -> None:
        while (call := self._queue.get()) is not None:
            if self._error is None:
                write, args = call
                try:
                    write(*args)
                # Raised again by close(), in the thread that waits for the files.
                except BaseException as exc:
                    self._error = exc


LISTENER = "allure_listener"


def without_parameter_containers(config: pytest.Config) -> None:
    """Make this session's Allure listener (if Allure reports at all) skip direct parameters' fixtures."""
    listener = config.pluginmanager.getplugin(LISTENER)
    if listener is None:
        return
    setup = listener.pytest_fixture_setup

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Generator:
        if is_direct_parameter(fixturedef):
            yield
            return
        yield from setup(fixturedef, request)

    # pluggy reads a plugin's hooks when it is registered: the instance's own hook shadows the class's.
    config.pluginmanager.unregister(listener)
    listener.pytest_fixture_setup = pytest_fixture_setup
    config.pluginmanager.register(listener, LISTENER)
