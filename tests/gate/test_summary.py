"""summary.json and the terminal table: one row per destination version and suite, failures first-lined."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from destwatch.gate.summary import ItemResult, build_summary, write_json
from destwatch.gate.terminal import render_summary
from destwatch.redact import redact, register_secret


def _results() -> list[ItemResult]:
    return [
        ItemResult("a", "productCatalog", "v1", "smoke", outcome="passed", duration=0.1),
        ItemResult(
            "b", "productCatalog", "v1", "smoke", "failed", "violation", "the answer holds `language`"
        ),
        ItemResult("c", "productCatalog", "v1", "shape", outcome="skipped"),
        ItemResult("d", "gone", "v1", "smoke", "not_run", message="gone/v1: refused"),
        ItemResult("e", "gone", "v1", "shape", "not_run", message="gone/v1: refused"),
    ]


def test_summary_counts_per_destination_version_and_suite_with_each_failure() -> None:
    summary = build_summary(_results(), exit_code=3, unreachable={})
    assert summary["result"] == "target unreachable"
    assert summary["totals"] == {
        "passed": 1,
        "failed": 1,
        "skipped": 1,
        "not_run": 2,
        "not_checked_budget": 0,
        "violation": 1,
        "unreachable": 0,
        "error": 0,
        "warnings": 0,
    }
    rows = {(row["destination"], row["version"], row["suite"]): row for row in summary["rows"]}
    smoke = rows[("productCatalog", "v1", "smoke")]
    assert (smoke["passed"], smoke["failed"], smoke["skipped"]) == (1, 1, 0)
    assert smoke["failures"] == [{"test": "b", "kind": "violation", "message": "the answer holds `language`"}]
    assert rows[("productCatalog", "v1", "shape")]["skipped"] == 1
    # A version's tests that could not run are counted once, as not run, under one reason.
    assert summary["unreachable"] == [{"target": "gone/v1", "reason": "gone/v1: refused", "tests_not_run": 2}]


def test_budget_skips_are_counted_apart_and_errors_read_as_destwatch_errors() -> None:
    results = [
        ItemResult("a", "p", "v1", "filters", outcome="skipped", skip_kind="budget"),
        ItemResult("b", "p", "v1", "filters", outcome="skipped", skip_kind="not-applicable"),
        ItemResult("c", "p", "v1", "filters", "failed", "error", "KeyError: 'x'"),
    ]
    summary = build_summary(results, exit_code=4, unreachable={})
    assert summary["result"] == "destwatch error"
    assert (summary["totals"]["skipped"], summary["totals"]["not_checked_budget"]) == (2, 1)
    assert summary["rows"][0]["not_checked_budget"] == 1
    console = Console(file=io.StringIO(), width=200)
    render_summary(summary, console)
    text = console.file.getvalue()
    assert "destwatch error: c: KeyError: 'x' — please report" in text
    assert "1 not checked: budget" in text


def test_terminal_table_has_a_row_per_version_and_suite_and_the_first_failure_line() -> None:
    buffer = io.StringIO()
    summary = build_summary(_results(), exit_code=1, unreachable={})
    render_summary(summary, Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert (
        "│ productCatalog/v1 │ smoke │ 1    │ 1    │ 0    │ 0    │ 0       │ the answer holds `lang" in text
    )
    assert "FAILED b: the answer holds `language`" in text
    assert text.count("gone/v1: refused") == 1
    assert "contract violations (exit 1): 1 passed, 1 failed, 1 skipped, 2 not run" in text


def test_a_secret_containing_another_is_masked_whole_whenever_it_was_registered() -> None:
    register_secret("nested-secret")
    assert redact("sent nested-secret") == "sent [redacted]"
    register_secret("outer-nested-secret-42")
    assert redact("sent outer-nested-secret-42 and nested-secret") == "sent [redacted] and [redacted]"


def test_every_one_of_a_thousand_registered_tokens_is_masked() -> None:
    # A long process (a monitor, destwatch's own tests) registers every token it is issued.
    tokens = [f"opaque-token-{n:05d}-{'x' * 40}" for n in range(1000)]
    for token in tokens:
        register_secret(token)
    text = " ".join(tokens[::50])
    assert redact(text) == " ".join(["[redacted]"] * 20)


def test_report_files_are_written_whole_and_redacted(tmp_path: Path) -> None:
    register_secret("reporting-secret-123")
    path = tmp_path / "deep" / "summary.json"
    write_json(path, {"note": "sent reporting-secret-123"})
    assert json.loads(path.read_text()) == {"note": "sent [redacted]"}
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"]
