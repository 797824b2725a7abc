"""Running the fuzz and auth suites the way a user does: `destwatch run` in a subprocess, real reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from destwatch.reference.targets import embedded_targets

DESTWATCH = Path(sys.executable).with_name("destwatch")
# A JWT or a cut-off piece of one: "eyJ" (base64 of '{"') and more of its header. "eyJ" alone is no
# evidence: Schemathesis's random six-character case ids, recorded with every exchange, contain it in
# about one run in twenty.
_JWT_PIECE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


@dataclass(frozen=True)
class SuiteRun:
    """One finished `destwatch run`: exit code, terminal output and the reports it wrote."""

    code: int
    output: str
    reports: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.reports / "summary.json").read_text())

    def failures(self) -> list[dict[str, str]]:
        return [failure for row in self.summary["rows"] for failure in row["failures"]]

    def outcomes(self) -> dict[str, str]:
        """`{test name: passed | failed | skipped}` from the JUnit report."""
        found = {}
        for case in ElementTree.parse(self.reports / "junit.xml").iter("testcase"):
            states = {child.tag for child in case}
            outcome = (
                "failed" if states & {"failure", "error"} else "skipped" if "skipped" in states else "passed"
            )
            found[case.get("name", "")] = outcome
        return found

    def leaks(self, *secrets: str) -> list[str]:
        """Where a secret or a JWT shows in the output or the reports, each with its surroundings."""
        texts = {"output": self.output}
        texts |= {
            str(path): path.read_text(errors="replace") for path in self.reports.rglob("*") if path.is_file()
        }
        found = []
        for where, text in texts.items():
            spans = [match.span() for match in _JWT_PIECE.finditer(text)]
            spans += [match.span() for secret in secrets for match in re.finditer(re.escape(secret), text)]
            found += [f"{where}: ...{text[max(0, start - 80) : end + 20]}..." for start, end in spans]
        return found


RunSuite = Callable[..., SuiteRun]


@pytest.fixture
def run_suite(tmp_path: Path) -> RunSuite:
    """`run_suite("fuzz", fault=..., defaults={"examples": 5}, targets=["productCatalog/v1"])`;
    `version_tables` add keys to versions' tables, `pytest_args` go after `--`."""
    counter = iter(range(1000))

    def run(
        *suites: str,
        fault: str | None = None,
        seed: int | None = None,
        defaults: Mapping[str, Any] | None = None,
        reference: Mapping[str, Any] | None = None,
        targets: tuple[str, ...] = (),
        version_tables: Mapping[str, Mapping[str, Any]] | None = None,
        pytest_args: tuple[str, ...] = (),
    ) -> SuiteRun:
        workdir = tmp_path / f"run{next(counter)}"
        workdir.mkdir()
        targets_file = workdir / "targets.toml"
        targets_file.write_text(
            embedded_targets(
                defaults={"max_rps": 1000.0, **(defaults or {})},
                reference=reference,
                version_tables=version_tables,
            )
        )
        reports = workdir / "reports"
        command = [str(DESTWATCH), "run", "--targets", str(targets_file), "--reports", str(reports)]
        for suite in suites:
            command += ["--suite", suite]
        for target in targets:
            command += ["--target", target]
        if fault is not None:
            command += ["--fault", fault]
        if seed is not None:
            command += ["--seed", str(seed)]
        if pytest_args:
            command += ["--", *pytest_args]
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600, check=False)
        return SuiteRun(done.returncode, done.stdout + done.stderr, reports)

    return run
