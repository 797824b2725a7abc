"""The plugin's per-session state, and the run it works on: handed over by the gate, or built lazily."""

from __future__ import annotations

import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from destwatch.environment import Environment
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.baseline import Baseline
from destwatch.gate.plugin import workers
from destwatch.gate.plugin.results import Results
from destwatch.gate.plugin.stopping import Stopper
from destwatch.gate.plugin.workers import HANDOFF, handed_off, version_of
from destwatch.gate.ratelimit import announcement
from destwatch.gate.summary import Summary
from destwatch.selection import RunOptions, Selection

__all__ = ["GateSession", "SessionState", "run_of", "state_of"]


@dataclass
class SessionState:
    run: Environment | None = None
    # Whether the run was handed over (the gate closes it) or built here (the plugin closes it).
    given: bool = False
    results: Results = field(default_factory=Results)
    started: float = field(default_factory=time.time)
    summary: Summary | None = None
    # Where the summary was written: the gate's page joins it once every report file exists.
    reports: Path | None = None
    # Seconds spent on each destination version's tests so far (its `version_budget`).
    spent: dict[str, float] = field(default_factory=dict)
    # Set when a signal stopped the session: the exit code it means (130 SIGINT, 143 SIGTERM).
    stopped_by: ExitCode | None = None
    # What each pytest-xdist worker reported of its run (the controller's summary joins them).
    worker_reports: list[dict[str, Any]] = field(default_factory=list)
    # Whether this session froze the heap after collection (and so unfreezes it at the end).
    heap_frozen: bool = False
    # What turns SIGINT and SIGTERM into the end of the session (the gate's, and its workers').
    stopper: Stopper | None = None
    # The findings accepted for now (`--baseline`): only the controller applies it, to the whole run.
    baseline: Baseline | None = None


_STATE = pytest.StashKey[SessionState]()
_STOPPED_BY = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}


class GateSession:
    """A plugin carrying a run built before pytest starts: `pytest.main(args, plugins=[GateSession(run)])`.

    After the session, `summary` holds the run's `Summary` (None when no test used a target).
    """

    def __init__(self, run: Environment, *, baseline: Baseline | None = None) -> None:
        self.run = run
        self.summary: Summary | None = None
        self._state = SessionState(run=run, given=True, stopper=Stopper(self._stop), baseline=baseline)
        self._handoff: dict[str, Any] | None = None
        # Where the workers of a parallel run leave their process ids (a signal is passed on to them).
        self._workers: tempfile.TemporaryDirectory[str] | None = None
        self._announced = False

    def _stop(self, signum: int) -> NoReturn:
        """Stop the session now (SIGINT, SIGTERM): pytest ends it as interrupted, and the reports say 130 or
        143 and hold what ran.

        The workers of a parallel run get the interrupt too: told to exit, each would otherwise finish its
        current test and wait seconds before interrupting itself.
        """
        if self._state.stopped_by is None and self._workers is not None:
            workers.interrupt_workers(Path(self._workers.name))
        self._state.stopped_by = _STOPPED_BY[signal.Signals(signum)]
        pytest.exit(f"destwatch: stopped by {signal.Signals(signum).name}")

    @property
    def stopper(self) -> Stopper:
        assert self._state.stopper is not None
        return self._state.stopper

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[_STATE] = self._state
        config.pluginmanager.register(self.stopper, "destwatch-stopper")

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self._handoff is None:
            self.run.prepare()
            self._handoff = self.run.handoff()
            self._workers = tempfile.TemporaryDirectory(prefix="destwatch-workers-")
        node.workerinput[HANDOFF] = self._handoff
        node.workerinput[workers.PIDS] = self._workers.name

    def pytest_unconfigure(self) -> None:
        if self._workers is not None:
            self._workers.cleanup()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        from destwatch.gate._xdist import by_version_scheduler  # xdist is imported only by runs that use it

        return by_version_scheduler(config, log, version_of([target.id for target in self.run.targets]))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # Every worker collects the same tests; the ratelimit suite's announcement is said once, here,
        # since no one sees a worker's collection output.
        if self._announced:
            return
        self._announced = True
        version = version_of([target.id for target in self.run.targets])
        by_id = {target.id: target for target in self.run.targets}
        tests = [
            (nodeid.split("::")[-1].partition("[")[0], by_id[found])
            for nodeid in ids
            if "ratelimit/" in nodeid and (found := version(nodeid)) is not None
        ]
        reporter = node.config.pluginmanager.get_plugin("terminalreporter")
        for line in announcement(tests) if reporter is not None else ():
            reporter.write_line(line)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.summary = session.config.stash[_STATE].summary


def state_of(config: pytest.Config) -> SessionState:
    if _STATE not in config.stash:
        config.stash[_STATE] = SessionState()
    return config.stash[_STATE]


def run_of(config: pytest.Config) -> Environment:
    """The session's run: the one handed over (by the gate, or to a pytest-xdist worker by the gate's
    controller), else built once from the command line options."""
    state = state_of(config)
    if state.run is None:
        given = handed_off(config)
        try:
            state.run = (
                Environment.adopt(given)
                if given is not None
                else Environment.start(Selection.resolve(_options(config)))
            )
        except ConfigError as exc:
            pytest.exit(f"destwatch: {exc}", returncode=int(ExitCode.USAGE))
    return state.run


def _options(config: pytest.Config) -> RunOptions:
    reports = config.getoption("dw_reports")
    return RunOptions(
        targets=_targets_path(config),
        names=tuple(config.getoption("dw_names")),
        versions=tuple(config.getoption("dw_versions")),
        seed=config.getoption("dw_seed"),
        fault=config.getoption("dw_fault"),
        variant=config.getoption("dw_variant"),
        reports_dir=Path(reports) if reports else None,
    )


def _targets_path(config: pytest.Config) -> Path:
    given = config.getoption("dw_targets")
    if given:
        return Path(given)
    here = config.invocation_params.dir / "targets.toml"
    return here if here.exists() else config.rootpath / "targets.toml"
