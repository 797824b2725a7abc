"""`destwatch run`: build the run once, hand it to pytest with the selected suites, map the exit code.

Only the user's own pytest arguments (after `--`) go through argv; the run itself (targets, selection,
embedded reference, seed, fault, reports folder) reaches the plugin as an object.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pytest

from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.pytest_plugin.state import GivenRun
from destwatch.run import Run, RunOptions

__all__ = ["PROJECT_ROOT", "GateRequest", "available_suites", "default_targets_file", "run_gate"]

# The package is installed editable: the suites live next to it in the project checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class GateRequest:
    """The command line of `destwatch run`."""

    targets: Path | None = None
    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    suites: tuple[str, ...] = ()
    reports: Path = Path("reports")
    seed: int | None = None
    fault: str | None = None
    variant: str | None = None
    pytest_args: tuple[str, ...] = ()


def default_targets_file() -> Path:
    """./targets.toml when it exists, else the project's own (the embedded reference)."""
    here = Path.cwd() / "targets.toml"
    return here if here.exists() else PROJECT_ROOT / "targets.toml"


def available_suites(root: Path = PROJECT_ROOT) -> list[str]:
    """The suite names: folders under `suites/` holding at least one test module."""
    suites_dir = root / "suites"
    if not suites_dir.is_dir():
        return []
    return sorted(path.name for path in suites_dir.iterdir() if path.is_dir() and any(path.glob("test_*.py")))


def run_gate(request: GateRequest, *, err: TextIO | None = None) -> ExitCode:
    """Run the selected suites against the selected targets; returns the destwatch exit code."""
    err = err or sys.stderr
    reports = request.reports.resolve()
    options = RunOptions(
        targets=request.targets or default_targets_file(),
        names=request.names,
        versions=request.versions,
        seed=request.seed,
        fault=request.fault,
        variant=request.variant,
        reports_dir=reports,
    )
    try:
        run = Run.start(options)
    except ConfigError as exc:
        print(f"destwatch: {exc}", file=err)
        return ExitCode.USAGE
    try:
        return _run_suites(run, request, reports, err)
    finally:
        run.close()


def _run_suites(run: Run, request: GateRequest, reports: Path, err: TextIO) -> ExitCode:
    known = available_suites()
    unknown = [name for name in request.suites if name not in known]
    if not known or unknown:
        problem = f"no suite named {', '.join(unknown)}" if unknown else f"no suites under {PROJECT_ROOT}"
        print(f"destwatch: {problem}; suites: {', '.join(known) or 'none'}", file=err)
        return ExitCode.USAGE
    try:
        _clear_previous_reports(reports)
    except OSError as exc:
        print(f"destwatch: --reports {reports}: {exc.strerror or exc}. Fix: pass a writable folder", file=err)
        return ExitCode.USAGE
    given = GivenRun(run)
    code = pytest.main(_pytest_args(request, reports), plugins=[given])
    if given.summary is not None:
        return ExitCode(given.summary["exit_code"])
    return _from_pytest(code, err)


def _from_pytest(code: int | pytest.ExitCode, err: TextIO) -> ExitCode:
    """Exit codes of a session that ran no destwatch test (pytest's own would clash: its 4 is usage)."""
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("destwatch: no tests were collected (check --suite, --target and --version)", file=err)
        return ExitCode.USAGE
    if code == pytest.ExitCode.INTERRUPTED:
        return ExitCode.INTERRUPTED
    if code == pytest.ExitCode.INTERNAL_ERROR:
        return ExitCode.ERROR
    return ExitCode.OK if code == pytest.ExitCode.OK else ExitCode.USAGE


def _clear_previous_reports(reports: Path) -> None:
    # A CI system must never read last run's summary as this run's (allure-results: --clean-alluredir).
    reports.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", "junit.xml", "exchanges.jsonl"):
        (reports / name).unlink(missing_ok=True)
    for spec in (reports / "specs").glob("*.openapi.json"):
        spec.unlink()


def _pytest_args(request: GateRequest, reports: Path) -> list[str]:
    suites = request.suites or tuple(available_suites())
    args = [str(PROJECT_ROOT / "suites" / name) for name in suites]
    args += [
        f"--junitxml={reports / 'junit.xml'}",
        f"--alluredir={reports / 'allure-results'}",
        "--clean-alluredir",
    ]
    # The command imports the plugin before pytest starts, which pytest would warn about on every run.
    args += ["--tb=short", f"--rootdir={PROJECT_ROOT}", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return [*args, *request.pytest_args]
