"""One run owns a reports folder: a second one exits 2 naming the holder's pid; a dead holder's lock is taken
over with a line saying so. (Two runs into one folder once both exited 0 with their files mixed.)"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch._reports_lock import LOCK_FILE, owning
from destwatch.cli import app
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.runner import GateRequest, run_gate
from destwatch.reference.targets import embedded_targets


def _targets(tmp_path: Path) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(versions=["googleMarketplace/v1"], defaults={"max_rps": 1000.0}))
    return path


def test_a_second_run_into_a_busy_reports_folder_exits_2_naming_the_holder(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    err = io.StringIO()
    request = GateRequest(targets=_targets(tmp_path), reports=reports, suites=("smoke",))
    # flock locks belong to an open file: this process's second open of the file is refused like another's.
    with owning(reports, say=err.write), pytest.raises(ConfigError) as refused:
        run_gate(request, err=err)
    assert f"another destwatch run (pid {os.getpid()}) is writing its reports there" in str(refused.value)
    assert str(refused.value).startswith(f"{reports}: --reports:") and "\n" not in str(refused.value)
    assert not (reports / "summary.json").exists()
    # The command says it in that one line and exits 2 (`destwatch.cli._exits`).
    with owning(reports, say=err.write):
        result = CliRunner().invoke(
            app, ["run", "--targets", str(request.targets), "--reports", str(reports)]
        )
    assert (
        result.exit_code == 2 and f"pid {os.getpid()}" in result.output and "Traceback" not in result.output
    )


def test_report_merge_into_a_busy_folder_exits_2(tmp_path: Path) -> None:
    into = tmp_path / "joined"
    with owning(into, say=print):
        result = CliRunner().invoke(app, ["report", "merge", str(tmp_path / "shard"), "--into", str(into)])
    assert result.exit_code == 2 and f"pid {os.getpid()}" in result.output


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_line_saying_so(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / LOCK_FILE).write_text(
        "4194303"
    )  # a pid, but no lock held: its process ended without freeing it
    err = io.StringIO()
    request = GateRequest(targets=_targets(tmp_path), reports=reports, suites=("smoke",))
    summary = run_gate(request, err=err)
    assert summary.exit_code == ExitCode.OK, err.getvalue()
    assert "took over the lock left by pid 4194303" in err.getvalue()
    # Released on the way out: the next run finds nothing to take over.
    assert (reports / LOCK_FILE).read_text() == ""
    again = io.StringIO()
    assert run_gate(request, err=again).exit_code == ExitCode.OK and "took over" not in again.getvalue()
