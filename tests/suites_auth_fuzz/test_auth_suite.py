"""The auth suite passes on the clean reference destination and fails on every fault it must catch.

Tokens live 2 s here (`[reference] token_ttl`, with the matching documented `token_lifetime`), so the
expiry clause really waits a token out instead of skipping.
"""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.reference import FAULTS

# `run_suite` (tests/suites_auth_fuzz/conftest.py) runs `destwatch run` in a subprocess.
RunSuite = Any

SHORT_TOKENS = {"token_lifetime": 2, "expiry_wait_budget": 5.0}
SHORT_TTL = {"token_ttl": 2}


def _run(run_suite: RunSuite, fault: str | None = None, *, strict: bool = False) -> Any:
    defaults = {**SHORT_TOKENS, "rfc6750_strict": strict}
    return run_suite("auth", fault=fault, defaults=defaults, reference=SHORT_TTL)


def test_clean_reference_passes_the_auth_suite_including_a_real_expiry(run_suite: RunSuite) -> None:
    run = _run(run_suite)
    assert run.code == 0, run.output
    assert run.summary["totals"]["failed"] == 0
    assert "MissingChallengeWarning" not in run.output
    expiry = {
        name: outcome
        for name, outcome in run.outcomes().items()
        if name.startswith("test_token_is_rejected_once_its_lifetime_has_passed[productCatalog/")
    }
    assert sorted(expiry) == [
        f"test_token_is_rejected_once_its_lifetime_has_passed[productCatalog/{v}]" for v in ("v1", "v2", "v3")
    ]
    assert set(expiry.values()) == {"passed"}, "the expiry clause must wait tokens out, not skip"


# fault -> (a failing test must contain, its message must contain, the output must contain)
CAUGHT = {
    "expired-token-accepted": (
        "test_token_is_rejected_once_its_lifetime_has_passed",
        "token: tokens are rejected once their expiresIn has passed",
        "-> 200",
    ),
    "post-skips-auth": (
        "test_requests_without_valid_credentials_are_rejected_without_results",
        "bearer: requests without valid credentials get [401, 403] and no results",
        "no-authorization -> 200",
    ),
    "alg-none-accepted": (
        "test_requests_without_valid_credentials_are_rejected_without_results",
        "bearer: requests without valid credentials get [401, 403] and no results",
        "alg-none -> 200",
    ),
    "foreign-token-accepted": (
        "test_token_reaches_exactly_the_versions_its_grant_covers",
        'token: a token is rejected by every version outside its grant (token_grant = "version")',
        "foreign:productCatalog/",
    ),
    "token-lifetime-mismatch": (
        "test_jwt_exp_minus_iat_equals_expires_in_and_exp_lies_ahead",
        "token: a JWT's exp - iat equals expiresIn and exp lies in the future",
        "exp - iat = 600 s, expiresIn = 2 s",
    ),
    "token-500-on-bad-body": (
        "test_bad_token_request_gets_a_4xx_without_a_token",
        "token: bad credentials and malformed bodies get a 4xx (never a 5xx) and no tokens",
        "wrong encoding (a body that is not JSON) -> 500",
    ),
}


@pytest.mark.parametrize("fault", list(CAUGHT))
def test_auth_suite_fails_on_its_fault_naming_the_clause(run_suite: RunSuite, fault: str) -> None:
    test_part, clause, evidence = CAUGHT[fault]
    run = _run(run_suite, fault)
    assert run.code == 1, run.output
    failures = run.failures()
    assert any(test_part in f["test"] and f["message"] == clause for f in failures), failures
    assert evidence in run.output
    leaks = run.leaks("demo-secret-v1", "demo-secret-v2", "demo-secret-v3")
    assert not leaks, "a secret or a JWT leaked into the output or the reports"


def test_missing_www_authenticate_is_a_warning_by_default(run_suite: RunSuite) -> None:
    run = _run(run_suite, "missing-www-authenticate")
    assert run.code == 0, run.output
    assert "MissingChallengeWarning" in run.output
    assert "a 401 carries a WWW-Authenticate challenge (RFC 6750 section 3)" in run.output


def test_missing_www_authenticate_fails_when_rfc6750_strict(run_suite: RunSuite) -> None:
    run = _run(run_suite, "missing-www-authenticate", strict=True)
    assert run.code == 1, run.output
    messages = {f["message"] for f in run.failures()}
    assert messages == {"bearer: a 401 carries a WWW-Authenticate challenge (RFC 6750 section 3)"}


def test_every_fault_aimed_at_the_auth_suite_is_proven_caught_here() -> None:
    aimed = {name for name, fault in FAULTS.items() if "auth" in fault.targets}
    assert aimed == set(CAUGHT) | {"missing-www-authenticate"}
