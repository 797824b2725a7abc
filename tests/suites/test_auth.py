"""The auth suite passes on the clean reference destination and fails on every fault it must catch, in
both token flows (the reference's productCatalog v3 uses OAuth2), and holds a token to what its declared
grant promises.

Tokens live 2 s here (`[reference] token_ttl`, with the matching documented `token_lifetime`), so the
expiry clause really waits a token out instead of skipping.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from destwatch.reference import FAULTS

# `run_suite` (tests/suites/conftest.py) runs `destwatch run` in a subprocess.
RunSuite = Any

SHORT_TOKENS = {"token_lifetime": 2, "expiry_wait_budget": 5.0}
SHORT_TTL = {"token_ttl": 2}


def _run(run_suite: RunSuite, fault: str | None = None, *, strict: bool = False) -> Any:
    defaults = {**SHORT_TOKENS, "rfc6750_strict": strict}
    return run_suite("auth", fault=fault, defaults=defaults, reference=SHORT_TTL)


@pytest.mark.slow
def test_clean_reference_passes_the_auth_suite_including_a_real_expiry(run_suite: RunSuite) -> None:
    run = _run(run_suite)
    assert run.code == 0, run.output
    assert run.summary.totals["failed"] == 0
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
    # v3 is the OAuth2 version: every auth clause ran on it, with tokens from the authorization server only.
    v3 = [
        outcome
        for name, outcome in run.outcomes().items()
        if "[productCatalog/v3" in name and not name.startswith("test_unprotected_")
    ]
    assert len(v3) >= 15 and set(v3) == {"passed"}
    exchanges = [json.loads(line) for line in (run.reports / "exchanges.jsonl").read_text().splitlines()]
    asked = {
        e["url"].split("/", 3)[-1]
        for e in exchanges
        if e["target"] == "productCatalog/v3" and e["method"] == "POST" and e["url"].endswith("/token")
    }
    assert asked == {"oauth2/token"}
    assert run.summary.targets["productCatalog/v3"]["auth_grants"] >= 10


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
    # The OAuth2 faults, caught on productCatalog v3.
    "audience-unchecked": (
        "test_token_reaches_exactly_the_versions_its_grant_covers[productCatalog/v3]",
        'token: a token is rejected by every version outside its grant (token_grant = "version")',
        "the token's audience is 3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c03, not productCatalog/v1's",
    ),
    "expired-oauth-token-accepted": (
        "test_token_is_rejected_once_its_lifetime_has_passed[productCatalog/v3]",
        "token: tokens are rejected once their expires_in has passed",
        "once expires_in had passed -> 200",
    ),
    "invalid-client-500": (
        "test_bad_token_request_gets_a_4xx_without_a_token[productCatalog/v3",
        "token: bad client credentials get a 4xx and invalid_client (RFC 6749 section 5.2)",
        "wrong secret (a wrong client_secret) -> 500",
    ),
    "expires-in-beyond-exp": (
        "test_jwt_exp_minus_iat_equals_expires_in_and_exp_lies_ahead[productCatalog/v3]",
        "token: a JWT's exp - iat equals expires_in and exp lies in the future",
        "exp - iat = 2 s, expires_in = 4 s",
    ),
}


@pytest.mark.parametrize("fault", list(CAUGHT))
@pytest.mark.slow
def test_auth_suite_fails_on_its_fault_naming_the_clause(run_suite: RunSuite, fault: str) -> None:
    test_part, clause, evidence = CAUGHT[fault]
    run = _run(run_suite, fault)
    assert run.code == 1, run.output
    failures = run.failures
    assert any(test_part in f.test and f.message == clause for f in failures), failures
    assert evidence in run.output
    leaks = run.leaks("demo-secret-v1", "demo-secret-v2", "demo-secret-v3", "demo-oauth-secret-v3")
    assert not leaks, "a secret or a JWT leaked into the output or the reports"


@pytest.mark.slow
def test_missing_www_authenticate_is_a_warning_by_default(run_suite: RunSuite) -> None:
    run = _run(run_suite, "missing-www-authenticate")
    assert run.code == 0, run.output
    warned = {(w["clause"], w["setting"]) for w in run.summary.warnings}
    assert warned == {
        ("bearer: a 401 carries a WWW-Authenticate challenge (RFC 6750 section 3)", "rfc6750_strict = true")
    }


@pytest.mark.slow
def test_missing_www_authenticate_fails_when_rfc6750_strict(run_suite: RunSuite) -> None:
    run = _run(run_suite, "missing-www-authenticate", strict=True)
    assert run.code == 1, run.output
    messages = {f.message for f in run.failures}
    assert messages == {"bearer: a 401 carries a WWW-Authenticate challenge (RFC 6750 section 3)"}


def test_every_fault_aimed_at_the_auth_suite_is_proven_caught_here() -> None:
    aimed = {name for name, fault in FAULTS.items() if "auth" in fault.targets}
    assert aimed == set(CAUGHT) | {"missing-www-authenticate"}


# Both catalogue versions the auth suite asks with one OAuth2 application: granted every version of
# productCatalog (`demo-oauth-catalog`), or every protected version (`demo-oauth-tenant`).
_GRANTED = {
    "destination": ("demo-oauth-catalog", "demo-oauth-secret-catalog"),
    "tenant": ("demo-oauth-tenant", "demo-oauth-secret-tenant"),
    "version": ("demo-oauth-v3", "demo-oauth-secret-v3"),
}
_WORKS = 'token: a token works on every version its grant covers (token_grant = "{}")'
_REFUSED = 'token: a token is rejected by every version outside its grant (token_grant = "{}")'


@pytest.mark.parametrize(
    ("application", "declared", "failure"),
    [
        ("destination", "destination", None),
        ("tenant", "tenant", None),
        # The destination really shares its tokens, the target says they are version-bound: a leak.
        ("destination", "version", _REFUSED.format("version")),
        # The target promises consumers one token for the destination, the destination keeps it to v3.
        ("version", "destination", _WORKS.format("destination")),
    ],
    ids=["destination-grant", "tenant-grant", "wider-than-declared", "narrower-than-declared"],
)
@pytest.mark.slow
def test_the_cross_version_clause_holds_a_token_to_its_declared_grant(
    run_suite: RunSuite,
    monkeypatch: pytest.MonkeyPatch,
    application: str,
    declared: str,
    failure: str | None,
) -> None:
    client_id, secret = _GRANTED[application]
    monkeypatch.setenv("DW_AUTH_GRANT_SECRET", secret)
    shared = {
        "token_flow": "oauth2",
        "client_id": client_id,
        "client_secret": "${DW_AUTH_GRANT_SECRET}",
        "token_grant": declared,
    }
    versions = ("productCatalog/v2", "productCatalog/v3")
    run = run_suite(
        "auth",
        defaults=SHORT_TOKENS,
        reference=SHORT_TTL,
        version_tables=dict.fromkeys(versions if application != "version" else versions[1:], shared),
        pytest_args=("-k", "reaches_exactly"),
    )
    outcomes = run.outcomes()
    reach = {name: outcome for name, outcome in outcomes.items() if "productCatalog/v3" in name}
    if failure is None:
        assert run.code == 0, run.output
        assert set(reach.values()) == {"passed"} and reach, outcomes
    else:
        assert run.code == 1, run.output
        assert [f.message for f in run.failures if "productCatalog/v3" in f.test] == [failure]
    assert not run.leaks(secret)
