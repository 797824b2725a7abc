"""`destwatch run`: validate the inputs, run the suites through pytest in-process, map the exit code.

Exit codes: 0 every check passed, 1 contract violations, 2 configuration or usage error, 3 a target could
not be reached at all (the others still ran; 3 wins over 1).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest

from destwatch import plugin
from destwatch.config import load_targets
from destwatch.errors import ConfigError

__all__ = ["PROJECT_ROOT", "RunRequest", "available_suites", "default_targets_file", "run"]

# The package is installed editable: the suites live next to it in the project checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXIT_USAGE = plugin.EXIT_USAGE
EXIT_UNREACHABLE = plugin.EXIT_UNREACHABLE


@dataclass(frozen=True)
class RunRequest:
    """The command line of `destwatch run`."""

    targets: Path | None = None
    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    suites: tuple[str, ...] = ()
    reports: Path = Path("reports")
    seed: int | None = None
    fault: str | None = None
    pytest_args: tuple[str, ...] = field(default=())


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


def run(request: RunRequest, *, err: TextIO | None = None) -> int:
    """Run the selected suites; returns the destwatch exit code."""
    err = err or sys.stderr
    targets = request.targets or default_targets_file()
    try:
        _validate(request, targets)
    except ConfigError as exc:
        print(f"destwatch: {exc}", file=err)
        return EXIT_USAGE
    known = available_suites()
    if not known:
        print(
            f"destwatch: no suites under {PROJECT_ROOT / 'suites'} (install the project editable)", file=err
        )
        return EXIT_USAGE
    unknown = [name for name in request.suites if name not in known]
    if unknown:
        print(f"destwatch: no suite named {', '.join(unknown)}; suites: {', '.join(known)}", file=err)
        return EXIT_USAGE
    reports = request.reports.resolve()
    try:
        _clear_previous_reports(reports)
    except OSError as exc:
        print(f"destwatch: --reports {reports}: {exc.strerror or exc}. Fix: pass a writable folder", file=err)
        return EXIT_USAGE
    outcome = _Outcome()
    code = pytest.main(_pytest_args(request, targets, reports), plugins=[outcome])
    if outcome.exit_code is not None:
        return outcome.exit_code
    if code == pytest.ExitCode.TESTS_FAILED:
        return plugin.EXIT_VIOLATIONS
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("destwatch: no tests were collected (check --suite, --target and --version)", file=err)
    return EXIT_USAGE if code != pytest.ExitCode.OK else plugin.EXIT_OK


def _clear_previous_reports(reports: Path) -> None:
    # A CI system must never read last run's summary as this run's (allure-results: --clean-alluredir).
    reports.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", "junit.xml", "exchanges.jsonl"):
        (reports / name).unlink(missing_ok=True)
    for spec in (reports / "specs").glob("*.openapi.json"):
        spec.unlink()


def _validate(request: RunRequest, targets: Path) -> None:
    config = load_targets(targets)
    config.version_targets(request.names, request.versions)
    if request.fault:
        from destwatch.reference import FAULTS

        if request.fault not in FAULTS:
            raise ConfigError(
                "--fault",
                None,
                "",
                f"unknown fault {request.fault!r}",
                f"choose one of {', '.join(sorted(FAULTS))}",
            )


def _pytest_args(request: RunRequest, targets: Path, reports: Path) -> list[str]:
    suites = request.suites or tuple(available_suites())
    args = [str(PROJECT_ROOT / "suites" / name) for name in suites]
    args += ["--targets", str(targets.resolve()), "--reports", str(reports)]
    args += [
        f"--junitxml={reports / 'junit.xml'}",
        f"--alluredir={reports / 'allure-results'}",
        "--clean-alluredir",
    ]
    # The command imports the plugin before pytest starts, which pytest would warn about on every run.
    args += ["--tb=short", f"--rootdir={PROJECT_ROOT}", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    for name in request.names:
        args += ["--target", name]
    for version in request.versions:
        args += ["--destination-version", version]
    if request.seed is not None:
        args += ["--destwatch-seed", str(request.seed)]
    if request.fault is not None:
        args += ["--destwatch-fault", request.fault]
    return [*args, *request.pytest_args]


class _Outcome:
    """Receives the plugin's exit code (pytest's own codes would clash: its 3 is an internal error)."""

    exit_code: int | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: Any) -> None:
        summary = plugin.run_summary(session.config)
        if summary is not None and summary["exit_code"] in (0, 1, 3, 4):
            self.exit_code = summary["exit_code"]
