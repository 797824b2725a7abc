"""Fixtures shared by destwatch's own tests. Keep this small: each test folder has its own conftest.

The folders mirror the package (`tests/gate/` tests `destwatch.gate`, ...); the helpers they share live in one
package, `tests/kit/`, imported as `kit` (pytest puts `tests/` on the path: `pythonpath` in pyproject.toml).
Test modules are imported by their path (`--import-mode=importlib`), so two folders may each have a
`test_page.py`, and no test module imports another.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The kit's own asserts say what they compared, as a test's do.
pytest.register_assert_rewrite("kit")

# Imported before any in-process pytester run: such a run drops the modules imported during it, and the
# OpenAPI validator (imported lazily by destwatch) would come back as a second copy whose YAML loader no
# longer knows its constructors ("could not determine a constructor for the tag None").
import openapi_spec_validator  # noqa: E402, F401

from destwatch.reference import create_app, serve_in_thread  # noqa: E402
from kit.browser import CHROMIUM, Browsed, launch, open_file  # noqa: E402
from kit.proxy import MisbehavingProxy  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # A third of the suite's time is waiting, not computing (child `destwatch run`s, token lifetimes running
    # out, timeouts of misbehaving destinations): half as many workers again as cores fill it.
    # The cores this process may use where the OS says (Linux), else the machine's (macOS has no affinity).
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(2, cores * 3 // 2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Modules with whole-gate tests first, each kept in one piece (module fixtures are set up once): with
    # pytest-xdist handing out two tests at a time (`--maxschedchunk 2` in pyproject.toml), the long tests
    # start early and short ones fill the end, instead of one worker's first chunk running on alone.
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)


def pytest_configure(config: pytest.Config) -> None:
    # The test session already keeps both cores busy (-n auto): the gates it starts run their versions
    # one after another unless a test asks for --jobs itself (tests/gate/test_parallel.py).
    os.environ["DESTWATCH_JOBS"] = "1"


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """A fault-free reference destination on a free loopback port, shared by the whole test session."""
    with serve_in_thread(create_app()) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, for every page test (the gate's, validate's, the status site's). Missing,
    it fails every browser test: CI installs it (.ci/run)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    with sync_playwright() as playwright:
        launched = launch(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browse(browser: Browser) -> Iterator[Callable[[Path], Browsed]]:
    """`browse(path)`: the page at `path` loaded from its file, with its requests and console errors."""
    opened: list[Browsed] = []

    def load(path: Path) -> Browsed:
        browsed = open_file(browser, path)
        opened.append(browsed)
        return browsed

    yield load
    for browsed in opened:
        browsed.context.close()


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    """The honest destination behind every misbehaving proxy: the reference, fault-free, tokens unlimited
    (every case fetches tokens through the proxy)."""
    with serve_in_thread(create_app(token_rate_limit=None)) as server:
        yield server.url


@pytest.fixture
def proxy(upstream: str) -> Iterator[MisbehavingProxy]:
    """A fresh misbehaving proxy in front of `upstream`, forwarding everything until the test gives it a
    rule (so each test reads its own counters)."""
    with MisbehavingProxy(upstream) as running:
        yield running
