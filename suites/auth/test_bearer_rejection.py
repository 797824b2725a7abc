"""Bearer rejection: every operation of a protected version refuses every request without valid credentials.

Each operation (GET and POST of every endpoint) gets the real credential first, as a control, then each
forgery: no Authorization, an empty Bearer value, other schemes, a random string, the signature altered,
`alg: none`, the token in the query string, an expired token and the tokens of other versions whose grant
does not reach this one (`token_grant`; for OAuth2 tokens, another audience). Every one must get a status
from `auth_reject_statuses` (default 401, 403) and no `results`. A 401 without a `WWW-Authenticate`
challenge is a warning, or a failure under `rfc6750_strict = true`.
"""

from __future__ import annotations

import httpx
import pytest

from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.environment import Environment
from destwatch.failures import expect_or_warn, violation
from destwatch.gate import jwt_tamper
from destwatch.gate.authkit import AuthKit, Expiry, covers, declared_grant
from destwatch.tokens import Token

METHODS = ("GET", "POST")


def _foreign_tokens(target: VersionTarget, dw_run: Environment, auth: AuthKit) -> dict[str, str]:
    # A token of another version is a forgery here only where that version's grant says it does not reach
    # this one (an unset grant says nothing, so its tokens are left out).
    tokens = {}
    for other in dw_run.targets:
        grant = declared_grant(other) if other.protected and other.id != target.id else None
        if grant is None or covers(grant, other, target):
            continue
        answer = auth.grant(other).answer
        if isinstance(answer, Token):
            tokens[other.id] = answer.access_token
    return tokens


def _holds_results(response: httpx.Response) -> bool:
    body = json_or_none(response)
    return isinstance(body, dict) and "results" in body


@pytest.mark.protected_only
@pytest.mark.runs_last
@pytest.mark.parametrize("method", METHODS)
def test_requests_without_valid_credentials_are_rejected_without_results(
    target: VersionTarget,
    endpoint: str,
    method: str,
    dw_run: Environment,
    auth: AuthKit,
    expired_tokens: Expiry,
) -> None:
    path = f"/{endpoint}"
    grant = auth.grant(target)
    assert grant.response.status_code == 200, (
        f"grant answered {grant.response.status_code}: see the grant clause"
    )
    control = auth.data(target, method, path, headers=auth.bearer(grant.token))
    assert control.status_code == 200, (
        f"the real credential got {control.status_code} on {method} {path}, so rejections would prove "
        "nothing: see the fresh-token clause"
    )
    # A replay re-forges only the credentials its finding names, from its one fresh token.
    named = dw_run.replaying.forgeries if dw_run.replaying is not None else None
    expired = expired_tokens.get(target) if named is None or "expired" in named else None
    needs_foreign = named is None or any(name.startswith("foreign:") for name in named)
    probes = jwt_tamper.rejection_probes(
        grant.token,
        expired=expired.token if expired else None,
        foreign=_foreign_tokens(target, dw_run, auth) if needs_foreign else {},
    )
    if named is not None:
        probes = [probe for probe in probes if probe.name in named]
    accepted: list[tuple[str, httpx.Response]] = []
    unchallenged: list[tuple[str, httpx.Response]] = []
    for probe in probes:
        response = auth.data(target, method, path, headers=probe.headers, params=probe.params)
        if not auth.rejected(response, target) or _holds_results(response):
            accepted.append((probe.name, response))
        elif response.status_code == 401 and not response.headers.get("WWW-Authenticate", "").strip():
            unchallenged.append((probe.name, response))
    if accepted:
        raise violation(
            f"bearer: requests without valid credentials get {list(target.settings.auth_reject_statuses)} "
            "and no results",
            accepted[0][1],
            detail=f"{len(accepted)} of {len(probes)} forged credentials not rejected on {method} {path}",
            counterexample=[f"{name} -> {response.status_code}" for name, response in accepted],
        )
    if unchallenged:
        names = ", ".join(name for name, _ in unchallenged)
        found = violation(
            "bearer: a 401 carries a WWW-Authenticate challenge (RFC 6750 section 3)",
            unchallenged[0][1],
            counterexample=f"{method} {path}: 401 without it for {names}",
        )
        expect_or_warn(
            found, rule=target.settings.rfc6750_strict, setting="rfc6750_strict = true", target=target
        )


@pytest.mark.parametrize("method", METHODS)
def test_unprotected_version_answers_without_credentials(
    target: VersionTarget, endpoint: str, method: str, auth: AuthKit
) -> None:
    if target.protected:
        pytest.skip(f"{target.id} is protected: the rejection clause covers it")
    response = auth.data(target, method, f"/{endpoint}", headers={})
    body = json_or_none(response)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise violation(
            "bearer: an unprotected version answers requests that carry no credentials",
            response,
            counterexample=f"{method} /{endpoint} without Authorization -> {response.status_code}",
        )
