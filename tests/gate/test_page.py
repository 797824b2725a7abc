"""The gate's page (`reports/index.html`) in a real browser: a real gate run on the reference with a seeded
fault, every version and suite, the failures with clause, curl and counterexample, requests and the
slowest answer, the Allure results linked; written by `report merge` too; secrets never in it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from destwatch.exit_codes import ExitCode
from destwatch.gate.page import write_gate_report
from destwatch.gate.shards import merge_reports
from destwatch.gate.summary import Summary
from kit.browser import SCREENSHOTS, Browsed
from kit.gates import run_gate_on_reference
from kit.screens import gate_summary

Browse = Callable[[Path], Browsed]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gate")
    summary = run_gate_on_reference(
        folder, versions=["productCatalog/v1"], suites=["smoke", "filters"], fault="mustnot-ignored"
    )
    assert summary.exit_code == ExitCode.VIOLATIONS
    return folder / "reports"


@pytest.mark.slow
def test_the_gate_page_shows_versions_suites_and_failures(reports: Path, browse: Browse) -> None:
    summary = json.loads((reports / "summary.json").read_text())
    browsed = browse(reports / "index.html")
    page = browsed.page
    assert page.locator("#verdict").inner_text() == "contract violations"
    totals = summary["totals"]
    assert (
        page.locator("#totals")
        .inner_text()
        .startswith(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    )
    rows = page.locator("#matrix-table tr.row")
    assert rows.count() == len(summary["rows"]) == 2
    filters = page.locator("#matrix-table tr.row[data-suite='filters'] td").all_inner_texts()
    assert filters[:3] == ["productCatalog/v1", "filters", "failed"]
    assert filters[4] == str(next(r for r in summary["rows"] if r["suite"] == "filters")["failed"])
    usage = page.locator("#usage-table tr[data-target='productCatalog/v1'] td").all_inner_texts()
    assert usage[2] == str(summary["targets"]["productCatalog/v1"]["requests"])
    assert usage[4].endswith(" ms")
    failure = page.locator(".failure", has_text="mustNot: no result has an excluded value").first
    assert failure.locator(".curl").inner_text().startswith("curl -X ")
    assert "Bearer [redacted]" in failure.locator(".curl").inner_text()
    assert failure.locator(".counterexample").inner_text().startswith("NW-")
    # Every report the gate writes is linked, junit.xml included (pytest writes it after destwatch's summary).
    links = page.locator("#links a")
    assert links.all_inner_texts()[0] == "Allure results"
    assert links.first.get_attribute("href") == "allure-results/"
    assert "junit.xml" in [links.nth(i).get_attribute("href") for i in range(links.count())]
    html = (reports / "index.html").read_text()
    assert "demo-secret-v1" not in html and not re.search(r"eyJ[A-Za-z0-9_-]{8,}", html), (
        "a secret reached the page"
    )
    assert browsed.errors == [] and browsed.refused == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gate.png"), full_page=True)


@pytest.mark.slow
def test_report_merge_writes_the_page_of_the_joined_run(reports: Path, tmp_path: Path) -> None:
    summary = merge_reports([reports], tmp_path / "joined")
    html = (tmp_path / "joined" / "index.html").read_text()
    assert summary.exit_code == ExitCode.VIOLATIONS
    assert html.count('<tr class="row"') == 2 and "allure-results/" in html


def test_secrets_in_a_summary_never_reach_the_page(tmp_path: Path) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz"
    summary = {
        "exit_code": 1,
        "result": "contract violations",
        "totals": {"passed": 0, "failed": 1, "skipped": 0, "not_checked_budget": 0},
        "unreachable": [],
        "rows": [
            {
                "destination": "p",
                "version": "v1",
                "suite": "auth",
                "passed": 0,
                "failed": 1,
                "skipped": 0,
                "not_checked_budget": 0,
                "duration": 0.1,
                "failures": [
                    {
                        "test": "auth/test_x.py::t",
                        "kind": "violation",
                        "message": f"the token {jwt} was accepted",
                        "request": "curl -H 'Authorization: Bearer abcdef123456789' 'http://x/products'",
                        "detail": '{"clientSecret": "s3cr3t-value"}',
                    }
                ],
            }
        ],
    }
    html = write_gate_report(Summary.from_json(summary), tmp_path).read_text()
    assert jwt not in html and "abcdef123456789" not in html and "s3cr3t-value" not in html
    assert html.count("[redacted]") == 3


def test_warnings_and_notes_have_their_sections(tmp_path: Path, browse: Browse) -> None:
    summary = gate_summary(failed=True)
    page = browse(write_gate_report(Summary.from_json(summary), tmp_path)).page
    assert page.locator("#totals").inner_text() == (
        "217 passed, 1 failed, 2 skipped, 2 warnings, 0 not checked (budget)"
    )
    assert page.locator("#warnings ~ .warning").count() == len(summary["warnings"]) == 2
    warning = page.locator(".warning[data-id='W1']")
    assert warning.get_attribute("data-target") == "productCatalog/v3"
    assert (
        warning.locator(".clause").inner_text()
        == "language: a localized property differs between two languages"
    )
    assert "filters/test_language.py::" in warning.locator(".meta").inner_text()
    assert warning.locator(".setting code").inner_text() == 'localized_properties = ["title"]'
    assert warning.locator(".detail").inner_text().startswith("title is the same in en and de")
    assert warning.locator(".curl").inner_text().startswith("curl -X GET ")
    assert warning.locator(".counterexample").inner_text().startswith("NW-10003: ")
    notes = page.locator("#notes-list li")
    assert notes.count() == 1
    assert notes.first.get_attribute("data-target") == "productCatalog/v2 → productCatalog/v3"
    assert "property 'brandName' only in productCatalog/v3" in notes.first.inner_text()


def test_a_summary_from_before_warnings_has_no_such_sections(tmp_path: Path) -> None:
    summary = gate_summary(failed=False)
    del summary["warnings"], summary["notes"], summary["totals"]["warnings"]
    html = write_gate_report(Summary.from_json(summary), tmp_path).read_text()
    assert 'id="warnings"' not in html and 'id="notes"' not in html
    # Read as a typed summary, it counts its warnings: none.
    assert "218 passed, 0 failed, 2 skipped, 0 warnings, 0 not checked (budget)" in html
    # An empty list is no section either.
    html = write_gate_report(
        Summary.from_json({**summary, "warnings": [], "notes": []}), tmp_path
    ).read_text()
    assert 'id="warnings"' not in html and 'id="notes"' not in html
