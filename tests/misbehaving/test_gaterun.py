"""The checks every corpus case runs catch what they claim to, on made-up runs (no child process)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from kit.gaterun import GateRun, outcome_problems, targets_toml

CLEAN = "collected 6 items\ncontract violations (exit 1): 1 passed, 5 failed\n"


def made_up_run(tmp_path: Path, *, stdout: str = CLEAN, code: int | None = 1, **files: str) -> GateRun:
    reports = tmp_path / "reports"
    reports.mkdir(parents=True)
    summary = {
        "exit_code": code,
        "result": "contract violations",
        "totals": {},
        "rows": [],
        "unreachable": [],
    }
    (reports / "summary.json").write_text(json.dumps(summary))
    for name, text in files.items():
        (reports / name).write_text(text)
    return GateRun(("run",), code, 47.0, 3.0, 100 * 1024, stdout, "", reports)


def test_a_clean_run_has_no_problem(tmp_path: Path) -> None:
    assert outcome_problems(made_up_run(tmp_path), exit_code=1, within=45) == []


def test_a_secret_or_a_jwt_anywhere_in_the_reports_is_a_problem(tmp_path: Path) -> None:
    run = made_up_run(
        tmp_path, **{"exchanges.jsonl": '{"auth": "Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiJ4In0.x"}'}
    )
    assert outcome_problems(run, exit_code=1, within=45) == [
        "a secret leaked into reports/exchanges.jsonl (a JWT)"
    ]
    leaked = made_up_run(tmp_path / "other", stdout=CLEAN + "clientSecret=demo-secret-v2\n")
    assert outcome_problems(leaked, exit_code=1, within=45) == [
        "a secret leaked into stdout (the client secret)"
    ]


def test_exception_class_names_and_tracebacks_are_problems_but_destwatch_s_own_errors_are_not(
    tmp_path: Path,
) -> None:
    stdout = (
        CLEAN + "TargetUnreachable: v2\nDocumentError: v2\nE   KeyError: 'x'\nhttpx.ReadError\n"
        "ValidatorDetectError\nTraceback (most recent call last):\n"
    )
    problems = outcome_problems(made_up_run(tmp_path, stdout=stdout), exit_code=1, within=45)
    assert problems == [
        "the output holds a Python traceback ('Traceback (most recent call last)')",
        "the output names Python exception classes: KeyError, ReadError, ValidatorDetectError",
    ]


def test_wording_is_matched_as_words_whatever_the_case_and_the_line_wrapping(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, stdout=CLEAN + "GET http://127.0.0.1:45031/x: No answer\n   within 2 s\n")
    assert run.says("no answer within 2 s")
    assert not run.says("503")  # inside the port number
    problems = outcome_problems(run, exit_code=1, within=45, says=("503",), never_says=("no answer",))
    assert problems == ["the output does not say '503'", "the output says 'no answer', which it must not"]


def test_exit_code_time_memory_and_summary_are_checked(tmp_path: Path) -> None:
    run = made_up_run(tmp_path, code=1)
    late = GateRun(run.args, 3, 47.0, 46.0, 600 * 1024, run.stdout, "", run.reports)
    assert outcome_problems(late, exit_code=3, within=45) == [
        "took 46.0 s, more than the 45 s bound",
        "peak RSS 600 MB, limit 500 MB",
        "summary.json says exit_code 1, the process 3",
    ]
    killed = GateRun(run.args, None, 47.0, 47.0, None, "", "", tmp_path / "nowhere")
    assert outcome_problems(killed, exit_code=3, within=45) == [
        "still running after 47 s: killed (expected exit 3)",
        "took 47.0 s, more than the 45 s bound",
        "peak RSS unknown: the process did not reach its own end",
        "reports/summary.json is missing or not JSON",
    ]


def test_targets_name_a_real_destination_with_its_secret_from_the_environment() -> None:
    targets = tomllib.loads(targets_toml("http://127.0.0.1:8000"))
    destination = targets["destinations"]["productCatalog"]
    assert targets["defaults"] == {"timeout": 2.0, "max_rps": 200.0, "examples": 2}
    assert destination["base_url"] == "http://127.0.0.1:8000/{customer}/{destination}"
    assert destination["token_url"] == "http://127.0.0.1:8000/destinations/{destination_id}/token"
    assert destination["versions"]["v2"]["client_secret"] == "${DW_MIS_SECRET}"
    assert "timeout" not in tomllib.loads(targets_toml("http://127.0.0.1:8000", timeout=None))["defaults"]
