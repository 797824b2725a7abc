"""Gate runs for destwatch's own tests, each returning the run's typed `Summary`.

- `run_gate_on_reference(folder, ...)`: the gate in this process (`run_gate`) on the reference destination,
  with a targets.toml written from the reference's own catalogue (`embedded_targets`): embedded (the gate
  serves it), or served at a URL a test started (`served_at`, with `served_reference`).
- `run_gate_on(targets, reports, ...)`: the gate in this process on any targets.toml.
- `run_destwatch(folder, *args)`: `destwatch run` as a user runs it, in a child process; its exit code,
  output, reports and summary.

Every run writes its reports to `folder / "reports"` unless told otherwise, and its targets.toml to
`folder / "targets.toml"`. Tests pace loopback servers at 1,000 requests per second (`max_rps`): a pace
changes how fast requests go, never what a check expects.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree

from destwatch.config import load_targets
from destwatch.environment import Environment
from destwatch.gate.runner import GateRequest, run_gate
from destwatch.gate.summary import Failure, Summary
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets
from destwatch.selection import RunOptions, Selection

__all__ = [
    "DESTWATCH",
    "FAST",
    "CommandRun",
    "clauses",
    "reference_targets",
    "run_destwatch",
    "run_gate_on",
    "run_gate_on_reference",
    "served_reference",
]

DESTWATCH = Path(sys.executable).with_name("destwatch")
# The pace of every loopback run: as fast as the reference answers.
FAST = {"max_rps": 1000.0}
# A JWT or a cut-off piece of one: "eyJ" (base64 of '{"') and more of its header. "eyJ" alone is no
# evidence: Schemathesis's random six-character case ids, recorded with every exchange, contain it in
# about one run in twenty.
_JWT_PIECE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


def reference_targets(
    folder: Path,
    *,
    defaults: Mapping[str, Any] | None = None,
    reference: Mapping[str, Any] | None = None,
    versions: Sequence[str] | None = None,
    expectations: bool = True,
    version_tables: Mapping[str, Mapping[str, Any]] | None = None,
    served_at: str = "",
) -> Path:
    """`folder/targets.toml` for the reference's versions (all, or `versions`), paced `FAST` unless
    `defaults` says otherwise; see `embedded_targets` for the rest."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "targets.toml"
    path.write_text(
        embedded_targets(
            defaults={**FAST, **(defaults or {})},
            reference=reference,
            versions=versions,
            expectations=expectations,
            version_tables=version_tables,
            served_at=served_at,
        ),
        encoding="utf-8",
    )
    return path


def run_gate_on(
    targets: Path,
    reports: Path,
    *,
    suites: Sequence[str] = (),
    names: Sequence[str] = (),
    tests: str | None = None,
    pytest_args: Sequence[str] = (),
    err: TextIO | None = None,
    environment: Environment | None = None,
    **request: Any,
) -> Summary:
    """The gate in this process on `targets`, its reports in `reports`; `tests` selects the tests of the
    suites by name (`-k`), and `request` holds the other fields of `GateRequest` (`fault`, `seed`,
    `variant`, `jobs`, ...). `ConfigError` for a mistake, as `run_gate` raises it."""
    args = (*(("-k", tests) if tests else ()), *pytest_args)
    gate = GateRequest(
        targets=targets,
        reports=reports,
        suites=tuple(suites),
        names=tuple(names),
        pytest_args=args,
        **request,
    )
    return run_gate(gate, err=err, environment=environment)


def run_gate_on_reference(
    folder: Path,
    *,
    suites: Sequence[str] = (),
    targets: Sequence[str] = (),
    tests: str | None = None,
    fault: str | None = None,
    variant: str | None = None,
    candidate: str | None = None,
    seed: int | None = None,
    defaults: Mapping[str, Any] | None = None,
    reference: Mapping[str, Any] | None = None,
    versions: Sequence[str] | None = None,
    expectations: bool = True,
    version_tables: Mapping[str, Mapping[str, Any]] | None = None,
    served_at: str = "",
    in_thread: bool = False,
    pytest_args: Sequence[str] = (),
    reports: Path | None = None,
    err: TextIO | None = None,
    jobs: int | None = 1,
) -> Summary:
    """The gate in this process on the reference: `suites` (all when empty) on `targets` (names or
    `destination/version`; all configured when empty), with `fault`, `variant` and `candidate` as
    `destwatch run` takes them. targets.toml configures `versions` (all when None) with `defaults`,
    `[reference]` settings and `version_tables` (see `reference_targets`).

    `served_at`: a reference a test serves (`served_reference`), configured as a real destination; its
    demo secrets must be in the environment (`served_reference` puts them there). `in_thread`: the embedded
    reference served from a thread of this process instead of a child process of its own (what the run
    tests is the same; a run costs less, and the run's own Environment is bound to it as xdist workers'
    are to the controller's reference).
    """
    path = reference_targets(
        folder,
        defaults=defaults,
        reference=reference,
        versions=versions,
        expectations=expectations,
        version_tables=version_tables,
        served_at=served_at,
    )
    reports = reports if reports is not None else folder / "reports"
    request = {"fault": fault, "variant": variant, "candidate": candidate, "seed": seed, "jobs": jobs}
    gate = {"suites": suites, "names": targets, "tests": tests, "pytest_args": pytest_args, "err": err}
    if not in_thread:
        return run_gate_on(path, reports, **gate, **request)
    options = RunOptions(
        targets=path,
        names=tuple(targets),
        fault=fault,
        variant=variant,
        candidate=candidate,
        seed=seed,
        reports_dir=reports.resolve(),
    )
    selection = Selection.of(load_targets(path), options)
    with (
        serve_in_thread(create_app(**selection.reference.server_settings())) as server,
        Environment(selection, reference_url=server.url) as environment,
    ):
        # The environment holds the selection already: the gate narrows it no further.
        return run_gate_on(path, reports, environment=environment, **{**gate, "names": ()}, **request)


@contextlib.contextmanager
def served_reference(**settings: Any) -> Iterator[str]:
    """The reference (`create_app(**settings)`) served from a thread on a free loopback port, its URL; the
    demo secrets a served reference's targets.toml reads are in the environment meanwhile."""
    saved = {name: os.environ.get(name) for name in demo_secrets()}
    os.environ.update(demo_secrets())
    try:
        with serve_in_thread(create_app(**settings)) as server:
            yield server.url
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def clauses(summary: Summary) -> list[str]:
    """Each failure's message (a violation's starts with its clause), in order."""
    return [failure.message for failure in summary.failures]


@dataclass(frozen=True)
class CommandRun:
    """One finished `destwatch run` in a child process: exit code, terminal output and the reports."""

    code: int
    output: str
    reports: Path

    @property
    def summary(self) -> Summary:
        return Summary.from_json(_json(self.reports / "summary.json"))

    @property
    def failures(self) -> list[Failure]:
        return self.summary.failures

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


def run_destwatch(
    folder: Path,
    *args: str,
    targets: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> CommandRun:
    """`destwatch run --reports folder/reports [--targets TARGETS] ARGS` in a child process, in `cwd`
    (default `folder`), with `env` added to this process's environment. Without `targets`, the command
    finds targets.toml itself (in `cwd`)."""
    reports = folder / "reports"
    command = [str(DESTWATCH), "run", "--reports", str(reports)]
    command += ["--targets", str(targets)] if targets is not None else []
    done = subprocess.run(
        [*command, *args],
        cwd=cwd or folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return CommandRun(done.returncode, done.stdout + done.stderr, reports)


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
