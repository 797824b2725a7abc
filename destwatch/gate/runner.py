"""`destwatch run`: build the run once, hand it to pytest with the selected suites, map the exit code.

Only the user's own pytest arguments (after `--`) go through argv; the run itself (targets, selection,
embedded reference, seed, fault, reports folder) reaches the plugin as an object. destwatch's suites ship
inside the package (`destwatch.suites`); a user's own suites (`--suites DIR` or `suites_dir` in
targets.toml) run beside them with the same fixtures and reports.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pytest

import destwatch.suites
import destwatch.templates
from destwatch._reports_lock import owning
from destwatch.config import EXAMPLE_TARGETS, load_targets, targets_file
from destwatch.environment import Environment
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.baseline import Baseline
from destwatch.gate.coverage import keep_in_monitor_history
from destwatch.gate.plugin.state import GateSession
from destwatch.gate.summary import Summary
from destwatch.selection import RunOptions, Selection

__all__ = ["BUILTIN_SUITES", "EXAMPLE_TARGETS", "GateRequest", "find_suites", "run_gate", "targets_file"]

BUILTIN_SUITES = Path(destwatch.suites.__file__).resolve().parent
# The targets.toml `destwatch init` writes: the embedded reference, and a commented real destination.


@dataclass(frozen=True)
class GateRequest:
    """The command line of `destwatch run`."""

    targets: Path | None = None
    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    suites: tuple[str, ...] = ()
    suites_dirs: tuple[Path, ...] = ()
    reports: Path = Path("reports")
    seed: int | None = None
    fault: str | None = None
    variant: str | None = None
    candidate: str | None = None
    # The versions cross-version checks may use besides `names` (RunOptions.peers); None: every one.
    peers: tuple[str, ...] | None = None
    pytest_args: tuple[str, ...] = ()
    # Processes running versions side by side (pytest-xdist); None: one per core, at most one per version.
    jobs: int | None = 1
    # Findings accepted for now (destwatch.gate.baseline); None: targets.toml's `baseline`, if any.
    baseline: Path | None = None


def find_suites(*roots: Path) -> dict[str, Path]:
    """Suite name -> folder: destwatch's suites, then each user folder's own (its test modules directly, or
    one suite per subfolder holding test modules)."""
    found: dict[str, Path] = {}
    for root in (BUILTIN_SUITES, *roots):
        if any(root.glob("test_*.py")) and root != BUILTIN_SUITES:
            found.setdefault(root.name, root)
        for folder in sorted(path for path in root.iterdir() if path.is_dir()):
            if any(folder.glob("test_*.py")):
                found.setdefault(folder.name, folder)
    return found


def run_gate(
    request: GateRequest, *, err: TextIO | None = None, environment: Environment | None = None
) -> Summary:
    """Run the selected suites against the selected versions; the run's summary. `ConfigError` for a
    mistake in targets.toml or the request (nothing is run then).

    With `environment`, the suites run on it (its reference, clients and documents: `destwatch validate`
    runs them on the one it compares versions with), on `request.names` of its versions when given.
    """
    err = err or sys.stderr
    _share_hypothesis_storage()
    reports = request.reports.resolve()
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(owning(reports, say=lambda line: print(line, file=err)))
        except OSError as exc:
            raise ConfigError(
                f"{exc.strerror or exc}", key="--reports", file=reports, fix="pass a writable folder"
            ) from None
        if environment is None:
            path = targets_file(request.targets, err=err)
            config = load_targets(path)
            selection = Selection.of(config, _options(request, path, reports))
            baseline = _baseline(request.baseline or config.baseline)
            environment = held.enter_context(Environment.start(selection))
            roots = [*request.suites_dirs, *([config.suites_dir] if config.suites_dir else [])]
            history: Path | None = Path(config.monitor.history)
        else:
            # The suites' reports go to this run's folder, whatever the environment's own run writes.
            names = request.names or tuple(target.id for target in environment.targets)
            environment = environment.narrowed(names, reports=reports)
            roots = list(request.suites_dirs)
            baseline = _baseline(request.baseline)
            history = None  # a validation's suites: its own report says what they proved
        summary = _run_suites(environment, request, reports, roots, baseline)
    if history is not None:
        problem = keep_in_monitor_history(history, summary.coverage, now=time.time())
        if problem is not None:
            print(problem, file=err)
    return summary


def _baseline(path: Path | None) -> Baseline | None:
    # Read before anything runs: a mistake in it is a usage error, not a surprise after the suites.
    return Baseline.load(path) if path is not None else None


def _options(request: GateRequest, targets: Path, reports: Path) -> RunOptions:
    return RunOptions(
        targets=targets,
        names=request.names,
        versions=request.versions,
        seed=request.seed,
        fault=request.fault,
        variant=request.variant,
        candidate=request.candidate,
        reports_dir=reports,
        peers=request.peers,
    )


def _share_hypothesis_storage() -> None:
    """Keep Hypothesis's storage in the user's cache, not in `./.hypothesis/` of whatever folder the gate
    runs in: it holds Unicode tables that cost about a second to build, so every new folder (a fresh CI
    checkout, another repository) paid that again and kept a `.hypothesis/` folder behind. The generation
    database is off (runs are seeded), so nothing run-specific is kept. A storage the user chose wins."""
    try:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home folder to speak of: leave Hypothesis its default
        return
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache / "destwatch" / "hypothesis"))


def _run_suites(
    run: Environment, request: GateRequest, reports: Path, roots: list[Path], baseline: Baseline | None
) -> Summary:
    missing = [str(root) for root in roots if not root.is_dir()]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)}: not a folder", key="--suites", fix="pass your suites' folder"
        )
    known = find_suites(*(root.resolve() for root in roots))
    unknown = [name for name in request.suites if name not in known]
    if unknown:
        raise ConfigError(
            f"no suite named {', '.join(unknown)}", key="--suite", fix=f"choose from {', '.join(known)}"
        )
    try:
        _clear_previous_reports(reports)
    except OSError as exc:
        raise ConfigError(
            f"{exc.strerror or exc}", key="--reports", file=reports, fix="pass a writable folder"
        ) from None
    folders = [known[name] for name in (request.suites or tuple(known))]
    given = GateSession(run, baseline=baseline)
    args = [*_pytest_args(folders, request, reports), *_parallel(request.jobs, len(run.targets))]
    # SIGINT and SIGTERM end the run cleanly: what ran is reported (summary.json, junit.xml, the table),
    # marked interrupted or terminated, and the exit code is 130 or 143 as shells expect.
    restore = given.stopper.install()
    try:
        code = pytest.main(args, plugins=[given])
    finally:
        restore()
    return given.summary if given.summary is not None else Summary(_from_pytest(code))


def _from_pytest(code: int | pytest.ExitCode) -> ExitCode:
    """The exit code of a session that ran no destwatch test (pytest's own would clash: its 4 is usage)."""
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        raise ConfigError("no tests were collected", key="--suite/--target/--version", fix="check them")
    if code == pytest.ExitCode.INTERRUPTED:
        return ExitCode.INTERRUPTED
    if code == pytest.ExitCode.INTERNAL_ERROR:
        return ExitCode.ERROR
    return ExitCode.OK if code == pytest.ExitCode.OK else ExitCode.USAGE


# The pytest plugins of a run, by entry point name: destwatch's, Allure's results, Hypothesis's options.
_PLUGINS = ("destwatch", "allure_pytest", "hypothesispytest")
_REPORT_FILES = ("summary.json", "junit.xml", "exchanges.jsonl")
_REPORT_FOLDERS = ("specs", "allure-results", "findings")


def _clear_previous_reports(reports: Path) -> None:
    # A CI system must never read last run's summary as this run's (allure-results: --clean-alluredir).
    reports.mkdir(parents=True, exist_ok=True)
    for name in _REPORT_FILES:
        if (reports / name).is_dir():
            raise IsADirectoryError(errno.EISDIR, f"{name} is a folder, where destwatch writes a file")
    for name in _REPORT_FOLDERS:
        if (reports / name).exists() and not (reports / name).is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{name} is a file, where destwatch writes a folder")
    for name in _REPORT_FILES:
        (reports / name).unlink(missing_ok=True)
    for spec in (reports / "specs").glob("*.openapi.json"):
        spec.unlink()
    # Last run's findings are not this run's (each folder is named by a finding, so none is overwritten).
    shutil.rmtree(reports / "findings", ignore_errors=True)


def _parallel(jobs: int | None, versions: int) -> list[str]:
    """pytest-xdist's arguments for `jobs` processes; none when one process does (starting workers costs
    more than it saves for a single version)."""
    wanted = min(jobs or os.cpu_count() or 1, versions)
    return ["-pxdist", "-n", str(wanted)] if wanted > 1 else []


def _pytest_args(folders: list[Path], request: GateRequest, reports: Path) -> list[str]:
    args = [str(folder) for folder in folders]
    args += [
        f"--junitxml={reports / 'junit.xml'}",
        f"--alluredir={reports / 'allure-results'}",
        "--clean-alluredir",
    ]
    # The suites' own configuration, whatever the user's project configures for its own tests. The rootdir
    # is the suites' folder: pytest scopes a conftest's fixtures to its folder only under the rootdir, and
    # makes the others global (one suite's autouse fixtures would then run in every suite).
    args += ["-c", str(BUILTIN_SUITES / "pytest.ini"), f"--rootdir={BUILTIN_SUITES}", "--tb=short"]
    # Only the plugins a run needs, whatever else is installed: a plugin that reorders, reruns or reseeds
    # tests would change what a run means, and loading every installed one slows each run. A
    # user's suites that need one name it after `--` (`-p NAME`).
    args += ["--disable-plugin-autoload", *(f"-p{name}" for name in _PLUGINS)]
    # The command imports the plugin before pytest starts, which pytest would warn about on every run.
    args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return [*args, *request.pytest_args]
