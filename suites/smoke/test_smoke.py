"""Smoke: every version's document is reachable and valid, protected versions issue a token, and every
endpoint answers GET and POST with the documented envelope, within the response-time budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from destwatch import notices
from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.documents import validate_document
from destwatch.environment import Environment
from destwatch.errors import DocumentError, TokenError
from destwatch.failures import violation
from destwatch.http import Client, answer_within_budget


def test_openapi_document_is_served_without_a_token_and_is_valid(
    target: VersionTarget, client: Client
) -> None:
    response = client.get(target.openapi_url, authenticated=False)
    if response.status_code != 200:
        raise violation(
            "the OpenAPI document is served at {version base}/openapi without a token",
            response,
            detail=f"expected 200, got {response.status_code}",
        )
    document = json_or_none(response)
    if document is None:
        raise violation("the OpenAPI document is JSON", response)
    try:
        validate_document(document, source=target.id)
    except DocumentError as exc:
        raise violation("the OpenAPI document is valid OpenAPI", response, detail=str(exc)) from None


@pytest.mark.protected_only
def test_protected_version_issues_a_jwt_with_an_expiry(target: VersionTarget, dw_run: Environment) -> None:
    try:
        token = dw_run.http(target).token()
    except TokenError as exc:
        raise violation(
            "a protected version issues a token for its application's client id and secret", detail=str(exc)
        ) from None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise violation("the access token is a JWT", detail=type(exc).__name__) from None
    if not isinstance(claims.get("exp"), int | float):
        raise violation("the access token is a JWT with an `exp` claim", detail=f"claims: {sorted(claims)}")


def test_endpoint_answers_get_with_the_documented_envelope(
    target: VersionTarget, endpoint: str, client: Client
) -> None:
    _check_envelope(_answer(lambda: client.get(endpoint), target), target, "GET")
    _exercised(target, endpoint, "GET")


def test_endpoint_answers_post_with_the_documented_envelope(
    target: VersionTarget, endpoint: str, client: Client
) -> None:
    _check_envelope(_answer(lambda: client.post(endpoint, json={}), target), target, "POST")
    _exercised(target, endpoint, "POST")


def _answer(send: Callable[[], httpx.Response], target: VersionTarget) -> httpx.Response:
    return answer_within_budget(
        send, target.settings.response_time_budget, seconds=lambda response: response.elapsed.total_seconds()
    )


def _exercised(target: VersionTarget, endpoint: str, method: str) -> None:
    # Only exercised: the envelope and ids were checked, but no property's documented type, so the answer
    # could not have failed what the operation promises of its results.
    how = "smoke: answered 200 without parameters, its envelope checked"
    notices.cover(target.id, endpoint, "operations", method, notices.EXERCISED, how)
    notices.cover(target.id, endpoint, "statuses", f"{method} 200", notices.EXERCISED, how)


def _check_envelope(response: httpx.Response, target: VersionTarget, method: str) -> None:
    if response.status_code != 200:
        raise violation(f"every endpoint answers {method} without parameters with 200", response)
    budget = target.settings.response_time_budget
    elapsed = response.elapsed.total_seconds()
    if elapsed > budget:
        raise violation(
            f"a response arrives within the response-time budget ({budget:g} s)",
            response,
            detail=f"took {elapsed:.2f} s; raise response_time_budget in targets.toml if this is expected",
        )
    body: Any = json_or_none(response)
    if body is None:
        raise violation("the answer is a JSON object", response)
    if not isinstance(body, dict):
        raise violation("the answer is a JSON object", response, detail=f"got {type(body).__name__}")
    if "language" not in body:
        raise violation("the answer holds `language` (the envelope is {language, results})", response)
    if body["language"] not in target.languages:
        raise violation(
            "`language` is one of the destination's languages",
            response,
            counterexample=f"language={body['language']!r} (expected one of {list(target.languages)})",
        )
    results = body.get("results")
    if not isinstance(results, list):
        raise violation(
            "the answer holds `results` as an array", response, counterexample=f"results={results!r}"
        )
    without_id = [
        index for index, item in enumerate(results) if not isinstance(item, dict) or "id" not in item
    ]
    if without_id:
        raise violation(
            "every result has an `id`", response, counterexample=f"results[{without_id[0]}] has no id"
        )
