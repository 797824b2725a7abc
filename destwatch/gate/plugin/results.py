"""From pytest's reports to destwatch's results: what each test item was about and how it ended.

Each report carries its destwatch facts in `user_properties` (set where the item is at hand), so results
can be recorded from reports alone: under pytest-xdist the controller sees reports, never items.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from destwatch.config import VersionTarget
from destwatch.consumers.model import ConsumerQuery
from destwatch.errors import DestwatchError, DocumentError, TargetUnreachable, TokenError
from destwatch.failures import ContractViolation, answer_digest
from destwatch.gate.findings import identity, parse_curl
from destwatch.gate.summary import ItemResult
from destwatch.gate.terminal import warning_line
from destwatch.http import request_key, token_request_key
from destwatch.notices import ContractWarning, Notices
from destwatch.redact import redact

__all__ = [
    "FAILURE_KIND",
    "NOTICES",
    "NOT_RUN",
    "SKIP_KIND",
    "Results",
    "describe",
    "param",
    "suite_of",
    "violations",
]

# Why an item failed, when destwatch failed it itself (the exception is then pytest's `Failed`).
FAILURE_KIND = pytest.StashKey[str]()
# Why a rule was not checked ("not-applicable" or "budget"), when a `NotChecked` skipped it, or that the
# test could not run at all (`NOT_RUN`: its version unreachable, or out of time).
SKIP_KIND = pytest.StashKey[str]()
NOT_RUN = "not-run"
# The warnings and notes the test recorded while it ran.
NOTICES = pytest.StashKey[Notices]()
# The report attribute that carries an item's facts: pytest-xdist sends a report's attributes to the
# controller, and unlike `user_properties` they stay out of junit.xml.
_FACTS = "destwatch"


def param(item: pytest.Item, name: str) -> Any:
    """A parameter of a parametrized item (`target`, `endpoint`), or None."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(name) if callspec is not None else None


def suite_of(item: pytest.Item) -> str:
    """The suite an item belongs to: its `suite` marker, else the folder its module lives in."""
    marker = item.get_closest_marker("suite")
    if marker and marker.args:
        return str(marker.args[0])
    return item.path.parent.name


def describe(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Attach what destwatch needs to know about `report` to the report itself."""
    target = param(item, "target")
    if not isinstance(target, VersionTarget):
        return
    suite = suite_of(item)
    facts: dict[str, Any] = {
        "destination": target.destination,
        "version": target.version,
        "suite": suite,
        # The same name whether the suites run from a checkout or from site-packages.
        "test": f"{suite}/{item.path.name}::{item.name}",
    }
    query = param(item, "query")
    if isinstance(query, ConsumerQuery):
        facts["consumer"], facts["query"] = query.consumer, query.name
        if report.when == "setup":
            # JUnit readers group by properties: whose query the test sent.
            item.user_properties += [("consumer", query.consumer), ("consumer_query", query.name)]
    recorded = item.stash.get(NOTICES, None)
    if report.failed:
        facts["kind"], facts["message"] = _failure(item, call)
        found = violations(call.excinfo.value) if call.excinfo is not None else []
        if found:
            facts["evidence"] = _evidence(found[0])
        if facts["kind"] == "violation":
            first = found[0] if found else None
            facts.setdefault("evidence", {}).update(identity(target.id, facts["message"], first))
            facts["evidence"]["requests"] = _relied_on(target, recorded)
            if (sent := parse_curl(first.request) if first is not None else None) is not None:
                facts["evidence"]["request_key"] = list(request_key(target, sent.method, sent.url, sent.body))
                facts["evidence"]["answer_digest"] = answer_digest(first.status, first.response_body)
            item.user_properties.append(("fingerprint", facts["evidence"]["fingerprint"]))
    elif report.skipped:
        facts["skip_kind"] = item.stash.get(SKIP_KIND, "not-applicable")
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        facts["message"] = _first_line(reason.removeprefix("Skipped: "))
    facts["coverage"] = _coverage(item, report, recorded, facts.get("message", ""))
    if report.when == "call" and recorded is not None:
        facts["warnings"] = [_warning(target.id, suite, facts["test"], found) for found in recorded.warnings]
        facts["notes"] = [{"target": found.target, "text": redact(found.text)} for found in recorded.notes]
        # JUnit readers show properties: the version, and each warning in words.
        item.user_properties.append(("target", target.id))
        for warning in facts["warnings"]:
            item.user_properties.append(("warning", warning_line(warning)))
    setattr(report, _FACTS, facts)


@dataclass(eq=False)
class Results:
    """The outcome of every item that ran, by node id, built from reports only."""

    items: dict[str, ItemResult] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    # Setup times of the tests that are set up but have not run yet.
    _set_up: dict[str, float] = field(default_factory=dict)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(report.nodeid)

    def record(self, report: pytest.TestReport) -> None:
        facts = getattr(report, _FACTS, None)
        if facts is None:
            return
        if report.when == "setup" and report.passed:
            # Counted once its test has run, as pytest counts it: a run stopped in the middle of a test
            # must not count that test as passed.
            self._set_up[report.nodeid] = report.duration
            return
        result = self.items.get(report.nodeid)
        if result is None:
            result = self.items[report.nodeid] = ItemResult(
                nodeid=facts["test"],
                destination=facts["destination"],
                version=facts["version"],
                suite=facts["suite"],
                consumer=facts.get("consumer", ""),
                query=facts.get("query", ""),
                duration=self._set_up.pop(report.nodeid, 0.0),
            )
        result.duration += report.duration
        result.coverage += facts.get("coverage", [])
        result.warnings += facts.get("warnings", [])
        result.notes += facts.get("notes", [])
        if report.failed and result.outcome != "failed":
            result.outcome, result.kind, result.message = "failed", facts["kind"], facts["message"]
            result.evidence = facts.get("evidence", {})
        elif report.skipped and result.outcome != "failed":
            result.message = facts["message"]
            if facts["skip_kind"] == NOT_RUN:
                result.outcome = "not_run"
            else:
                result.outcome, result.skip_kind = "skipped", facts["skip_kind"]

    def failure_kinds(self) -> set[str]:
        return {result.kind for result in self.items.values() if result.outcome == "failed"}

    def not_run(self) -> bool:
        return any(result.outcome == "not_run" for result in self.items.values())


def violations(exc: BaseException) -> list[ContractViolation]:
    """Every contract violation in `exc` (Hypothesis and Schemathesis group them)."""
    if isinstance(exc, ContractViolation):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        return [found for inner in exc.exceptions for found in violations(inner)]
    return []


def _coverage(
    item: pytest.Item, report: pytest.TestReport, recorded: Notices | None, message: str
) -> list[list[str]]:
    """The test's coverage rows (`ItemResult.coverage`): its evidence when it did not fail (a failing check
    proves nothing), and for a test of a kind (`covers` marker) that skipped or failed, why."""
    rows: list[list[str]] = []
    if report.when == "call" and recorded is not None and not report.failed:
        rows += [[*key, *found] for key, found in recorded.evidence.items()]
    marker = item.get_closest_marker("covers")
    target, endpoint = param(item, "target"), param(item, "endpoint")
    if marker and isinstance(endpoint, str) and (report.failed or report.skipped):
        level = "failed" if report.failed else "skipped"
        rows.append([target.id, endpoint, str(marker.args[0]), "", level, redact(message)])
    return rows


def _warning(target: str, suite: str, test: str, found: ContractWarning) -> dict[str, Any]:
    """A warning as the reports carry it; its id is the same in every run that finds the same thing."""
    digest = hashlib.sha1(f"{target}|{test}|{found.clause}".encode()).hexdigest()[:8]
    return {
        "id": f"W{digest}",
        "target": target,
        "suite": suite,
        "test": test,
        "clause": redact(found.clause),
        "setting": found.setting,
        "evidence": {key: _redacted(value) for key, value in found.evidence().items()},
    }


def _redacted(value: Any) -> Any:
    return [redact(line) for line in value] if isinstance(value, list) else redact(value)


def _relied_on(target: VersionTarget, recorded: Notices | None) -> list[list[str]]:
    """Every request a failed test relied on (`notices.used`), after what its items were collected with:
    the version's document, and its token when protected (a document may need one). What a replay of the
    finding may send."""
    setup = [request_key(target, "GET", target.openapi_url, None)]
    setup += [token_request_key(target)] if target.protected else []
    found = [*setup, *(recorded.requests if recorded is not None else ())]
    return [list(key) for key in dict.fromkeys(found)]


def _evidence(found: ContractViolation) -> dict[str, Any]:
    """What the gate's page shows of a violation besides its clause (each already redacted)."""
    evidence: dict[str, Any] = {"detail": found.detail, "rule": found.rule, "request": found.request}
    evidence["counterexample"] = list(found.counterexample)
    return {key: value for key, value in evidence.items() if value}


def _failure(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[str, str]:
    """The kind of a failure (violation, unreachable or error) and its first line."""
    excinfo = call.excinfo
    if excinfo is None:
        return "error", "failed"
    kind = item.stash.get(FAILURE_KIND, None)
    if kind is not None:
        return kind, _first_line(str(excinfo.value))
    found = violations(excinfo.value)
    if found:
        return "violation", _first_line(found[0].clause)
    if isinstance(excinfo.value, AssertionError):
        # A plain `assert` in a suite states a clause too.
        return "violation", _first_line(excinfo.exconly())
    if isinstance(excinfo.value, TargetUnreachable):
        return "unreachable", _first_line(str(excinfo.value))
    if isinstance(excinfo.value, TokenError | DocumentError):
        # The destination's token endpoint or document answered something unusable: its contract broke.
        return "violation", _first_line(f"{type(excinfo.value).__name__}: {excinfo.value}")
    if isinstance(excinfo.value, DestwatchError):
        return "error", _first_line(f"{type(excinfo.value).__name__}: {excinfo.value}")
    return "error", _first_line(excinfo.exconly())


def _first_line(text: str) -> str:
    lines = [line for line in redact(text).splitlines() if line.strip()]
    return lines[0].strip() if lines else ""
