"""Fixtures of the status pages' tests: one headless Debian chromium for the session, driven by Playwright,
and pages opened from files that record every request and console error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from statuskit import CHROMIUM, Browsed, launch, open_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless. Missing, it fails every browser test: CI installs it (.ci/run)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    with sync_playwright() as playwright:
        launched = launch(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browse(browser: Browser) -> Iterator[object]:
    """`browse(path)`: the page at `path` loaded from its file, with its requests and console errors."""
    opened: list[Browsed] = []

    def load(path: Path) -> Browsed:
        browsed = open_file(browser, path)
        opened.append(browsed)
        return browsed

    yield load
    for browsed in opened:
        browsed.context.close()
