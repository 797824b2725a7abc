"""The destwatch pytest plugin: targets as parameters, markers, setup failures, results and the summary.

Inert until a collected test asks for `target` (or `dw_run`): plain tests never start a server or read
targets.toml. Suites use the fixtures of `destwatch.gate.plugin.fixtures`.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import gc
import io
import signal
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from rich.console import Console

import destwatch
from destwatch import notices
from destwatch.config import VersionTarget
from destwatch.coverage.ledger import VersionCoverage
from destwatch.environment import Environment
from destwatch.errors import DestwatchError, TargetUnreachable
from destwatch.exit_codes import ExitCode
from destwatch.failures import NotChecked
from destwatch.gate import _allure, bundles
from destwatch.gate.baseline import apply_baseline, mark_junit
from destwatch.gate.coverage import coverage_of, with_trend, write_coverage
from destwatch.gate.page import write_gate_report
from destwatch.gate.plugin import attachments, workers
from destwatch.gate.plugin.results import (
    FAILURE_KIND,
    NOT_RUN,
    NOTICES,
    SKIP_KIND,
    describe,
    param,
    suite_of,
    violations,
)
from destwatch.gate.plugin.state import SessionState, run_of, state_of
from destwatch.gate.plugin.stopping import Stopper
from destwatch.gate.summary import build_summary, write_exchanges, write_json
from destwatch.gate.terminal import render_summary
from destwatch.http import Exchange

__all__ = ["UNAVAILABLE"]

pytest_plugins = ["destwatch.gate.plugin.fixtures"]

# The endpoint parameter of a version whose document could not be had: one item that fails with the reason.
UNAVAILABLE = "unavailable"
# destwatch's own modules (in the wheel the suites live among them, as `destwatch.suites`).
_PACKAGE = Path(destwatch.__file__).resolve().parent


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("destwatch", "destwatch: Occtoo destination contract tests")
    group.addoption(
        "--targets", dest="dw_targets", metavar="FILE", help="targets.toml (default: ./targets.toml)"
    )
    group.addoption(
        "--target",
        dest="dw_names",
        action="append",
        default=[],
        metavar="NAME",
        help="test only this destination or destination/version (repeatable)",
    )
    # pytest owns --version, so the version filter is spelled out here; `destwatch run --version` maps to it.
    group.addoption(
        "--destination-version",
        dest="dw_versions",
        action="append",
        default=[],
        metavar="V",
        help="test only this version, e.g. v2 (repeatable)",
    )
    group.addoption(
        "--reports", dest="dw_reports", metavar="DIR", help="write summary.json, specs/ etc. here"
    )
    group.addoption(
        "--destwatch-seed", dest="dw_seed", type=int, metavar="N", help="fuzz seed (default: targets.toml)"
    )
    group.addoption(
        "--destwatch-fault", dest="dw_fault", metavar="NAME", help="seeded fault for the embedded reference"
    )
    group.addoption(
        "--destwatch-variant",
        dest="dw_variant",
        metavar="NAME",
        help="document variant of the embedded reference",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Cleanups run last-registered first, and this plugin's configure runs before pytest's own plugins'
    # (registered after them, it is called first): the thaw comes after their cleanups, among them the
    # unraisable-exception check's garbage collection, which the still frozen heap keeps short.
    config.add_cleanup(functools.partial(_thaw_heap, config))
    config.addinivalue_line(
        "markers", "protected_only: run only on protected destination versions (others skip with the reason)"
    )
    config.addinivalue_line("markers", "suite(name): the contract suite (default: the folder under suites/)")
    config.addinivalue_line(
        "markers", "covers(kind): the kind of coverage item the test proves (destwatch.coverage.items.KINDS)"
    )
    config.addinivalue_line(
        "markers",
        "runs_last: run after every other test (the clause waits for time to pass; meanwhile others run)",
    )
    # Results are gathered from reports, where they arrive (the controller, under pytest-xdist).
    config.pluginmanager.register(state_of(config).results, "destwatch-results")
    if workers.handed_off(config) is not None:
        # A worker of the gate's run: the controller passes a signal on as SIGINT; stop at once on it.
        workers.tell_pid(config)
        stopper = state_of(config).stopper = Stopper(_interrupted)
        config.pluginmanager.register(stopper, "destwatch-stopper")
        config.add_cleanup(stopper.install((signal.SIGINT,)))


def pytest_collection_finish(session: pytest.Session) -> None:
    # What a destwatch session holds from here to its end (modules, plugins, documents, items) is left out
    # of the cyclic garbage collector's passes. Hypothesis and Schemathesis allocate fast enough to start
    # many full passes, each walking all of it.
    state = state_of(session.config)
    if state.run is not None:
        gc.freeze()
        state.heap_frozen = True
        _allure.without_parameter_containers(session.config)
        _allure.written_off_the_test_thread(session.config)


def _thaw_heap(config: pytest.Config) -> None:
    # Collectable again: a process running several gates must not keep each one's objects. A worker's
    # process ends with its session, and frozen, its heap is left to the OS instead of collected first.
    if state_of(config).heap_frozen and not workers.is_worker(config):
        gc.unfreeze()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames or _parametrized_by_test(metafunc, "target"):
        return
    run = run_of(metafunc.config)
    if "endpoint" in metafunc.fixturenames:
        pairs = [(t, e) for t in run.targets for e in (run.endpoints(t) or [UNAVAILABLE])]
        metafunc.parametrize(("target", "endpoint"), pairs, ids=[f"{t.id}/{e}" for t, e in pairs])
    else:
        metafunc.parametrize("target", run.targets, ids=[t.id for t in run.targets])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Stable: everything else in its order, then the waiting clauses in theirs. Under pytest-xdist each
    # version's items keep this order, so the waits come last within each version too.
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
    for item in items:
        target = param(item, "target")
        if not isinstance(target, VersionTarget):
            continue
        if item.get_closest_marker("suite") is None:
            item.add_marker(pytest.mark.suite(suite_of(item)))
        if item.get_closest_marker("protected_only") and not target.protected:
            item.add_marker(pytest.mark.skip(reason=f"{target.id} is not protected (protected = false)"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    target = param(item, "target")
    if not isinstance(target, VersionTarget) or item.get_closest_marker("skip"):
        return
    run = run_of(item.config)
    attachments.label(destination=target.destination, version=target.version, suite=suite_of(item))
    reason = run.unreachable(target) or _out_of_time(state_of(item.config), target)
    if reason:
        # Not a failure of the test: it could not run. Every such item of a version says the same reason
        # from the same place, so pytest's summary folds them into one line.
        item.stash[SKIP_KIND] = NOT_RUN
        pytest.skip(reason)
    if param(item, "endpoint") == UNAVAILABLE:
        # The destination serves no usable document: its contract is broken, not destwatch.
        item.stash[FAILURE_KIND] = "violation"
        failure = run.documents.failure(target)
        if failure is None:
            pytest.fail(f"DocumentError: {target.id}: the OpenAPI document lists no endpoint", pytrace=False)
        pytest.fail(f"{type(failure).__name__}: {failure}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    if not _uses_destwatch(pyfuncitem):
        # A plain test in the same session (a user's, or destwatch's own) keeps Python's warnings.
        return (yield from _checked(pyfuncitem))
    with notices.recording() as recorded:
        pyfuncitem.stash[NOTICES] = recorded
        return (yield from _checked(pyfuncitem))


def _checked(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    try:
        return (yield)
    except NotChecked as exc:
        pyfuncitem.stash[SKIP_KIND] = exc.kind
        raise pytest.skip.Exception(exc.reason) from None
    except TargetUnreachable as exc:
        pyfuncitem.stash[SKIP_KIND] = NOT_RUN
        raise pytest.skip.Exception(str(exc)) from None
    except BaseException as exc:
        for violation in violations(exc):
            attachments.attach_violation(violation)
        raise


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    # trylast makes this the innermost wrapper: JUnit, Allure and the terminal all see the redacted report.
    if call.excinfo is not None:
        _without_our_frames(call.excinfo, item.config)
    report = yield
    kind = item.stash.get(SKIP_KIND, NOT_RUN)
    if report.skipped and kind != NOT_RUN and isinstance(report.longrepr, tuple):
        # Point the skip at the test, not at this plugin where `NotChecked` became a skip.
        path, line, _ = item.location
        report.longrepr = (path, (line or 0) + 1, report.longrepr[2])
    attachments.redact_report(report)
    if call.excinfo is not None:
        attachments.redact_exception(call.excinfo.value)
    describe(item, call, report)
    if isinstance(target := param(item, "target"), VersionTarget):
        spent = state_of(item.config).spent
        spent[target.id] = spent.get(target.id, 0.0) + report.duration
    # Only destwatch's own items: a plain test in the same session keeps pytest's report.
    if report.failed and call.excinfo is not None and _uses_destwatch(item):
        _shorten(report, call.excinfo.value, item.config)
    return report


def _interrupted(signum: int) -> NoReturn:
    raise KeyboardInterrupt


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    # A run stopped by a signal says so in one line; pytest would first format the traceback of wherever
    # the signal landed (deep in a test, seconds of parsing source files), only to print its last line.
    shown = excinfo.traceback.filter(excinfo)
    if shown:
        excinfo.traceback = shown[-1:]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    report = workers.received_report(node)
    if report is not None:
        state_of(node.config).worker_reports.append(report)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = state_of(config)
    run = state.run
    try:
        if workers.is_worker(config):
            # A worker holds a part of the run: the controller writes the whole report.
            if run is not None:
                workers.send_report(config, run)
            return
        parts = [*([workers.worker_report(run)] if run is not None else []), *state.worker_reports]
        if not parts:
            return  # no test asked for a target: not a destwatch session
        joined = workers.join(parts)
        code = _exit_code(exitstatus, state, joined["unreachable"])
        reports = run.selection.options.reports_dir if run is not None else _reports_option(config)
        proved = _coverage(state, run)
        if reports is not None:
            proved = with_trend(reports, proved)
        if code == ExitCode.OK and any(version.below_bar() for version in proved):
            code = ExitCode.UNPROVEN
        session.exitstatus = code
        state.summary = build_summary(
            state.results.items.values(),
            exit_code=code,
            unreachable=joined["unreachable"],
            coverage=proved,
            **_run_info(joined, state),
        )
        if state.baseline is not None:
            today = datetime.datetime.now(datetime.UTC).date()
            state.summary = apply_baseline(state.summary, state.baseline, ran=_finished(state), today=today)
            if state.summary.exit_code == ExitCode.OK and any(version.below_bar() for version in proved):
                # Accepted findings leave what the run proved as it was: below the bar is still below it.
                state.summary = dataclasses.replace(state.summary, exit_code=ExitCode.UNPROVEN)
            session.exitstatus = state.summary.exit_code
        if reports is not None:
            write_coverage(reports, proved, started=state.summary.started)
            write_json(reports / "summary.json", state.summary.to_json())
            exchanges = [Exchange(**exchange) for exchange in joined["exchanges"]]
            found = bundles.finding_exchanges(state.summary, exchanges)
            marks = {id(exchange): fp for fp, mine in found.items() for exchange in mine}
            write_exchanges(reports / "exchanges.jsonl", exchanges, lambda e: marks.get(id(e), ""))
            bundles.write_bundles(reports, state.summary, found)
            state.reports = reports
    finally:
        if run is not None and not state.given:
            run.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    state = state_of(config)
    # After every plugin's sessionfinish: junit.xml and the Allure results the page links now exist.
    if state.summary is not None and state.reports is not None:
        mark_junit(state.reports / "junit.xml", state.summary)
        write_gate_report(state.summary, state.reports)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    summary = state_of(config).summary
    if summary is None:
        return
    buffer = io.StringIO()
    writer = config.get_terminal_writer()
    console = Console(file=buffer, width=writer.fullwidth, force_terminal=writer.hasmarkup)
    render_summary(summary, console)
    terminalreporter.write(buffer.getvalue())


def _coverage(state: SessionState, run: Environment | None) -> tuple[VersionCoverage, ...]:
    if run is None or not notices.covering():
        return ()
    return coverage_of(state.results.items.values(), run.targets, run.document)


def _out_of_time(state: SessionState, target: VersionTarget) -> str | None:
    """Why an item is not run for lack of time: the run's deadline passed, or the version's budget."""
    deadline = target.settings.run_deadline
    if deadline is not None and time.time() - state.started > deadline:
        return f"{target.id}: not run: the run_deadline of {deadline:g} s has passed"
    budget = target.settings.version_budget
    if budget is not None and state.spent.get(target.id, 0.0) > budget:
        return f"{target.id}: not run: its version_budget of {budget:g} s is spent"
    return None


def _uses_destwatch(item: pytest.Item) -> bool:
    return bool({"target", "dw_run"} & set(getattr(item, "fixturenames", ())))


def _without_our_frames(excinfo: pytest.ExceptionInfo[BaseException], config: pytest.Config) -> None:
    """A violation is reported from the test that found it: its clause, request and counterexample, not
    the frames of destwatch's modules it was raised through (an answer read in a loop showed hundreds).

    The exception's own traceback is relinked past those frames (pytest rebuilds its view of a traceback
    from the exception's frames, so filtering that view would not last).
    """
    if config.option.tbstyle in ("long", "native") or not violations(excinfo.value):
        return
    kept = excinfo.tb
    while kept.tb_next is not None:
        if _ours(kept.tb_next.tb_frame.f_code.co_filename):
            kept.tb_next = kept.tb_next.tb_next
        else:
            kept = kept.tb_next
    excinfo.traceback = type(excinfo.traceback)(excinfo.tb)


def _ours(filename: str) -> bool:
    path = Path(filename)
    return path.is_relative_to(_PACKAGE) and not path.is_relative_to(_PACKAGE / "suites")


def _shorten(report: pytest.TestReport, exc: BaseException, config: pytest.Config) -> None:
    """One line for what is not a finding about the contract: no internal frames for users to wade through.

    A destination that could not be reached, or answered something unusable (token, document), is said in
    its own words; a destwatch bug says so and asks to be reported. `--tb=long` keeps the whole traceback.
    """
    if config.option.tbstyle in ("long", "native"):
        return
    # Violations and plain `assert`s keep pytest's report (`_without_our_frames` trimmed it); pytest's own
    # outcomes (`pytest.fail`) are not `Exception`s.
    if isinstance(exc, AssertionError) or not isinstance(exc, Exception):
        return
    if isinstance(exc, DestwatchError):
        report.longrepr = f"{type(exc).__name__}: {exc}"
    else:
        report.longrepr = (
            f"destwatch error: {exc.__class__.__name__}: {exc} — a bug in destwatch, not the destination; "
            "please report it (run with `-- --tb=long` for the traceback)"
        )


def _exit_code(status: int, state: SessionState, unreachable: dict[str, str]) -> ExitCode:
    """destwatch's exit code from pytest's status and the kinds of failure (pytest's codes differ)."""
    if state.stopped_by is not None:
        return state.stopped_by
    if state.results.collection_errors:
        # A suite that cannot even be imported is destwatch's failure (or the user's suite's), never the
        # destination's.
        return ExitCode.ERROR
    if status == pytest.ExitCode.INTERRUPTED:
        return ExitCode.INTERRUPTED
    if status == pytest.ExitCode.INTERNAL_ERROR:
        return ExitCode.ERROR
    if status == pytest.ExitCode.USAGE_ERROR:
        return ExitCode.USAGE
    if not state.results.items:
        # Nothing ran (`--collect-only`, a selection that matched nothing): that is not a pass.
        return ExitCode.USAGE
    kinds = state.results.failure_kinds()
    if "error" in kinds:
        return ExitCode.ERROR
    if unreachable or state.results.not_run() or "unreachable" in kinds:
        return ExitCode.UNREACHABLE
    return ExitCode.VIOLATIONS if "violation" in kinds else ExitCode.OK


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = [part.strip() for part in argnames.split(",")]
        if name in argnames:
            return True
    return False


def _run_info(joined: workers.WorkerReport, state: SessionState) -> dict[str, Any]:
    fuzzed = {result.target for result in state.results.items.values() if result.suite == "fuzz"}
    usage = {
        target: {**used, "fuzz_seed": joined["fuzz_seeds"].get(target) if target in fuzzed else None}
        for target, used in joined["usage"].items()
    }
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.started)),
        "duration": round(time.time() - state.started, 3),
        "seed": joined["seed"],
        "fault": joined["fault"],
        "variant": joined["variant"],
        "targets": usage,
    }


def _finished(state: SessionState) -> set[tuple[str, str]]:
    """(target, test) of every test that ran to a pass or a failure."""
    results = state.results.items.values()
    return {(result.target, result.nodeid) for result in results if result.outcome in ("passed", "failed")}


def _reports_option(config: pytest.Config) -> Path | None:
    given = config.getoption("dw_reports")
    return Path(given) if given else None
