"""A small token-and-data destination whose behaviour each test steers (429s, revoked tokens, slowness)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import jwt
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from destwatch.config import TargetSettings, VersionTarget

CLIENT_ID = "client-under-test"
SECRET = "s3cret-harness-value"
_KEY = "harness-test-signing-key-0123456789"


@dataclass
class Steer:
    """What the steered destination does; reset for every test."""

    expires_in: int = 3600
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


class SteeredDestination:
    def __init__(self) -> None:
        self.steer = Steer()
        self.app = Starlette(
            routes=[
                Route("/destinations/{destination_id}/token", self._token, methods=["POST"]),
                Route("/acme/shop/v1/items", self._items, methods=["GET", "POST"]),
            ]
        )

    async def _token(self, request: Request) -> JSONResponse:
        steer = self.steer
        steer.token_requests += 1
        if steer.rate_limited > 0:
            steer.rate_limited -= 1
            return JSONResponse({"error": "slow down"}, 429, headers={"Retry-After": steer.retry_after})
        body = await request.json()
        if body != {"clientId": CLIENT_ID, "clientSecret": SECRET}:
            return JSONResponse({"error": "invalid_client"}, 401)
        token = jwt.encode({"sub": CLIENT_ID, "exp": 4102444800, "jti": uuid.uuid4().hex}, _KEY, "HS256")
        steer.issued.append(token)
        return JSONResponse({"accessToken": token, "expiresIn": steer.expires_in})

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
