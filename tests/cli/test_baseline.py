"""`destwatch baseline create` from a run's summary.json: entries with a reason, a ticket, who accepted them
and an expiry; added to an existing file, never duplicated; mistakes are one line and exit 2."""

from __future__ import annotations

import datetime
from pathlib import Path

from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.exit_codes import ExitCode
from destwatch.gate.baseline import Baseline
from destwatch.gate.summary import Failure, Row, Summary, write_json

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
