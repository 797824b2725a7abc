"""Exit codes by kind: a crash inside destwatch is exit 4 ("please report"), never a violation (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from destwatch.gate.rules.session import Session
from destwatch.gate.runner import GateRequest, run_gate
from destwatch.reference.targets import embedded_targets


def _targets(tmp_path: Path) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(defaults={"max_rps": 1000.0}, versions=["productCatalog/v1"]))
    return path


def test_an_internal_error_in_a_suite_is_exit_4_and_reported_as_destwatch_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug in destwatch")

    monkeypatch.setattr(Session, "sample", broken)
    reports = tmp_path / "reports"
    code = run_gate(
        GateRequest(
            targets=_targets(tmp_path),
            reports=reports,
            suites=("filters",),
            pytest_args=("-k", "must_results_have"),
        )
    )
    summary = json.loads((reports / "summary.json").read_text())
    failures = [failure for row in summary["rows"] for failure in row["failures"]]
    assert code == 4 and summary["exit_code"] == 4 and summary["result"] == "destwatch error"
    assert failures and {failure["kind"] for failure in failures} == {"error"}
    assert summary["totals"]["error"] == len(failures) and summary["totals"]["violation"] == 0
    out = capsys.readouterr().out
    assert "destwatch error:" in out and "please report" in out and "contract violations" not in out


def test_the_same_rule_on_a_clean_destination_passes(tmp_path: Path) -> None:
    # The control: without the injected error the selected rule runs and passes, so exit 4 above is the bug.
    reports = tmp_path / "reports"
    code = run_gate(
        GateRequest(
            targets=_targets(tmp_path),
            reports=reports,
            suites=("filters",),
            pytest_args=("-k", "must_results_have"),
        )
    )
    summary = json.loads((reports / "summary.json").read_text())
    assert code == 0 and summary["totals"]["passed"] >= 1


def test_a_budget_too_small_leaves_rules_not_checked_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(
        embedded_targets(defaults={"max_rps": 1000.0, "request_budget": 3}, versions=["productCatalog/v1"])
    )
    reports = tmp_path / "reports"
    code = run_gate(GateRequest(targets=targets, reports=reports, suites=("filters",)))
    summary = json.loads((reports / "summary.json").read_text())
    assert code == 0 and summary["totals"]["failed"] == 0
    assert summary["totals"]["not_checked_budget"] >= 5
    assert "not checked: budget" in capsys.readouterr().out


@pytest.mark.parametrize("blocker", ["specs", "allure-results", "summary.json"])
def test_a_reports_folder_that_cannot_hold_the_reports_is_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blocker: str
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    if blocker.endswith(".json"):
        (reports / blocker).mkdir()
    else:
        (reports / blocker).write_text("in the way")
    code = run_gate(GateRequest(targets=_targets(tmp_path), reports=reports, suites=("smoke",)))
    err = capsys.readouterr().err
    assert code == 2 and f"--reports {reports}" in err and blocker in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("run_deadline", "the run_deadline of 0.5 s has passed"),
        ("version_budget", "version_budget of 0.5 s is spent"),
    ],
)
def test_time_limits_stop_work_and_report_what_did_not_run_as_not_run(
    tmp_path: Path, setting: str, words: str
) -> None:
    targets = tmp_path / "targets.toml"
    defaults = {"max_rps": 1000.0, setting: 0.5, "examples": 5}
    targets.write_text(embedded_targets(defaults=defaults, versions=["productCatalog/v1"]))
    reports = tmp_path / "reports"
    code = run_gate(GateRequest(targets=targets, reports=reports, suites=("fuzz", "shape")))
    summary = json.loads((reports / "summary.json").read_text())
    (stopped,) = summary["unreachable"]
    assert code == 3 and words in stopped["reason"] and stopped["tests_not_run"] > 0
    # Nothing that did not run is counted as passed.
    assert summary["totals"]["passed"] + summary["totals"]["skipped"] < 30
