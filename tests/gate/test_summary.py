"""The gate's typed summary: one row per destination version and suite with its failures, the versions that
could not be tested counted once, and summary.json (`to_json`) read back as the same summary."""

from __future__ import annotations

import json
from pathlib import Path

from destwatch.exit_codes import ExitCode
from destwatch.gate.summary import Failure, ItemResult, Row, Summary, Unreachable, build_summary, write_json
from destwatch.redact import register_secret


def results() -> list[ItemResult]:
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
    summary = build_summary(results(), exit_code=3, unreachable={})
    assert summary.exit_code == ExitCode.UNREACHABLE and summary.result == "target unreachable"
    assert summary.totals == {
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
    rows = {(row.destination, row.version, row.suite): row for row in summary.rows}
    smoke = rows[("productCatalog", "v1", "smoke")]
    assert (smoke.passed, smoke.failed, smoke.skipped) == (1, 1, 0)
    assert smoke.failures == (Failure("b", "violation", "the answer holds `language`"),)
    assert rows[("productCatalog", "v1", "shape")].skipped == 1
    # A version's tests that could not run are counted once, as not run, under one reason.
    assert summary.unreachable == (Unreachable("gone/v1", "gone/v1: refused", 2),)
    assert summary.to_json()["unreachable"] == [
        {"target": "gone/v1", "reason": "gone/v1: refused", "tests_not_run": 2}
    ]


def test_budget_skips_are_counted_apart_and_errors_read_as_destwatch_errors() -> None:
    given = [
        ItemResult("a", "p", "v1", "filters", outcome="skipped", skip_kind="budget"),
        ItemResult("b", "p", "v1", "filters", outcome="skipped", skip_kind="not-applicable"),
        ItemResult("c", "p", "v1", "filters", "failed", "error", "KeyError: 'x'"),
    ]
    summary = build_summary(given, exit_code=4, unreachable={})
    assert summary.result == "destwatch error"
    assert (summary.totals["skipped"], summary.totals["not_checked_budget"]) == (2, 1)
    assert (summary.totals["error"], summary.totals["violation"]) == (1, 0)
    assert summary.rows[0].not_checked_budget == 1


def test_an_unreachable_version_is_listed_once_with_its_reason_even_when_no_test_ran() -> None:
    summary = build_summary(results()[:1], exit_code=3, unreachable={"gone/v2": "gone/v2: no answer"})
    assert summary.unreachable == (Unreachable("gone/v2", "gone/v2: no answer", 0),)


def test_a_violation_keeps_its_evidence_and_rows_of_shards_join_into_one() -> None:
    evidence = {"detail": "2 results", "request": "curl -X GET x", "counterexample": ["NW-1"], "rule": ""}
    one = Row(
        "p",
        "v1",
        "shape",
        passed=2,
        failed=1,
        duration=1.0,
        failures=(Failure("t", "violation", "m", evidence),),
    )
    other = Row("p", "v1", "shape", passed=1, skipped=3, not_run=1, duration=0.5, not_run_reason="cut")
    joined = one.joined(other)
    assert (joined.passed, joined.failed, joined.skipped, joined.not_run, joined.duration) == (
        3,
        1,
        3,
        1,
        1.5,
    )
    assert joined.failures == one.failures and joined.not_run_reason == "cut"
    assert joined.failures[0].to_json() == {"test": "t", "kind": "violation", "message": "m", **evidence}


def test_summary_json_reads_back_as_the_same_summary(tmp_path: Path) -> None:
    warning = {"id": "W1", "target": "p/v1", "clause": "c", "setting": "s", "evidence": "e", "test": "t"}
    rows = [
        Row("p", "v1", "smoke", passed=1, failures=(Failure("t", "violation", "m", {"detail": "d"}),)),
        Row("p", "v1", "shape", skipped=1, warnings=(warning,), notes=({"target": "p/v1", "text": "n"},)),
    ]
    summary = Summary.of(
        rows,
        exit_code=1,
        unreachable={"q/v1": "q/v1: refused"},
        targets={"p/v1": {"requests": 3}},
        started="2026-11-30T08:00:00Z",
        duration=1.5,
        seed=7,
        fault="top-exceeded",
        variant=None,
    )
    path = tmp_path / "summary.json"
    write_json(path, summary.to_json())
    data = json.loads(path.read_text())
    assert {"exit_code", "result", "totals", "unreachable", "warnings", "notes", "rows", "targets"} <= set(
        data
    )
    assert data["totals"]["warnings"] == 1 and data["notes"] == [{"target": "p/v1", "text": "n"}]
    assert Summary.from_json(data) == summary


def test_report_files_are_written_whole_and_redacted(tmp_path: Path) -> None:
    register_secret("reporting-secret-123")
    path = tmp_path / "deep" / "summary.json"
    write_json(path, {"note": "sent reporting-secret-123"})
    assert json.loads(path.read_text()) == {"note": "sent [redacted]"}
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"]
