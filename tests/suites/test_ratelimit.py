"""The ratelimit suite: opt-in (nothing declared, nothing sent), passes on the reference that keeps the limit
it declares, stays within the requests it announces, and each seeded rate-limit fault is caught by the clause
that claims it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from destwatch.exit_codes import ExitCode
from destwatch.gate.summary import Summary
from destwatch.reference.model import REFERENCE
from kit.gates import CommandRun, run_gate_on_reference, served_reference

pytestmark = pytest.mark.slow

V1 = "productCatalog/v1"
V2 = "productCatalog/v2"
LIMIT = {"requests": 5, "per": "1s"}
# Announced before the run: three bursts of 6, one request after Retry-After and one of the second
# application (the embedded reference gives every protected version two); one burst of 6 token grants and
# the second application's one.
DATA, TOKENS = 20, 14
SECOND_APPLICATION = (
    "rate limit: a second application's token is not throttled by the first application's burst"
)


def _run(
    folder: Path,
    *,
    fault: str | None = None,
    declared: bool = True,
    suites: list[str] | None = None,
    targets: list[str] | None = None,
    **given: Any,
) -> Summary:
    """The ratelimit suite on productCatalog/v1 of the embedded reference keeping LIMIT (or, with
    `served_at`, of a reference a test serves); `given` goes to `run_gate_on_reference`."""
    limits = {"rate_limit": LIMIT, "token_rate_limit": LIMIT} if declared else {}
    return run_gate_on_reference(
        folder,
        suites=suites or ["ratelimit"],
        targets=targets or [V1],
        fault=fault,
        defaults={"max_rps": 1000.0, **limits},
        reference={"rate_limit": LIMIT},
        in_thread=not given.get("served_at"),
        **given,
    )


def test_the_reference_keeping_its_declared_limit_passes_within_the_announced_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = _run(tmp_path)
    (row,) = summary.rows
    assert (summary.exit_code, row.passed, row.failed) == (ExitCode.OK, 5, 0)
    assert (
        f"ratelimit: at most {DATA} data requests and {TOKENS} token requests to {V1}"
        in capsys.readouterr().out
    )
    # Besides the suite's own: the document (with a retry holding a token) and the run's one token.
    assert summary.targets[V1]["requests"] <= DATA + TOKENS + 3


def test_a_parallel_run_announces_each_versions_requests_once_before_sending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under pytest-xdist the workers collect, and no one reads their collection output: the gate says it.
    summary = _run(tmp_path, targets=[V1, V2], jobs=2)
    assert summary.exit_code == ExitCode.OK, summary.failures
    out = capsys.readouterr().out
    for version in (V1, V2):
        line = f"ratelimit: at most {DATA} data requests and {TOKENS} token requests to {version}"
        assert out.count(line) == 1, out[-2000:]
    assert out.index("ratelimit: at most") < out.index("passed")


def test_without_a_second_application_its_clause_is_not_collected_nor_announced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Credentials of its own in the version's table: the embedded reference then lends no second application.
    v1 = REFERENCE.versions()[0][1].applications[0]
    monkeypatch.setenv("DW_TEST_V1_SECRET", v1.client_secret)
    own = {V1: {"client_id": v1.client_id, "client_secret": "${DW_TEST_V1_SECRET}"}}
    summary = _run(tmp_path, version_tables=own)
    (row,) = summary.rows
    assert (summary.exit_code, row.passed, row.failed) == (ExitCode.OK, 4, 0)
    assert f"ratelimit: at most 13 data requests and 13 token requests to {V1}" in capsys.readouterr().out


def test_nothing_declared_nothing_is_collected_or_sent(tmp_path: Path) -> None:
    # Beside another suite its tests are simply absent (no run's counts change); alone, nothing was tested.
    summary = _run(tmp_path, declared=False, suites=["ratelimit", "smoke"])
    assert summary.exit_code == ExitCode.OK and [row.suite for row in summary.rows] == ["smoke"]
    alone = _run(tmp_path / "alone", declared=False)
    assert (alone.exit_code, alone.rows) == (ExitCode.USAGE, ())
    assert alone.targets[V1]["requests"] == 0


@pytest.mark.parametrize(
    ("fault", "clause"),
    [
        (
            "throttles-without-retry-after",
            "rate limit: a burst of 6 requests within 1 s gets a 429 with Retry-After",
        ),
        ("retry-after-too-short", "rate limit: a request sent once Retry-After has passed is answered"),
        (
            "retry-after-too-short",
            "token rate limit: a request sent once Retry-After has passed is answered",
        ),
        (
            "token-endpoint-never-throttles",
            "token rate limit: a burst of 6 token requests within 1 s gets a 429",
        ),
    ],
)
def test_each_fault_is_caught_by_its_clause_within_the_announced_requests(
    tmp_path: Path, fault: str, clause: str
) -> None:
    summary = _run(tmp_path, fault=fault)
    (row,) = summary.rows
    assert summary.exit_code == ExitCode.VIOLATIONS
    assert any(failure.message.startswith(clause) for failure in row.failures), row.failures
    # The second application's clause reads no Retry-After and no token limit: these faults leave it alone.
    assert not any(failure.message.startswith(SECOND_APPLICATION) for failure in row.failures)
    assert summary.targets[V1]["requests"] <= DATA + TOKENS + 3


def test_one_burst_throttling_every_token_fails_the_second_application_clause_alone_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Served as a real destination: the second application's secret comes from the environment
    # (`second_application = { client_id = ..., client_secret = "${...}" }`), as a user's would.
    with served_reference(fault="one-burst-throttles-every-token", rate_limit=[5, 1.0]) as url:
        summary = _run(tmp_path, served_at=url)
    (row,) = summary.rows
    (failure,) = row.failures
    assert (summary.exit_code, row.passed) == (ExitCode.VIOLATIONS, 4)
    assert failure.message.startswith(SECOND_APPLICATION)
    assert summary.targets[V1]["requests"] <= DATA + TOKENS + 3
    assert "answered 429, not 2xx" in failure.evidence["detail"]
    assert "authorization: bearer [redacted]" in failure.evidence["request"].lower()
    # The second application's token request is recorded (its secret could leak there), and nothing leaks.
    reports = tmp_path / "reports"
    assert "demo-second-client-v1" in (reports / "exchanges.jsonl").read_text(encoding="utf-8")
    run = CommandRun(summary.exit_code, capsys.readouterr().out, reports)
    assert run.leaks("demo-second-secret-v1", "demo-secret-v1") == []
