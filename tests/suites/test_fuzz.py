"""The fuzz suite passes on the clean reference destination and fails on every fault it must catch."""

from __future__ import annotations

import time
from typing import Any

import pytest

from destwatch.reference import FAULTS

# `run_suite` (tests/suites/conftest.py) runs `destwatch run` in a subprocess.
RunSuite = Any

# Small enough for a 2-core CI box; the coverage phase adds its deterministic cases on top.
FAST = {"examples": 5}


@pytest.mark.slow
def test_clean_reference_passes_the_fuzz_suite_on_every_version(run_suite: RunSuite) -> None:
    run = run_suite("fuzz", defaults=FAST)
    assert run.code == 0, run.output
    summary = run.summary
    assert summary.totals["failed"] == 0
    # 12 operations and 4 documents x 4 clauses pass; 4 stateful items skip (the documents have no links).
    totals = summary.totals
    assert (totals["passed"], totals["failed"], totals["skipped"]) == (12 + 16, 0, 4), totals
    assert "productCatalog/v1 20261128" in run.output, "the seed is printed so the run can be replayed"
    assert summary.targets["productCatalog/v1"]["fuzz_seed"] == 20261128
    # Hypothesis's storage lives in the user's cache, not in the folder the gate ran in.
    assert not (run.reports.parent / ".hypothesis").exists()
    # The fuzzer's own traffic is counted and recorded like every other request destwatch sends.
    for target, info in summary.targets.items():
        assert info["requests"] > 50, (target, info)
    fuzzed = (run.reports / "exchanges.jsonl").read_text().count('"target": "productCatalog/v2"')
    assert fuzzed == summary.targets["productCatalog/v2"]["requests"]


@pytest.mark.slow
def test_fuzz_and_auth_pass_together_while_two_second_tokens_keep_expiring(run_suite: RunSuite) -> None:
    # Fuzzing outlives many tokens here: each is replaced before it dies, and none is refused.
    run = run_suite(
        "fuzz",
        "auth",
        defaults={**FAST, "token_lifetime": 2, "expiry_wait_budget": 5.0},
        reference={"token_ttl": 2},
        targets=("productCatalog",),
    )
    assert run.code == 0, run.output
    assert run.summary.totals["failed"] == 0
    assert "Current credentials refused" not in run.output


@pytest.mark.parametrize("seed", [1, 987654321])
@pytest.mark.slow
def test_clean_reference_passes_the_fuzz_suite_whatever_the_seed(run_suite: RunSuite, seed: int) -> None:
    # v2 has the most operations (products and variants); the full matrix runs with the default seed above.
    run = run_suite("fuzz", seed=seed, defaults=FAST, targets=("productCatalog/v2",))
    assert run.code == 0, run.output
    assert run.summary.totals["failed"] == 0
    assert run.summary.seed == seed
    assert f"productCatalog/v2 {seed}" in run.output


# fault -> (targets to run, a failing test must contain, its message must contain)
CAUGHT = {
    "server-error-on-top-zero": (("productCatalog/v1",), "/products-", "ST101 Server error"),
    "post-skips-auth": (("productCatalog/v1",), "/products-POST", "accepts requests without authentication"),
    "slow-responses": (("productCatalog/v1",), "/products-", "Response time limit exceeded"),
    "envelope-missing-language": (
        ("productCatalog/v1",),
        "/products-",
        "Envelope is not {language, results}",
    ),
    "openapi-requires-token": (
        ("productCatalog/v1",),
        "test_document_is_served_without_a_token",
        "openapi: the document is served at {base}/openapi without a token",
    ),
}


@pytest.mark.parametrize("fault", list(CAUGHT))
@pytest.mark.slow
def test_fuzz_suite_fails_on_its_fault_naming_the_clause(run_suite: RunSuite, fault: str) -> None:
    targets, test_part, clause = CAUGHT[fault]
    run = run_suite("fuzz", fault=fault, defaults=FAST, targets=targets)
    assert run.code == 1, run.output
    failures = run.failures
    assert any(test_part in f.test and clause in f.message for f in failures), failures
    assert clause in run.output


@pytest.mark.slow
def test_schema_drift_fails_only_the_drifting_operations_with_a_redacted_curl(run_suite: RunSuite) -> None:
    run = run_suite("fuzz", fault="schema-drift-v2", defaults=FAST, targets=("productCatalog",))
    assert run.code == 1, run.output
    failures = run.failures
    assert failures, run.output
    for failure in failures:
        assert "productCatalog/v2/products-" in failure.test, failures
        assert "ST108 Response violates schema" in failure.message, failures
    assert "curl -X" in run.output
    assert "Authorization: [Filtered]" in run.output
    assert not run.leaks("demo-secret-v2"), "a secret or a JWT leaked into the output or the reports"


@pytest.mark.slow
def test_destination_that_stops_answering_is_unreachable_after_a_few_requests(run_suite: RunSuite) -> None:
    started = time.monotonic()
    run = run_suite("fuzz", fault="hang", defaults={**FAST, "timeout": 1.0}, targets=("productCatalog/v1",))
    assert run.code == 3, run.output
    # Not a failure of any clause: the version's tests could not run, for one reason said once.
    assert run.failures == []
    (unreachable,) = run.summary.unreachable
    assert unreachable.target == "productCatalog/v1"
    assert unreachable.reason.startswith("productCatalog/v1: no answer within 1 s")
    assert unreachable.tests_not_run == run.summary.totals["not_run"] >= 2
    # One timeout per operation at most, and none once the version stopped answering: not one per case.
    assert time.monotonic() - started < 30


def test_every_fault_aimed_at_the_fuzz_suite_is_proven_caught_here() -> None:
    aimed = {name for name, fault in FAULTS.items() if "fuzz" in fault.targets}
    assert aimed == set(CAUGHT) | {"schema-drift-v2"}
