"""Coverage where people look: a line per version in the terminal (with its bar and what it no longer
proves), the Markdown a CI job's summary shows, and the page's section; a destination's value stays text."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from destwatch.coverage.ledger import Bar, VersionCoverage, ledger
from destwatch.exit_codes import ExitCode
from destwatch.gate.coverage import keep_in_monitor_history
from destwatch.gate.markdown import render_markdown
from destwatch.gate.page import gate_page
from destwatch.gate.summary import Summary
from destwatch.gate.terminal import render_summary
from destwatch.notices import EXERCISED, PROVEN, UNTESTABLE
from destwatch.reference.model import REFERENCE
from destwatch.reference.openapi import build_document


def _coverage() -> VersionCoverage:
    served = REFERENCE.destination("productCatalog").version("v2")
    document: dict[str, Any] = build_document("northwind", "productCatalog", served, "http://127.0.0.1:1/x")
    evidence = [
        ("products", "filters", "must.category", PROVEN, "narrowed"),
        ("products", "filters", "must.color", EXERCISED, "sent"),
        ("products", "filters", "must.color", UNTESTABLE, "every sampled item holds color='<b>|x'"),
    ]
    found = ledger("productCatalog/v2", document, evidence, bar=Bar(min_proven=0.5))
    return replace(found, newly_unproven=("products sort id asc",))


def _summary() -> Summary:
    return Summary(ExitCode.UNPROVEN, coverage=(_coverage(),))


def test_the_terminal_has_a_coverage_line_per_version_its_bar_and_what_it_lost() -> None:
    console = Console(file=io.StringIO(), width=200)
    render_summary(_summary(), console)
    text = console.file.getvalue()
    assert "coverage productCatalog/v2: 3/167 proven (2%), 1 exercised only, 163 not covered" in text
    assert "below the bar: 2% proven, below min_proven 50%" in text
    assert "newly unproven since the last run: products sort id asc" in text
    assert "proved less than the bar (exit 5)" in text


def test_markdown_holds_the_verdict_a_row_per_version_and_why_items_went_unproven() -> None:
    text = render_markdown(_summary())
    assert text.startswith("## destwatch: proved less than the bar (exit 5)\n")
    assert "| productCatalog/v2 | 3/167 (2%) | 0 | 1 | 163 | below: 2% proven, below min_proven 50% |" in text
    assert "- `products filters must.color`: every sampled item holds color='&lt;b&gt;\\|x'" in text
    assert "<b>" not in text
    assert "newly unproven since the last run: `products sort id asc`" in text


def test_the_page_has_a_coverage_section_with_a_drill_down_per_endpoint(tmp_path: Path) -> None:
    page = gate_page(_summary(), tmp_path)
    assert '<h2 id="coverage">Contract coverage</h2>' in page
    assert '<td class="num">3/167 (2%)</td>' in page
    assert '<span class="pill failed">below</span> 2% proven, below min_proven 50%' in page
    assert page.count('<details class="coverage"') == 2
    assert "<summary>productCatalog/v2 · products: 3/" in page
    # A destination's value is text on the page, escaped like every other.
    assert "color=&#39;&lt;b&gt;|x&#39;" in page and "<b>|x" not in page


def test_a_history_that_is_not_the_monitors_is_named_and_left_as_it_was(tmp_path: Path) -> None:
    foreign, absent = tmp_path / "monitor.db", tmp_path / "none.db"
    foreign.write_text("not a database")
    problem = keep_in_monitor_history(foreign, [_coverage()], now=0.0)
    assert problem is not None and problem.startswith(f"coverage not kept in the monitor history: {foreign}")
    assert foreign.read_text() == "not a database"
    assert keep_in_monitor_history(absent, [_coverage()], now=0.0) is None and not absent.exists()
