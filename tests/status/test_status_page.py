"""The status site in a real browser: a history with a seeded outage, made by the real monitor against the
reference destination on a fake clock, shown as a person sees it: states, uptime numbers, the 90-day bar
with the outage on its day, charts with axes, the incident with its duration, nothing fetched."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.monitor.history import CoverageRow, History
from destwatch.monitor.maintenance import FROM_TARGETS, Window, recorded
from destwatch.monitor.outcomes import CycleReport, Outcome, State, StepResult, VersionReport
from destwatch.pages import when
from destwatch.reference.targets import demo_secrets
from destwatch.status import load_status, write_site
from kit.browser import SCREENSHOTS, Browsed
from kit.monitoring import DAY, EPOCH, Outage, seed_outage

Browse = Callable[[Path], Browsed]


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Outage:
    with pytest.MonkeyPatch.context() as patch:
        for name, secret in demo_secrets().items():
            patch.setenv(name, secret)
        return seed_outage(tmp_path_factory.mktemp("outage"))


@pytest.fixture(scope="module")
def site(outage: Outage, tmp_path_factory: pytest.TempPathFactory) -> Path:
    history = History.open(outage.history, create=False)
    try:
        status = load_status(
            history, sorted(outage.seen), now=outage.now, availability_objective=99.9, latency_objective=0.5
        )
    finally:
        history.close()
    out = tmp_path_factory.mktemp("site")
    write_site(status, out)
    return out


def _uptime(seen: list[tuple[float, State]], since: float) -> str:
    """What a person expects in an uptime cell, counted from the states the monitor returned."""
    window = [state for ts, state in seen if ts >= since]
    up = sum(state is not State.DOWN for state in window)
    return f"{up / len(window) * 100:.3f} %"


def test_the_outage_shows_on_its_day_with_its_duration(site: Path, outage: Outage, browse: Browse) -> None:
    browsed = browse(site / "index.html")
    page = browsed.page
    card = page.locator("section.version[data-target='productCatalog/v1']")
    # The monitor's last cycles were up: the state says so, with no reason listed.
    assert card.locator(".pill.state").inner_text() == "up"
    assert page.locator("#banner").inner_text() == "all 2 versions up"
    seen = outage.seen["productCatalog/v1"]
    assert [state for _, state in seen[-6:]] == [
        State.UP,
        State.DOWN,
        State.DOWN,
        State.DOWN,
        State.UP,
        State.UP,
    ]
    for window, seconds in (("24h", DAY), ("7d", 7 * DAY), ("30d", 30 * DAY)):
        cell = card.locator(f"td.uptime[data-window='{window}']").inner_text()
        assert cell == _uptime(seen, outage.now - seconds), window
    assert card.locator("td.uptime[data-window='24h']").inner_text() == "66.667 %"  # 6 of 9 cycles
    # 90 cells; the outage day (7 cycles, 3 down) is the last, red, and its title names the incident.
    days = card.locator(".day")
    assert days.count() == 90
    today = card.locator(".day[data-day='2026-11-30']")
    assert "bad" in (today.get_attribute("class") or "")
    title = today.get_attribute("title") or ""
    assert title.startswith("2026-11-30: 57.143 % up (7 cycles, 3 down)"), title
    assert "08:01-08:04 UTC (3 min 0 s): document: connection refused" in title, title
    before = card.locator(".day[data-day='2026-11-29']")
    assert "good" in (before.get_attribute("class") or "")
    assert before.get_attribute("data-incidents") == "0"
    assert card.locator(".day[data-day='2026-11-26']").get_attribute("title") == "2026-11-26: no data"
    # The incident table: start, end, duration, the failed step and why.
    row = page.locator("table.incidents tr.incident", has_text="productCatalog/v1")
    cells = row.locator("td").all_inner_texts()
    assert cells[:6] == [
        "productCatalog/v1",
        "2026-11-30 08:01:00 UTC",
        "2026-11-30 08:04:00 UTC",
        "3 min 0 s",
        "3",
        "document",
    ]
    assert cells[6].startswith("connection refused (GET http://127.0.0.1:")
    assert browsed.errors == [] and browsed.refused == []
    assert all(url.startswith("file://") for url in browsed.requests), browsed.requests
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "status.png"), full_page=True)


def test_the_latency_chart_has_its_axes_series_and_objective(site: Path, browse: Browse) -> None:
    browsed = browse(site / "index.html")
    page = browsed.page
    assert page.locator(".uplot").count() == 2
    charts = page.evaluate(
        "window.dwCharts.map(c => ({axes: c.axes.length, series: c.series.map(s => s.label), "
        "x: c.data[0].length, objective: c.data[3][0], p95: c.data[2]}))"
    )
    for chart in charts:
        assert chart["axes"] == 2 and chart["series"][1:] == ["p50", "p95", "objective (p95)"]
        assert chart["objective"] == 500  # 0.5 s drawn in ms
        # Hourly buckets over 30 days: 12 cycles 6 h apart, then the outage's hour, which still had answers.
        assert chart["x"] == 13 and None not in chart["p95"]
        assert all(0 < value < 500 for value in chart["p95"] if value is not None)
    # The x axis spans the data, padded on both sides by 5 % of the span (at least 30 min).
    ranges = page.evaluate("window.dwCharts.map(c => [c.scales.x.min, c.scales.x.max, c.data[0]])")
    for low, high, times in ranges:
        pad = max((times[-1] - times[0]) * 0.05, 1800)
        assert (low, high) == (times[0] - pad, times[-1] + pad)
    # Axis labels are drawn by uPlot into its DOM: both axes of each chart carry one.
    labels = page.locator(".uplot .u-axis").count()
    assert labels == 4
    assert page.locator(".uplot .u-title").all_inner_texts() == [
        "googleMarketplace/v1: slowest data answer",
        "productCatalog/v1: slowest data answer",
    ]
    assert browsed.errors == []


def test_the_detail_page_charts_each_endpoint(site: Path, browse: Browse) -> None:
    browsed = browse(site / "versions" / "productCatalog-v1.html")
    page = browsed.page
    series = page.locator("#endpoints ~ .chart").evaluate_all("els => els.map(e => e.dataset.series)")
    assert series == ["empty (products GET)", "products GET", "products POST"]
    assert page.evaluate("window.dwCharts.length") == 4
    assert page.locator("table.incidents tr.incident").count() == 1
    assert page.locator("table.slo tr[data-window='24h'] td").nth(2).inner_text() == "66.667 %"
    assert browsed.errors == [] and browsed.refused == []
    page.screenshot(path=str(SCREENSHOTS / "status-version.png"), full_page=True)


def test_badges_are_written_per_version(site: Path) -> None:
    state = (site / "badges" / "productCatalog-v1-state.svg").read_text()
    uptime = (site / "badges" / "productCatalog-v1-uptime-7d.svg").read_text()
    p95 = (site / "badges" / "productCatalog-v1-p95-24h.svg").read_text()
    assert "<title>productCatalog/v1: up</title>" in state
    assert "<title>uptime 7d: 83.33 %</title>" in uptime and "#d9453a" in uptime  # below 99.9 %: red
    assert "<title>p95 24h: " in p95 and " ms</title>" in p95 and "#2e9e44" in p95  # within 500 ms


def test_the_command_writes_the_site_and_a_missing_history_is_one_line(
    outage: Outage, tmp_path: Path
) -> None:
    out = tmp_path / "status"
    done = CliRunner().invoke(
        app, ["status", "--targets", str(outage.targets), "--history", str(outage.history), "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "wrote" in done.output and (out / "index.html").is_file()
    assert sorted(p.name for p in (out / "versions").iterdir()) == [
        "googleMarketplace-v1.html",
        "productCatalog-v1.html",
    ]
    missing = tmp_path / "nowhere.db"
    done = CliRunner().invoke(app, ["status", "--targets", str(outage.targets), "--history", str(missing)])
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert lines == [
        f"destwatch: {missing}: no monitor history here yet. Fix: run `destwatch monitor --once` "
        "(or --every) first, or pass the right --history"
    ]
    assert not missing.exists()


def test_the_command_publishes_only_the_selected_versions(outage: Outage, tmp_path: Path) -> None:
    base = ["status", "--targets", str(outage.targets), "--history", str(outage.history)]
    out = tmp_path / "feed"
    done = CliRunner().invoke(app, [*base, "--out", str(out), "--target", "googleMarketplace"])
    assert done.exit_code == 0, done.output
    assert "1 version)" in done.output
    assert [p.name for p in (out / "versions").iterdir()] == ["googleMarketplace-v1.html"]
    assert not list((out / "badges").glob("productCatalog-*"))
    assert "productCatalog" not in (out / "index.html").read_text(encoding="utf-8")
    done = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "none"), "--target", "productCatalog/v9"])
    assert done.exit_code == 2
    assert "--target: no destination or version named 'productCatalog/v9'" in done.output


def test_a_first_cycle_is_charted_in_the_middle_of_its_own_hour(tmp_path: Path, browse: Browse) -> None:
    # One data point: uPlot's own range ran from 2027 to 2029 with the point alone in a corner.
    history = History.open(tmp_path / "monitor.db")
    step = StepResult("get", Outcome.OK, endpoint="products", method="GET", latency=0.042)
    version = VersionReport(
        "productCatalog/v1", "productCatalog", "v1", State.UP, (), (step,), 1, 20, 0.1, 0.042
    )
    history.record(CycleReport(EPOCH, (version,), 0.1))
    status = load_status(
        history, ["productCatalog/v1"], now=EPOCH + 60, availability_objective=99.9, latency_objective=0.5
    )
    history.close()
    write_site(status, tmp_path / "status")
    for page in ("index.html", "versions/productCatalog-v1.html"):
        browsed = browse(tmp_path / "status" / page)
        charts = browsed.page.evaluate(
            "window.dwCharts.map(c => [c.scales.x.min, c.scales.x.max, c.data[0]])"
        )
        assert charts, page
        for low, high, times in charts:
            (point,) = times
            assert (low, high) == (point - 1800, point + 1800), page
        assert browsed.errors == [], page


def test_maintenance_windows_past_now_and_planned_are_listed(tmp_path: Path) -> None:
    history = History.open(tmp_path / "monitor.db")
    step = StepResult("get", Outcome.OK, endpoint="products", method="GET", latency=0.042)
    version = VersionReport(
        "productCatalog/v1", "productCatalog", "v1", State.UP, (), (step,), 1, 20, 0.1, 0.042
    )
    history.record(CycleReport(EPOCH, (version,), 0.1))
    history.start_maintenance(["*"], EPOCH - DAY, EPOCH - DAY + 3600, "<b>patch</b> night")
    history.start_maintenance(["productCatalog/v1"], EPOCH - 60, None, "emergency fix")
    weekly = Window(
        ("productCatalog",), EPOCH + 2 * DAY, EPOCH + 2 * DAY + 7200, "weekly upgrade", FROM_TARGETS, 7 * DAY
    )
    status = load_status(
        history,
        ["productCatalog/v1"],
        now=EPOCH + 60,
        availability_objective=99.9,
        latency_objective=0.5,
        windows=[weekly, *recorded(history)],
    )
    history.close()
    write_site(status, tmp_path / "status")
    page = (tmp_path / "status" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="window (\w+)">(.*?)</tr>', page)
    assert [tense for tense, _ in rows] == ["past", "now"] + ["planned"] * 5  # weekly: 2, 9, 16, 23, 30 days
    assert "every version" in rows[0][1] and "&lt;b&gt;patch&lt;/b&gt; night" in rows[0][1]
    assert "until ended" in rows[1][1] and "command line" in rows[1][1]
    assert "weekly upgrade" in rows[2][1] and "targets.toml" in rows[2][1]


def test_each_card_shows_the_coverage_the_last_gate_run_kept_in_the_history(tmp_path: Path) -> None:
    history = History.open(tmp_path / "monitor.db")
    history.record_coverage(
        [
            CoverageRow("productCatalog/v1", EPOCH - DAY, 80, 0, 2, 0),
            CoverageRow("productCatalog/v1", EPOCH, 79, 1, 2, 0),
        ]
    )
    status = load_status(
        history,
        ["productCatalog/v1", "productCatalog/v2"],
        now=EPOCH,
        availability_objective=99.9,
        latency_objective=0.5,
    )
    history.close()
    write_site(status, tmp_path / "status")
    page = (tmp_path / "status" / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r'<p class="meta coverage">(.*?)</p>', page)
    assert shown == [f"contract coverage 79/82 proven, 1 failed, 2 exercised only (gate run {when(EPOCH)})"]
