"""`destwatch baseline create` from a run's summary.json: entries with a reason, a ticket, who accepted them
and an expiry; added to an existing file, never duplicated. Mistakes in creating, naming or replaying are
one line and exit 2."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.config import load_targets
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.baseline import Baseline
from destwatch.gate.summary import Failure, Row, Summary, write_json
from kit.gates import reference_targets

NEXT_YEAR = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=365)).isoformat()


def _reports(tmp_path: Path, *fingerprints: str) -> Path:
    failures = tuple(
        Failure(
            f"shape/test_top.py::test_top[productCatalog/v2/{fp}]",
            "violation",
            "top: ...",
            {"fingerprint": fp},
        )
        for fp in fingerprints
    )
    errored = Failure("shape/test_x.py::test_x", "error", "KeyError: 'x'")
    row = Row("productCatalog", "v2", "shape", failed=len(failures) + 1, failures=(*failures, errored))
    reports = tmp_path / "reports"
    write_json(reports / "summary.json", Summary(ExitCode.ERROR, (row,)).to_json())
    return reports


def _create(reports: Path, out: Path, *extra: str, expires: str = NEXT_YEAR) -> tuple[int, str]:
    args = ["baseline", "create", "--reports", str(reports), "--out", str(out), "--reason", "owner fixes it"]
    args += ["--ticket", "https://tracker.example/DEST-42", "--accepted-by", "Ada", "--expires", expires]
    result = CliRunner().invoke(app, [*args, *extra])
    return result.exit_code, result.output


def test_create_writes_each_finding_once_and_adds_only_new_ones(tmp_path: Path) -> None:
    out = tmp_path / "baseline.toml"
    code, output = _create(_reports(tmp_path, "Faaa", "Fbbb", "Faaa"), out)
    assert code == 0 and "2 finding(s) accepted" in output
    entries = Baseline.load(out).entries
    # Only violations are findings: destwatch's own error is not accepted.
    assert [(e.fingerprint, e.ticket, e.accepted_by) for e in entries] == [
        ("Faaa", "https://tracker.example/DEST-42", "Ada"),
        ("Fbbb", "https://tracker.example/DEST-42", "Ada"),
    ]
    code, _ = _create(_reports(tmp_path, "Fbbb", "Fccc"), out)
    assert code == 0 and [e.fingerprint for e in Baseline.load(out).entries] == ["Faaa", "Fbbb", "Fccc"]
    code, output = _create(_reports(tmp_path, "Fccc"), out)
    assert code == 0 and "unchanged" in output


def test_mistakes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    reports = _reports(tmp_path, "Faaa")
    out = tmp_path / "baseline.toml"
    for expires, said in (
        ("next week", "--expires: 'next week' is not a date"),
        ("2020-01-01", "not in the future"),
    ):
        code, output = _create(reports, out, expires=expires)
        assert code == 2 and said in output and "Traceback" not in output
    code, output = _create(tmp_path / "nowhere", out)
    assert code == 2 and "summary.json: --reports: cannot read the run's summary" in output
    assert not out.exists()


def test_a_missing_baseline_is_one_line_and_exit_2_before_anything_runs(tmp_path: Path) -> None:
    targets = reference_targets(tmp_path)
    args = ["run", "--targets", str(targets), "--reports", str(tmp_path / "reports")]
    result = CliRunner().invoke(app, [*args, "--baseline", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "nope.toml: cannot read the baseline (" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "reports" / "summary.json").exists()
    # In targets.toml: its line and key, relative to the file's folder.
    targets.write_text('baseline = "nope.toml"\n' + targets.read_text())
    with pytest.raises(ConfigError) as refused:
        load_targets(targets)
    assert str(refused.value).startswith(f"{targets}:1: baseline: {tmp_path / 'nope.toml'} is not a file")
    (tmp_path / "nope.toml").write_text("")
    assert load_targets(targets).baseline == tmp_path / "nope.toml"


def test_replaying_a_finding_the_reports_do_not_hold_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", "F0123456789ab", "--reports", str(tmp_path)])
    assert result.exit_code == 2 and "no finding F0123456789ab in" in result.output
    assert "Traceback" not in result.output
