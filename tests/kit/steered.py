"""A small token-and-data destination whose behaviour each test steers (429s, revoked tokens, slowness)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl

import jwt
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from destwatch.config import TargetSettings, VersionTarget

CLIENT_ID = "client-under-test"
SECRET = "s3cret-harness-value"
AUDIENCE = "api-version-under-test"
_KEY = "harness-test-signing-key-0123456789"
# Far beyond any test: `exp` says nothing unless a test sets `Steer.exp_in`.
_FAR_EXP = 4102444800


@dataclass
class Steer:
    """What the steered destination does; reset for every test."""

    expires_in: int = 3600
    # `expiresIn` as a numeric string, as one of Occtoo's formatters declares it.
    expires_in_text: bool = False
    # The JWT's `exp`, in seconds from now (None: far in the future).
    exp_in: int | None = None
    # A 200 token answer of exactly these bytes (an HTML page, JSON without a token...).
    token_answer: bytes | None = None
    rate_limited: int = 0
    retry_after: str = "1"
    always_401: bool = False
    data_429: int = 0
    delay: float = 0.0
    # A body sent one byte at a time, this many seconds apart (0: all at once).
    drip: float = 0.0
    # Extra bytes of padding in every data answer (a huge body).
    padding: int = 0
    redirect_to: str = ""
    issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    token_requests: int = 0
    data_requests: int = 0
    # Every OAuth2 token request's form, as the authorization server read it.
    forms: list[dict[str, str]] = field(default_factory=list)


class SteeredDestination:
    def __init__(self) -> None:
        self.steer = Steer()
        self.app = Starlette(
            routes=[
                Route("/destinations/{destination_id}/token", self._token, methods=["POST"]),
                Route("/oauth2/token", self._oauth2_token, methods=["POST"]),
                Route("/acme/shop/v1/items", self._items, methods=["GET", "POST"]),
            ]
        )

    async def _token(self, request: Request) -> Response:
        steer = self.steer
        steer.token_requests += 1
        if steer.rate_limited > 0:
            steer.rate_limited -= 1
            return JSONResponse({"error": "slow down"}, 429, headers={"Retry-After": steer.retry_after})
        if steer.token_answer is not None:
            return Response(steer.token_answer, media_type="text/html")
        body = await request.json()
        if body != {"clientId": CLIENT_ID, "clientSecret": SECRET}:
            return JSONResponse({"error": "invalid_client"}, 401)
        expires_in = str(steer.expires_in) if steer.expires_in_text else steer.expires_in
        return JSONResponse({"accessToken": self._issue(), "expiresIn": expires_in})

    async def _oauth2_token(self, request: Request) -> JSONResponse:
        steer = self.steer
        steer.token_requests += 1
        form = dict(parse_qsl((await request.body()).decode()))
        steer.forms.append(form)
        expected = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            return JSONResponse({"error": "invalid_request", "error_description": "not a form"}, 400)
        if form != {**expected, "audience": AUDIENCE}:
            return JSONResponse({"error": "invalid_client", "error_description": "who are you?"}, 401)
        body = {"access_token": self._issue(), "token_type": "Bearer", "expires_in": steer.expires_in}
        return JSONResponse(body)

    def _issue(self) -> str:
        exp = _FAR_EXP if self.steer.exp_in is None else int(time.time()) + self.steer.exp_in
        token = jwt.encode({"sub": CLIENT_ID, "exp": exp, "jti": uuid.uuid4().hex}, _KEY, "HS256")
        self.steer.issued.append(token)
        return token

    async def _items(self, request: Request) -> JSONResponse:
        steer = self.steer
        steer.data_requests += 1
        if steer.delay:
            await asyncio.sleep(steer.delay)
        if steer.data_429 > 0:
            steer.data_429 -= 1
            return JSONResponse({"error": "slow down"}, 429, headers={"Retry-After": steer.retry_after})
        if steer.redirect_to:
            return Response(status_code=307, headers={"Location": steer.redirect_to})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if steer.always_401 or token not in steer.issued or token in steer.revoked:
            return JSONResponse({"error": "unauthorized"}, 401, headers={"WWW-Authenticate": "Bearer"})
        body = json.dumps({"language": "en", "results": [{"id": "A-1"}], "pad": "x" * steer.padding}).encode()
        if not steer.drip:
            return Response(body, media_type="application/json")

        async def dripping() -> AsyncIterator[bytes]:
            for index in range(len(body)):
                yield body[index : index + 1]
                await asyncio.sleep(steer.drip)

        return StreamingResponse(dripping(), media_type="application/json")


def make_target(url: str, **settings: float) -> VersionTarget:
    """A protected version of the steered destination (the destination flow), with fast pacing."""
    return VersionTarget(
        destination="shop",
        version="v1",
        customer="acme",
        base_url=f"{url}/acme/shop/v1",
        protected=True,
        destination_id="d-1",
        token_url=f"{url}/destinations/d-1/token",
        languages=("en",),
        settings=TargetSettings.model_validate({"max_rps": 1000.0, **settings}),
        client_id=SecretStr(CLIENT_ID),
        client_secret=SecretStr(SECRET),
    )


def oauth2_target(target: VersionTarget) -> VersionTarget:
    """The same version authorized by OAuth2 client credentials at the steered authorization server."""
    root = target.token_url.split("/destinations/")[0]
    return replace(target, token_flow="oauth2", token_url=f"{root}/oauth2/token", audience=AUDIENCE)
