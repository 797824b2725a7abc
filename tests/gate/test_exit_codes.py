"""Exit codes by kind: a crash inside destwatch is exit 4 ("please report"), never a violation (exit 1); a
reports folder that cannot hold the reports is refused before anything runs; time limits leave what did not
run as not run (exit 3), never as passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.rules.session import Session
from kit.gates import reference_targets, run_gate_on, run_gate_on_reference

V1 = ["productCatalog/v1"]


@pytest.mark.slow
def test_an_internal_error_in_a_suite_is_exit_4_and_reported_as_destwatch_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug in destwatch")

    monkeypatch.setattr(Session, "sample", broken)
    summary = run_gate_on_reference(tmp_path, versions=V1, suites=["filters"], tests="must_results_have")
    assert summary.exit_code == ExitCode.ERROR and summary.result == "destwatch error"
    assert summary.failures and {failure.kind for failure in summary.failures} == {"error"}
    assert summary.totals["error"] == len(summary.failures) and summary.totals["violation"] == 0
    assert summary.to_json()["exit_code"] == 4
    out = capsys.readouterr().out
    assert "destwatch error:" in out and "please report" in out and "contract violations" not in out


@pytest.mark.slow
def test_the_same_rule_on_a_clean_destination_passes(tmp_path: Path) -> None:
    # The control: without the injected error the selected rule runs and passes, so exit 4 above is the bug.
    summary = run_gate_on_reference(tmp_path, versions=V1, suites=["filters"], tests="must_results_have")
    assert summary.exit_code == ExitCode.OK and summary.totals["passed"] >= 1


@pytest.mark.slow
def test_a_budget_too_small_leaves_rules_not_checked_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = run_gate_on_reference(tmp_path, versions=V1, suites=["filters"], defaults={"request_budget": 3})
    assert summary.exit_code == ExitCode.OK and summary.totals["failed"] == 0
    assert summary.totals["not_checked_budget"] >= 5
    assert "not checked: budget" in capsys.readouterr().out


@pytest.mark.parametrize("blocker", ["specs", "allure-results", "summary.json"])
def test_a_reports_folder_that_cannot_hold_the_reports_is_refused_up_front(
    tmp_path: Path, blocker: str
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    if blocker.endswith(".json"):
        (reports / blocker).mkdir()
    else:
        (reports / blocker).write_text("in the way")
    targets = reference_targets(tmp_path, versions=V1)
    with pytest.raises(ConfigError) as refused:
        run_gate_on(targets, reports, suites=["smoke"])
    message = str(refused.value)
    assert message.startswith(f"{reports}: --reports:") and blocker in message and "\n" not in message
    assert not (reports / "junit.xml").exists()


@pytest.mark.slow
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
    summary = run_gate_on_reference(
        tmp_path, versions=V1, suites=["fuzz", "shape"], defaults={setting: 0.5, "examples": 5}
    )
    (stopped,) = summary.unreachable
    assert summary.exit_code == ExitCode.UNREACHABLE
    assert words in stopped.reason and stopped.tests_not_run > 0
    # Nothing that did not run is counted as passed.
    assert summary.totals["passed"] + summary.totals["skipped"] < 30
