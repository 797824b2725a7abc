"""summary.json and the terminal table: one row per destination version and suite, failures first-lined."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from destwatch.redact import register_secret
from destwatch.reporting import ItemResult, build_summary, render_summary, write_json


def _results() -> list[ItemResult]:
    return [
        ItemResult("a", "productCatalog", "v1", "smoke", outcome="passed", duration=0.1),
        ItemResult(
            "b", "productCatalog", "v1", "smoke", "failed", "violation", "the answer holds `language`"
        ),
        ItemResult("c", "productCatalog", "v1", "shape", outcome="skipped"),
        ItemResult(
            "d", "gone", "v1", "smoke", "failed", "unreachable", "TargetUnreachable: gone/v1: refused"
        ),
    ]


def test_summary_counts_per_destination_version_and_suite_with_each_failure() -> None:
    summary = build_summary(_results(), exit_code=3, unreachable={"gone/v1": "gone/v1: refused"})
    assert summary["result"] == "target unreachable"
    assert summary["totals"] == {"passed": 1, "failed": 2, "skipped": 1}
    rows = {(row["destination"], row["version"], row["suite"]): row for row in summary["rows"]}
    smoke = rows[("productCatalog", "v1", "smoke")]
    assert (smoke["passed"], smoke["failed"], smoke["skipped"]) == (1, 1, 0)
    assert smoke["failures"] == [{"test": "b", "kind": "violation", "message": "the answer holds `language`"}]
    assert rows[("productCatalog", "v1", "shape")]["skipped"] == 1
    assert summary["unreachable"] == [{"target": "gone/v1", "reason": "gone/v1: refused"}]


def test_terminal_table_has_a_row_per_version_and_suite_and_the_first_failure_line() -> None:
    buffer = io.StringIO()
    summary = build_summary(_results(), exit_code=1, unreachable={})
    render_summary(summary, Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert "│ productCatalog/v1 │ smoke │ 1      │ 1      │ 0       │ the answer holds `language`" in text
    assert "FAILED b: the answer holds `language`" in text
    assert "contract violations (exit 1): 1 passed, 2 failed, 1 skipped" in text


def test_report_files_are_written_whole_and_redacted(tmp_path: Path) -> None:
    register_secret("reporting-secret-123")
    path = tmp_path / "deep" / "summary.json"
    write_json(path, {"note": "sent reporting-secret-123"})
    assert json.loads(path.read_text()) == {"note": "sent [redacted]"}
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"]
