"""The reference destination as a Starlette app: token endpoints, OpenAPI documents and data endpoints.

Tokens come two ways, as from Occtoo: the destination's own `POST /destinations/{destinationId}/token`
(JSON), and an authorization server's `POST /oauth2/token` (OAuth2 client credentials, a form with an
`audience`: the API version id, here the version's destination id).

Order of checks on a data request, as a real destination does it: route (404), method (405), token (401),
then parameters (400). No input reaches a 500 unless a seeded fault asks for one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from destwatch.reference.candidates import SLOW_3X, SLOW_DELAY, CandidateSwitch, candidate_customer
from destwatch.reference.faults import (
    HANG,
    INVALID_CLIENT_500,
    MISSING_WWW_AUTHENTICATE,
    OPENAPI_REQUIRES_TOKEN,
    POST_SKIPS_AUTH,
    SLOW_RESPONSES,
    TOKEN_500_ON_BAD_BODY,
    TOKEN_ENDPOINT_NEVER_THROTTLES,
    FaultSwitch,
)
from destwatch.reference.model import Customer, Destination, Version
from destwatch.reference.openapi import build_document
from destwatch.reference.query import BadRequest, EndpointQueries, FaultResponse
from destwatch.reference.throttle import Throttle, data_key, too_many
from destwatch.reference.tokens import TokenAuthority
from destwatch.reference.variants import variant_customer

__all__ = ["create_app"]

_SLOW_SECONDS = 1.5
_RATE_WINDOW = 60.0


def _error(status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


# RFC 6749 section 5.1: token answers, and refusals, must not be cached.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """An OAuth2 error answer (RFC 6749 section 5.2): `error` and `error_description`."""
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth2"'
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=headers)


class _RateLimiter:
    """A sliding one-minute window of token requests per destination id."""

    def __init__(self, per_minute: int | None) -> None:
        self._limit = per_minute
        self._seen: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> int | None:
        """Record a request; return the seconds to wait when it is over the limit, else None."""
        if self._limit is None:
            return None
        now = time.monotonic()
        window = self._seen.setdefault(key, deque())
        while window and window[0] <= now - _RATE_WINDOW:
            window.popleft()
        if len(window) >= self._limit:
            return max(1, int(window[0] + _RATE_WINDOW - now) + 1)
        window.append(now)
        return None


@dataclass(frozen=True)
class _Target:
    destination: Destination
    version: Version
    queries: dict[str, EndpointQueries]
    candidate: CandidateSwitch


class _Handlers:
    """Request handlers over one customer's configuration, with one fault switched on (or none)."""

    def __init__(
        self,
        customer: Customer,
        *,
        faults: FaultSwitch,
        token_ttl: int | None,
        token_rate_limit: int | None,
        latency: float,
        burst: Throttle | None = None,
    ) -> None:
        self.customer = customer
        self.faults = faults
        self.latency = latency
        self.tokens = TokenAuthority(customer, faults=faults, token_ttl=token_ttl)
        self.rate = _RateLimiter(token_rate_limit)
        self.burst = burst
        self.targets = {
            (dest.name, version.name): _Target(
                dest,
                version,
                {
                    endpoint.id: EndpointQueries(endpoint, version, customer.data, faults=faults)
                    for endpoint in version.endpoints
                },
                CandidateSwitch.of(version),
            )
            for dest, version in customer.versions()
        }

    def _target(self, request: Request) -> _Target:
        params = request.path_params
        target = self.targets.get((params["destination"], params["version"]))
        if params["customer"] != self.customer.name or target is None:
            raise HTTPException(404, "no such destination version")
        return target

    def _unauthorized(self, target: _Target, reason: str, token_sent: bool) -> JSONResponse:
        realm = f'Bearer realm="{self.customer.name}/{target.destination.name}/{target.version.name}"'
        challenge = f'{realm}, error="invalid_token"' if token_sent else realm
        headers = None if self.faults.on(MISSING_WWW_AUTHENTICATE) else {"WWW-Authenticate": challenge}
        return _error(401, "unauthorized", reason, headers)

    def _auth_failure(self, request: Request, target: _Target) -> JSONResponse | None:
        if not target.version.protected:
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return self._unauthorized(target, "a bearer token is required", token_sent=False)
        reason = self.tokens.rejection(target.version, token)
        return None if reason is None else self._unauthorized(target, reason, token_sent=True)

    async def openapi(self, request: Request) -> Response:
        target = self._target(request)
        if self.faults.on(OPENAPI_REQUIRES_TOKEN) and (failure := self._auth_failure(request, target)):
            return failure
        base = str(request.base_url).rstrip("/")
        p = request.path_params
        server_url = f"{base}/{p['customer']}/{p['destination']}/{p['version']}"
        return JSONResponse(
            build_document(self.customer.name, target.destination.name, target.version, server_url)
        )

    async def data(self, request: Request) -> Response:
        target = self._target(request)
        endpoint = request.path_params["endpoint"]
        if endpoint == "openapi":
            # The document route only takes GET; this route matched because `openapi` fits `{endpoint}`.
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        queries = target.queries.get(endpoint)
        if queries is None:
            raise HTTPException(404, "no such endpoint")
        if request.method == "POST" and self.faults.on(POST_SKIPS_AUTH):
            failure = None
        else:
            failure = self._auth_failure(request, target)
        if failure is not None:
            return failure
        key = data_key(request.headers.get("authorization", ""), self.faults)
        if self.burst and (wait := self.burst.wait(key)):
            return too_many(wait, self.faults, "requests")
        await self._delay(target)
        try:
            # Starlette answers HEAD on GET routes; it is a GET whose body is not sent.
            if request.method in ("GET", "HEAD"):
                query = queries.parse_get(request.query_params.multi_items())
            else:
                body = await request.body()
                query = queries.parse_post(
                    request.query_params.multi_items(), request.headers.get("content-type", ""), body
                )
            return JSONResponse(queries.answer(query))
        except BadRequest as exc:
            return _error(400, "bad_request", exc.detail)
        except FaultResponse as exc:
            if exc.body is None:
                return PlainTextResponse("Internal Server Error", status_code=exc.status)
            return JSONResponse(exc.body, status_code=exc.status)

    async def _delay(self, target: _Target) -> None:
        if self.faults.on(HANG):
            # Never answers; the task is cancelled when the client goes away or the server stops.
            await asyncio.Event().wait()
        seconds = self.latency + (_SLOW_SECONDS if self.faults.on(SLOW_RESPONSES) else 0.0)
        if target.candidate.on(SLOW_3X):
            seconds += SLOW_DELAY
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def token(self, request: Request) -> Response:
        found = self.customer.by_destination_id(request.path_params["destination_id"])
        if found is None:
            return _error(404, "not_found", "no such destination id")
        _, version = found
        if (wait := self.rate.retry_after(version.destination_id)) is not None:
            return _error(429, "rate_limited", "too many token requests", {"Retry-After": str(wait)})
        if not version.protected:
            return _error(
                400, "unsupported", "this destination version is not protected and issues no tokens"
            )
        credentials = await self._credentials(request)
        if isinstance(credentials, Response):
            return credentials
        client_id, client_secret = credentials
        if (throttled := self._token_throttled(client_id)) is not None:
            return throttled
        application = version.application(client_id)
        if application is None or application.client_secret != client_secret:
            return _error(401, "invalid_client", "unknown client id or wrong secret")
        token, expires_in = self.tokens.issue(version, client_id)
        return JSONResponse({"accessToken": token, "expiresIn": expires_in})

    def _token_throttled(self, client_id: str) -> Response | None:
        """The 429 for a token request over `[reference] rate_limit`, per client id, or None."""
        if self.burst is None or self.faults.on(TOKEN_ENDPOINT_NEVER_THROTTLES):
            return None
        wait = self.burst.wait(f"token/{client_id}")
        return None if wait is None else too_many(wait, self.faults, "token requests")

    async def _credentials(self, request: Request) -> tuple[str, str] | Response:
        try:
            body: Any = json.loads((await request.body()).decode("utf-8"))
        except (ValueError, RecursionError):
            if self.faults.on(TOKEN_500_ON_BAD_BODY):
                return PlainTextResponse("Internal Server Error", status_code=500)
            return _error(400, "invalid_request", "the body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "the body must be a JSON object")
        client_id, client_secret = body.get("clientId"), body.get("clientSecret")
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            return _error(400, "invalid_request", "clientId and clientSecret must be strings")
        return client_id, client_secret

    async def oauth2_token(self, request: Request) -> Response:
        """The authorization server's token endpoint: OAuth2 client credentials with an `audience`."""
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if (wait := self.rate.retry_after(f"oauth2/{client_id}")) is not None:
            return _error(429, "rate_limited", "too many token requests", {"Retry-After": str(wait)})
        if (throttled := self._token_throttled(client_id)) is not None:
            return throttled
        grant_type = form.get("grant_type")
        if grant_type is None:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        found = self.customer.oauth_application(client_id)
        if found is None or found[0].client_secret != client_secret:
            status = 500 if self.faults.on(INVALID_CLIENT_500) else 401
            return _oauth_error(status, "invalid_client", "unknown client, or wrong or missing secret")
        audience = form.get("audience")
        if not audience:
            return _oauth_error(400, "invalid_request", "audience is required")
        application, reach = found
        target = self.customer.by_destination_id(audience)
        if target is None or audience not in reach:
            return _oauth_error(
                400, "invalid_target", "the audience is no API version granted to this client"
            )
        token, expires_in = self.tokens.issue_oauth(target[1], application.client_id, reach)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
        return JSONResponse(body, headers=_NO_STORE)

    async def _form(self, request: Request) -> dict[str, str] | Response:
        """The form of a token request; an OAuth2 `invalid_request` answer for anything else."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != _FORM:
            return _oauth_error(400, "invalid_request", f"the body must be {_FORM}")
        try:
            pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            return _oauth_error(400, "invalid_request", "the body is not a form")
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            # RFC 6749 section 3.2: parameters must not be included more than once.
            return _oauth_error(400, "invalid_request", "a parameter is repeated")
        return dict(pairs)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    names = {404: "not_found", 405: "method_not_allowed"}
    return _error(exc.status_code, names.get(exc.status_code, "error"), exc.detail, dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    # Reached only by a bug in this server; the body never echoes the exception (it could hold request data).
    return _error(500, "internal_error", "the reference destination failed on this request")


def create_app(
    *,
    fault: str | None = None,
    token_ttl: int | None = None,
    token_rate_limit: int | None = 100,
    latency: float = 0.0,
    variant: str | None = None,
    customer: Customer | None = None,
    candidate: str | None = None,
    rate_limit: Sequence[float] | None = None,
) -> Starlette:
    """Build the reference destination.

    `fault` switches on one seeded fault from `FAULTS` (unknown name: `ValueError`); `token_ttl` overrides
    every version's token lifetime in seconds; `token_rate_limit` is token requests per minute per destination
    id (None for unlimited); `latency` adds seconds to every data request; `variant` serves one of `VARIANTS`
    (unknown name: `ValueError`); `customer` replaces the configured customer altogether; `candidate` adds
    productCatalog v4, a copy of the (variant's or customer's) v2 with one of `CANDIDATES`' version faults
    (unknown name: `ValueError`); `rate_limit` is `(requests, per seconds)` per application, for data
    requests and token requests alike (None: unlimited; the ratelimit suite's counterpart).
    """
    if variant and customer is not None:
        raise ValueError("pass a variant or a customer, not both")
    if token_ttl is not None and token_ttl < 1:
        raise ValueError(f"token_ttl must be at least 1 second, got {token_ttl}")
    if token_rate_limit is not None and token_rate_limit < 1:
        raise ValueError(f"token_rate_limit must be at least 1 per minute (or None), got {token_rate_limit}")
    if latency < 0:
        raise ValueError(f"latency must not be negative, got {latency}")
    base = customer if customer is not None else variant_customer(variant)
    handlers = _Handlers(
        candidate_customer(candidate, base),
        faults=FaultSwitch.named(fault),
        token_ttl=token_ttl,
        token_rate_limit=token_rate_limit,
        latency=latency,
        burst=Throttle(int(rate_limit[0]), float(rate_limit[1])) if rate_limit else None,
    )
    return Starlette(
        routes=[
            Route("/destinations/{destination_id}/token", handlers.token, methods=["POST"]),
            Route("/oauth2/token", handlers.oauth2_token, methods=["POST"]),
            Route("/{customer}/{destination}/{version}/openapi", handlers.openapi, methods=["GET"]),
            Route("/{customer}/{destination}/{version}/{endpoint}", handlers.data, methods=["GET", "POST"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
