"""The status site stays light: 30 days of cycles every 15 minutes for 4 versions (recorded through the
history's own `record`) make an index page under 1 MB that still draws, states the version that is down,
and fetches nothing."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from destwatch.monitor.history import History
from destwatch.monitor.outcomes import CycleReport, Outcome, State, StepResult, VersionReport
from destwatch.status import load_status, write_site
from kit.browser import SCREENSHOTS, Browsed
from kit.monitoring import EPOCH

VERSIONS = ("productCatalog/v1", "productCatalog/v2", "productCatalog/v3", "googleMarketplace/v1")
EVERY = 900
CYCLES = 30 * 86400 // EVERY


def _version(target: str, ts: float, rng: random.Random, down: bool) -> VersionReport:
    endpoint = "feed" if target.startswith("google") else "products"
    steps = [StepResult("document", Outcome.OK, latency=0.01)]
    for step, method in (("get", "GET"), ("post", "POST"), ("empty", "GET")):
        latency = None if down else rng.uniform(0.02, 0.3)
        outcome = Outcome.FAILED if down else Outcome.OK
        steps.append(
            StepResult(step, outcome, "connection refused" if down else "", endpoint, method, latency)
        )
    latencies = [s.latency for s in steps[1:] if s.latency is not None]
    state = State.DOWN if down else State.UP
    reasons = (f"{endpoint} GET: connection refused",) if down else ()
    return VersionReport(
        target, *target.split("/"), state, reasons, tuple(steps), 4, 20, 0.5, max(latencies, default=None)
    )


@pytest.mark.slow
def test_thirty_days_of_four_versions_stay_under_a_megabyte(
    tmp_path: Path, browse: Callable[[Path], Browsed]
) -> None:
    rng = random.Random(13)
    history = History.open(tmp_path / "monitor.db")
    start = EPOCH - CYCLES * EVERY
    for number in range(CYCLES):
        ts = start + number * EVERY
        # v3 went down for its last two hours.
        reports = tuple(
            _version(target, ts, rng, down=target.endswith("v3") and number >= CYCLES - 8)
            for target in VERSIONS
        )
        history.record(CycleReport(ts, reports, 1.0))
    status = load_status(
        history, list(VERSIONS), now=EPOCH, availability_objective=99.9, latency_objective=0.5
    )
    history.close()
    write_site(status, tmp_path / "status")
    index = tmp_path / "status" / "index.html"
    size = index.stat().st_size
    assert size < 1_000_000, size
    for detail in (tmp_path / "status" / "versions").iterdir():
        assert detail.stat().st_size < 1_000_000, detail
    browsed = browse(index)
    page = browsed.page
    assert page.locator("#banner").inner_text() == "1 of 4 versions down: productCatalog/v3"
    card = page.locator("section.version[data-target='productCatalog/v3']")
    assert card.locator(".pill.state").inner_text() == "down"
    assert card.locator(".reasons li").all_inner_texts() == ["products GET: connection refused"]
    # 30 days in hourly buckets (720 at most), one chart per version.
    lengths = page.evaluate("window.dwCharts.map(c => c.data[0].length)")
    assert lengths == [720, 720, 720, 720]
    # 31 days with cycles (from 08:00 thirty days ago); today's 32 cycles had 8 down.
    assert card.locator(".day.good").count() == 30 and card.locator(".day.bad").count() == 1
    assert card.locator(".day.bad").get_attribute("title") == (
        "2026-11-30: 75.000 % up (32 cycles, 8 down)\n"
        "06:00-now UTC (2 h 0 min): products GET: connection refused"
    )
    assert browsed.errors == [] and browsed.refused == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "status-30-days.png"), full_page=True)
