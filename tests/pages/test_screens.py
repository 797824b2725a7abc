"""Every HTML page destwatch writes, shown in headless Chromium and screenshotted: the gate's page passed
and failed, the status index and a version's page, validate's verdict GO and NO-GO, and the suites' page
inside the NO-GO validation. Each must draw something of substance, with its verdict in view, without a
console error or a request leaving the file. (`scripts/screenshots.py` renders the same pages for the
README's images.)"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from kit.browser import SCREENSHOTS, Browsed
from kit.screens import Screen, build_pages

Browse = Callable[[Path], Browsed]
PAGES = (
    "gate-passed",
    "gate-failed",
    "status-index",
    "status-version",
    "validate-go",
    "validate-no-go",
    "validate-suites",
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Screen]:
    return build_pages(tmp_path_factory.mktemp("pages"))


def test_every_page_built_is_screenshotted(pages: dict[str, Screen]) -> None:
    assert set(pages) == set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_in_chromium(name: str, pages: dict[str, Screen], browse: Browse) -> None:
    screen = pages[name]
    browsed = browse(screen.path)
    page = browsed.page
    verdict = page.locator(screen.verdict).first
    assert verdict.is_visible() and verdict.inner_text().strip()
    box = verdict.bounding_box()
    assert box is not None and box["y"] < 400, "the verdict is not in the first screen"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])  # the PNG's IHDR
    assert width == 1200 and height >= 600, (width, height)
    assert shot.stat().st_size > 30_000, "a near-empty page"
    assert browsed.errors == [] and browsed.refused == []
