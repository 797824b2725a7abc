"""One run owns a reports folder: a second one exits 2 naming the holder's pid; a dead holder's lock is taken
over with a line saying so. (Two runs into one folder once both exited 0 with their files mixed.)"""

from __future__ import annotations

import io
import os
from pathlib import Path

from typer.testing import CliRunner

from destwatch._reports_lock import LOCK_FILE, owning
from destwatch.cli import app
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
    with owning(reports, say=err.write):
        code = run_gate(request, err=err)
    assert code == ExitCode.USAGE
    assert f"another destwatch run (pid {os.getpid()}) is writing its reports there" in err.getvalue()
    assert not (reports / "summary.json").exists()


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
    code = run_gate(request, err=err)
    assert code == ExitCode.OK, err.getvalue()
    assert "took over the lock left by pid 4194303" in err.getvalue()
    # Released on the way out: the next run finds nothing to take over.
    assert (reports / LOCK_FILE).read_text() == ""
    again = io.StringIO()
    assert run_gate(request, err=again) == ExitCode.OK and "took over" not in again.getvalue()
