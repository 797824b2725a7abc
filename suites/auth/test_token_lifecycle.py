"""The token lifecycle of each protected version: grant, use, refusal of bad requests, expiry, isolation.

`POST {token_url}` with `{"clientId", "clientSecret"}` answers `accessToken` and `expiresIn` [doc][code];
the lifetime is 60 minutes unless the target says otherwise (`token_lifetime`). Bad requests get a 4xx
without a token and a token is only good on its own version [ours, unless `shared_applications`].
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from destwatch import jwt_tamper
from destwatch.authkit import AuthKit, Expiry
from destwatch.config import VersionTarget
from destwatch.failures import NotChecked, expect_or_warn, violation
from destwatch.run import Run

pytestmark = pytest.mark.protected_only

# Seconds our clock and the destination's may disagree on `iat`/`exp` before that counts as wrong.
CLOCK_SKEW = 60
_JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.")


def test_valid_credentials_get_200_a_token_and_the_documented_expires_in(
    target: VersionTarget, auth: AuthKit
) -> None:
    grant = auth.grant(target)
    clause = "token: valid credentials get 200, a non-empty accessToken, expiresIn = the documented lifetime"
    if grant.response.status_code != 200:
        raise violation(clause, grant.response, detail=f"expected 200, got {grant.response.status_code}")
    body = grant.body
    if not isinstance(body, dict) or not isinstance(body.get("accessToken"), str) or not body["accessToken"]:
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise violation(clause, grant.response, detail=f"no non-empty string accessToken (body keys: {keys})")
    expires_in = body.get("expiresIn")
    lifetime = target.settings.token_lifetime
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in != lifetime:
        raise violation(
            clause,
            grant.response,
            detail=f"expiresIn should be the number {lifetime} (token_lifetime)",
            counterexample=f"expiresIn = {expires_in!r}",
        )


def test_jwt_exp_minus_iat_equals_expires_in_and_exp_lies_ahead(target: VersionTarget, auth: AuthKit) -> None:
    grant = auth.grant(target)
    assert grant.response.status_code == 200, (
        f"grant answered {grant.response.status_code}: see the grant clause"
    )
    token, expires_in = grant.token, grant.body["expiresIn"]
    if not jwt_tamper.is_jwt(token):
        pytest.skip(f"{target.id}: the accessToken is opaque (not a JWT), its claims cannot be compared")
    claims = jwt_tamper.claims(token)
    clause = "token: a JWT's exp - iat equals expiresIn and exp lies in the future"
    if not isinstance(claims.get("exp"), int | float) or not isinstance(claims.get("iat"), int | float):
        missing = f"claims without numeric exp/iat: {sorted(claims)}"
        raise violation(clause, grant.response, counterexample=missing)
    lived = claims["exp"] - claims["iat"]
    if abs(lived - expires_in) > 1:
        raise violation(
            clause, grant.response, counterexample=f"exp - iat = {lived} s, expiresIn = {expires_in} s"
        )
    now = time.time()
    if not now - CLOCK_SKEW < claims["exp"] <= now + expires_in + CLOCK_SKEW:
        raise violation(
            clause,
            grant.response,
            detail=f"exp must lie within ({CLOCK_SKEW} s skew) now .. now + expiresIn",
            counterexample=f"exp - now = {claims['exp'] - now:.0f} s, expiresIn = {expires_in} s",
        )


def test_fresh_token_works_at_once_on_every_endpoint_for_get_and_post_and_again_later(
    target: VersionTarget, endpoint: str, auth: AuthKit
) -> None:
    grant = auth.grant(target)
    assert grant.response.status_code == 200, (
        f"grant answered {grant.response.status_code}: see the grant clause"
    )
    for attempt in ("at once", "again later"):
        for method in ("GET", "POST"):
            response = auth.data(target, method, f"/{endpoint}", headers=auth.bearer(grant.token))
            if response.status_code != 200:
                raise violation(
                    "token: fresh tokens work at once on every endpoint, GET and POST, and keep working",
                    response,
                    counterexample=f"{method} /{endpoint} {attempt} -> {response.status_code}",
                )


BadRequest = Callable[[Any, Any], dict[str, Any]]


def _json(build: Callable[[dict[str, str]], Any]) -> BadRequest:
    return lambda auth, target: {"json": build(auth.credentials(target))}


def _raw(content: bytes) -> BadRequest:
    return lambda auth, target: {"content": content, "headers": {"Content-Type": "application/json"}}


def _unknown_destination(auth: AuthKit, target: VersionTarget) -> dict[str, Any]:
    url = auth.token_url(target, destination_id=str(uuid.uuid4()))
    return {"json": auth.credentials(target), "url": url}


BAD_TOKEN_REQUESTS: dict[str, BadRequest] = {
    "wrong secret": _json(lambda c: {**c, "clientSecret": f"wrong-{uuid.uuid4().hex}"}),
    "unknown client id": _json(lambda c: {**c, "clientId": f"unknown-{uuid.uuid4().hex}"}),
    "unknown destination id": _unknown_destination,
    "missing clientSecret": _json(lambda c: {"clientId": c["clientId"]}),
    "missing clientId": _json(lambda c: {"clientSecret": c["clientSecret"]}),
    "wrong types": _json(lambda c: {"clientId": 12345, "clientSecret": [c["clientSecret"]]}),
    "not JSON": _raw(b"clientId=demo&clientSecret=demo"),
    "empty body": _raw(b""),
}


@pytest.mark.parametrize("bad_request", list(BAD_TOKEN_REQUESTS))
def test_bad_token_request_gets_a_4xx_without_a_token(
    target: VersionTarget, auth: AuthKit, bad_request: str
) -> None:
    setting = target.settings.token_errors_are_4xx
    if setting is False:
        raise NotChecked(f"{target.id}: token_errors_are_4xx = false")
    grant = auth.grant(target, **BAD_TOKEN_REQUESTS[bad_request](auth, target))
    status, text = grant.response.status_code, grant.response.text
    leaked = "accessToken" in text or _JWT_SHAPED.search(text) is not None
    if leaked:
        raise violation(
            "token: a refused token request hands out no token",
            grant.response,
            detail="the body holds credentials: an accessToken, or a JWT",
            counterexample=f"{bad_request} -> {status}",
        )
    if not 400 <= status < 500:
        found = violation(
            "token: bad credentials and malformed bodies get a 4xx (never a 5xx) and no tokens",
            grant.response,
            detail=f"expected a 4xx, got {status}",
            counterexample=f"{bad_request} -> {status}",
        )
        # Occtoo does not publish its token endpoint's error statuses: a 4xx is our expectation.
        expect_or_warn(found, rule=bool(setting), setting="token_errors_are_4xx = true")


@pytest.mark.runs_last
def test_token_is_rejected_once_its_lifetime_has_passed(
    target: VersionTarget, auth: AuthKit, expired_tokens: Expiry
) -> None:
    expired = expired_tokens.get(target)
    if expired is None:
        pytest.skip(expired_tokens.reason(target))
    assert expired.fresh_response.status_code == 200, (
        f"refused while fresh ({expired.fresh_response.status_code}), so a refusal after expiry "
        "proves nothing: see the fresh-token clause"
    )
    path = auth.paths(target)[0]
    for method in ("GET", "POST"):
        response = auth.data(target, method, path, headers=auth.bearer(expired.token))
        if not auth.rejected(response, target):
            raise violation(
                "token: tokens are rejected once their expiresIn has passed",
                response,
                detail=f"expected one of {list(target.settings.auth_reject_statuses)}",
                counterexample=f"{method} {path} once expiresIn had passed -> {response.status_code}",
            )


def test_token_is_rejected_by_every_other_protected_version(
    target: VersionTarget, dw_run: Run, auth: AuthKit
) -> None:
    if target.settings.shared_applications:
        raise NotChecked(f"{target.id}: shared_applications = true, tokens may work across versions")
    others = [other for other in dw_run.targets if other.protected and other.id != target.id]
    if not others:
        pytest.skip(f"{target.id}: no other protected version in this run")
    # A fresh grant, shown to work at home first: an expired token would be rejected everywhere anyway.
    grant = auth.grant(target)
    assert grant.response.status_code == 200, (
        f"grant answered {grant.response.status_code}: see the grant clause"
    )
    token = grant.token
    home = auth.paths(target)[0]
    control = auth.data(target, "GET", home, headers=auth.bearer(token))
    assert control.status_code == 200, (
        f"refused on its own version ({control.status_code}): see the fresh-token clause"
    )
    for other in others:
        path = auth.paths(other)[0]
        for method in ("GET", "POST"):
            response = auth.data(other, method, path, headers=auth.bearer(token))
            if not auth.rejected(response, other):
                found = violation(
                    "token: tokens of one destination version are rejected by every other version",
                    response,
                    counterexample=f"{target.id} token: {method} {other.id}{path} -> {response.status_code}",
                )
                # Our expectation: Occtoo does not say whether a token of one version works on another.
                rule = target.settings.shared_applications is False
                expect_or_warn(
                    found, rule=rule, setting="shared_applications (false: isolated, true: shared)"
                )
                return
