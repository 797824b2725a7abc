"""The destwatch pytest plugin: targets as parameters, run-wide fixtures, Allure labels and the summary.

Inert until a collected test asks for `target`, `endpoint` or `dw_run`: destwatch's own tests load it
through the root conftest and never start a server or read targets.toml.

Suites use it like this::

    def test_endpoint_answers_get(target, endpoint, client, spec): ...   # one item per version x endpoint

    @pytest.mark.protected_only
    def test_token_is_issued(target, dw_run): ...                        # unprotected versions skip
"""

from __future__ import annotations

import io
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import allure
import pytest
from rich.console import Console

from destwatch import reporting
from destwatch._run import Run, RunOptions
from destwatch.config import VersionTarget, load_targets
from destwatch.errors import ConfigError, DestwatchError, TargetUnreachable
from destwatch.failures import ContractViolation, NotChecked
from destwatch.http import Client
from destwatch.redact import redact
from destwatch.reporting import ItemResult

__all__ = ["UNAVAILABLE", "Run", "client", "dw_run", "endpoint", "run_summary", "spec", "target"]

# The endpoint parameter of a version whose document could not be had: one item that fails with the reason.
UNAVAILABLE = "unavailable"

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_ERROR = 0, 1, 2, 3, 4


@dataclass
class _State:
    """Per-session plugin state, kept in `config.stash`."""

    run: Run | None = None
    items: dict[str, ItemResult] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    summary: dict[str, Any] | None = None


_STATE = pytest.StashKey[_State]()
# Why an item failed in setup, when the plugin failed it (the exception itself is pytest's `Failed`).
_KIND = pytest.StashKey[str]()
# Why a rule was not checked ("not-applicable" or "budget"), when a `NotChecked` skipped it.
_SKIP_KIND = pytest.StashKey[str]()


def run_summary(config: pytest.Config) -> dict[str, Any] | None:
    """The summary.json document of a finished session (None when no test used a target)."""
    return config.stash[_STATE].summary


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "protected_only: run only on protected destination versions (others skip with the reason)"
    )
    config.addinivalue_line("markers", "suite(name): the contract suite (set from the folder under suites/)")
    config.stash[_STATE] = _State()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not _ours(metafunc, "target"):
        return
    run = _run(metafunc.config)
    if _ours(metafunc, "endpoint"):
        pairs = [(t, e) for t in run.targets for e in (run.endpoints(t) or [UNAVAILABLE])]
        metafunc.parametrize(("target", "endpoint"), pairs, ids=[f"{t.id}/{e}" for t, e in pairs])
    else:
        metafunc.parametrize("target", run.targets, ids=[t.id for t in run.targets])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        suite = _suite_of(item)
        if suite and item.get_closest_marker("suite") is None:
            item.add_marker(pytest.mark.suite(suite))
        target = _param(item, "target")
        if (
            isinstance(target, VersionTarget)
            and item.get_closest_marker("protected_only")
            and not target.protected
        ):
            item.add_marker(pytest.mark.skip(reason=f"{target.id} is not protected (protected = false)"))


def pytest_collection_finish(session: pytest.Session) -> None:
    # After deselection (-k, -m): only the items that will run are counted in the summary.
    state = session.config.stash[_STATE]
    for item in session.items:
        target = _param(item, "target")
        if not isinstance(target, VersionTarget):
            continue
        marker = item.get_closest_marker("suite")
        state.items[item.nodeid] = ItemResult(
            nodeid=item.nodeid,
            destination=target.destination,
            version=target.version,
            suite=str(marker.args[0]) if marker and marker.args else "-",
        )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    target = _param(item, "target")
    run = item.config.stash[_STATE].run
    if not isinstance(target, VersionTarget) or run is None or item.get_closest_marker("skip"):
        return
    reason = run.unreachable(target)
    if reason:
        item.stash[_KIND] = "unreachable"
        pytest.fail(f"TargetUnreachable: {reason}", pytrace=False)
    if _param(item, "endpoint") == UNAVAILABLE:
        # The destination serves no usable document: its contract is broken, not destwatch.
        item.stash[_KIND] = "violation"
        failure = run.specs.failure(target)
        if failure is None:
            pytest.fail(f"SpecError: {target.id}: the OpenAPI document lists no endpoint", pytrace=False)
        pytest.fail(f"{type(failure).__name__}: {failure}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    try:
        return (yield)
    except NotChecked as exc:
        pyfuncitem.stash[_SKIP_KIND] = exc.kind
        raise pytest.skip.Exception(exc.reason, _use_item_location=True) from None
    except BaseException as exc:
        for violation in _violations(exc):
            _attach(violation)
        raise


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    # trylast makes this the innermost wrapper: JUnit, Allure and the terminal all see the redacted report.
    report = yield
    _redact_report(report)
    if call.excinfo is not None:
        _redact_exception(call.excinfo.value)
    result = item.config.stash[_STATE].items.get(item.nodeid)
    if result is not None:
        _record(result, item, call, report)
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    summary = config.stash[_STATE].summary
    if summary is None:
        return
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=terminalreporter._tw.fullwidth, force_terminal=terminalreporter.hasmarkup
    )
    reporting.render_summary(summary, console)
    terminalreporter.write(buffer.getvalue())


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash[_STATE]
    run = state.run
    if run is None:
        return
    try:
        unreachable = run.unreachable_targets()
        code = int(exitstatus)
        if code in (EXIT_OK, EXIT_VIOLATIONS):
            kinds = {result.kind for result in state.items.values() if result.outcome == "failed"}
            if "error" in kinds:
                code = EXIT_ERROR
            elif unreachable or "unreachable" in kinds:
                code = EXIT_UNREACHABLE
            else:
                code = EXIT_VIOLATIONS if "violation" in kinds else EXIT_OK
            session.exitstatus = code
        state.summary = reporting.build_summary(
            state.items.values(), exit_code=code, unreachable=unreachable, extra=_run_info(run, state)
        )
        reports = run.options.reports_dir
        # Under pytest-xdist every worker holds a part of the run: none of them may write the whole report.
        if reports is not None and not hasattr(session.config, "workerinput"):
            reporting.write_json(reports / "summary.json", state.summary)
            reporting.write_exchanges(reports / "exchanges.jsonl", run.recorder.exchanges)
    finally:
        run.close()


@pytest.fixture(scope="session")
def dw_run(request: pytest.FixtureRequest) -> Run:
    """The run: `targets`, `spec(target)`, `tokens`, `http(target)`, `versions_of(destination)`, `seed`."""
    return _run(request.config)


@pytest.fixture
def target(request: pytest.FixtureRequest) -> VersionTarget:
    """One destination version; tests asking for it are parametrized over the selected versions."""
    raise pytest.UsageError(f"{request.node.nodeid}: `target` is parametrized by destwatch; it was not here")


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> str:
    """One endpoint id of the version's document; parametrized together with `target`."""
    raise pytest.UsageError(
        f"{request.node.nodeid}: `endpoint` is parametrized by destwatch; it was not here"
    )


@pytest.fixture
def client(dw_run: Run, target: VersionTarget) -> Client:
    """`dw_run.http(target)`: pooled, paced, authenticated (a 401 gets one fresh token and one retry)."""
    return dw_run.http(target)


@pytest.fixture
def spec(dw_run: Run, target: VersionTarget) -> dict[str, Any]:
    """The version's OpenAPI document, fetched once per run."""
    return dw_run.spec(target)


@pytest.fixture(autouse=True)
def _destwatch_allure_labels(request: pytest.FixtureRequest) -> None:
    result = request.config.stash[_STATE].items.get(request.node.nodeid)
    if result is None:
        return
    allure.dynamic.label("destination", result.destination)
    allure.dynamic.label("version", result.version)
    allure.dynamic.label("suite", result.suite)
    allure.dynamic.parent_suite(result.target)
    # Schemathesis items share one function: the operation keeps their Allure identities apart.
    operation = getattr(request.node, "operation_label", None)
    if operation:
        allure.dynamic.parameter("operation", operation)


def _run(config: pytest.Config) -> Run:
    state = config.stash[_STATE]
    if state.run is None:
        reports = config.getoption("dw_reports")
        options = RunOptions(
            names=tuple(config.getoption("dw_names")),
            versions=tuple(config.getoption("dw_versions")),
            seed=config.getoption("dw_seed"),
            fault=config.getoption("dw_fault"),
            reports_dir=Path(reports) if reports else None,
        )
        try:
            state.run = Run(load_targets(_targets_path(config)), options)
        except ConfigError as exc:
            pytest.exit(f"destwatch: {exc}", returncode=EXIT_USAGE)
    return state.run


def _targets_path(config: pytest.Config) -> Path:
    given = config.getoption("dw_targets")
    if given:
        return Path(given)
    here = config.invocation_params.dir / "targets.toml"
    return here if here.exists() else config.rootpath / "targets.toml"


def _ours(metafunc: pytest.Metafunc, name: str) -> bool:
    """Whether the test asks for destwatch's `name` fixture (not a conftest's own, not its own parameter)."""
    if name not in metafunc.fixturenames or _parametrized_by_test(metafunc, name):
        return False
    definitions = metafunc._arg2fixturedefs.get(name)
    return bool(definitions) and definitions[-1].func.__module__ == __name__


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = [part.strip() for part in argnames.split(",")]
        if name in argnames:
            return True
    return False


def _param(item: pytest.Item, name: str) -> Any:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(name) if callspec is not None else None


def _suite_of(item: pytest.Item) -> str | None:
    parts = item.path.parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "suites":
            return parts[index + 1]
    return None


def _violations(exc: BaseException) -> list[ContractViolation]:
    if isinstance(exc, ContractViolation):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        return [found for inner in exc.exceptions for found in _violations(inner)]
    return []


def _attach(violation: ContractViolation) -> None:
    if violation.request:
        allure.attach(violation.request, name="request (curl)", attachment_type=allure.attachment_type.TEXT)
    if violation.status is not None:
        allure.attach(
            violation.response_body or "(empty body)",
            name=f"response {violation.status}",
            attachment_type=allure.attachment_type.JSON
            if violation.response_body.startswith(("{", "["))
            else allure.attachment_type.TEXT,
        )


def _redact_report(report: pytest.TestReport) -> None:
    if report.longrepr is not None:
        text = str(report.longrepr)
        masked = redact(text)
        if masked != text:
            report.longrepr = masked
    report.sections = [(title, redact(content)) for title, content in report.sections]


def _redact_exception(exc: BaseException) -> None:
    # Allure reads the message from the exception itself, after this hook: mask it in place.
    try:
        exc.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in exc.args)
    except (AttributeError, TypeError):
        return


def _record(
    result: ItemResult, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    result.duration += report.duration
    if report.skipped and result.outcome != "failed":
        result.outcome = "skipped"
        result.message = _first_line(report.longrepr[2] if isinstance(report.longrepr, tuple) else "")
        result.skip_kind = item.stash.get(_SKIP_KIND, "not-applicable")
    elif report.failed and result.outcome != "failed":
        result.outcome = "failed"
        result.kind, result.message = _failure(item, call)


def _failure(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[Any, str]:
    kind = item.stash.get(_KIND, None)
    excinfo = call.excinfo
    if excinfo is None:
        return "error", "failed"
    violations = _violations(excinfo.value)
    if kind is not None:
        return kind, _first_line(str(excinfo.value))
    if violations:
        return "violation", _first_line(violations[0].clause)
    if isinstance(excinfo.value, AssertionError):
        return "violation", _first_line(excinfo.exconly())
    if isinstance(excinfo.value, TargetUnreachable):
        return "unreachable", _first_line(str(excinfo.value))
    if isinstance(excinfo.value, DestwatchError):
        return "error", _first_line(f"{type(excinfo.value).__name__}: {excinfo.value}")
    return "error", _first_line(excinfo.exconly())


def _first_line(text: str) -> str:
    lines = [line for line in redact(text).splitlines() if line.strip()]
    return lines[0].strip() if lines else ""


def _run_info(run: Run, state: _State) -> dict[str, Any]:
    exchanges = run.recorder.exchanges
    per_target: dict[str, dict[str, Any]] = {}
    for target in run.targets:
        mine = [exchange.elapsed for exchange in exchanges if exchange.target == target.id]
        fetch = run.specs.fetch_info(target)
        per_target[target.id] = {
            "base_url": target.base_url,
            "protected": target.protected,
            "requests": len(mine),
            "max_elapsed": round(max(mine), 4) if mine else None,
            "tokens_fetched": run.tokens.fetches(target),
            "spec": str(fetch.saved_to) if fetch and fetch.saved_to else None,
            "spec_needed_token": fetch.needed_token if fetch else None,
        }
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.started)),
        "duration": round(time.time() - state.started, 3),
        "seed": run.seed,
        "fault": run.fault or None,
        "targets": per_target,
    }
