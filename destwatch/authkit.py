"""The auth suite's instruments: raw token grants, data requests with chosen credentials, expired tokens.

The lifecycle clauses are about the token endpoint itself, so grants here are requested directly (with the
target's credentials), never taken from the run's token cache.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.redact import register_secret
from destwatch.run import Run

__all__ = ["EXPIRY_MARGIN", "AuthKit", "ExpiredToken", "Expiry", "Grant"]

# `exp` is whole seconds and servers compare it with their own clock: past it by this much, a token is
# expired on any server whose clock is within the margin of ours.
EXPIRY_MARGIN = 1.0


@dataclass(frozen=True)
class Grant:
    """One answer of the token endpoint, with the moment it was asked for."""

    response: httpx.Response
    requested_at: float

    @property
    def body(self) -> Any:
        return json_or_none(self.response)

    @property
    def token(self) -> str:
        return str(self.body["accessToken"])

    @property
    def expires_at(self) -> float:
        """When the token must stop working by what the endpoint said: ask time + `expiresIn`.

        Not the JWT's `exp`: the documented lifetime is the promise; a token that outlives it (whatever its
        claims say) is a token accepted after expiry.
        """
        return self.requested_at + float(self.body["expiresIn"])


class AuthKit:
    """Token-endpoint and data requests of one run, each with exactly the credentials a clause needs."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def credentials(self, target: VersionTarget) -> dict[str, str]:
        """The JSON body of a valid token request; the secret is registered for redaction first."""
        client_id = target.client_id.get_secret_value() if target.client_id else ""
        secret = target.client_secret.get_secret_value() if target.client_secret else ""
        register_secret(secret)
        return {"clientId": client_id, "clientSecret": secret}

    def token_url(self, target: VersionTarget, *, destination_id: str | None = None) -> str:
        """The version's token URL, or the same URL for another destination id."""
        if destination_id is None:
            return str(target.token_url)
        return str(target.token_url).replace(target.destination_id, destination_id)

    def grant(self, target: VersionTarget, **kwargs: Any) -> Grant:
        """POST to the token endpoint without any Authorization; `kwargs` go to `Client.request`.

        Without `json`/`content` the body is the target's valid credentials; `url` replaces the token URL.
        """
        url = kwargs.pop("url", None) or self.token_url(target)
        if "json" not in kwargs and "content" not in kwargs:
            kwargs["json"] = self.credentials(target)
        requested_at = time.time()
        response = self.run.http(target).request("POST", url, authenticated=False, **kwargs)
        body = json_or_none(response)
        if isinstance(body, dict) and isinstance(body.get("accessToken"), str):
            register_secret(body["accessToken"])
        return Grant(response, requested_at)

    def paths(self, target: VersionTarget) -> list[str]:
        """The data paths of the version's document, e.g. `["/products", "/variants"]`."""
        return sorted(self.run.document(target).get("paths") or {})

    def data(
        self,
        target: VersionTarget,
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A small data request with exactly `headers` as credentials (none when empty)."""
        body = {"top": 1} if method == "POST" else None
        query = {"top": "1", **(params or {})} if method == "GET" else params
        return self.run.http(target).request(
            method, path, params=query, json=body, headers=headers, authenticated=False
        )

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def rejected(response: httpx.Response, target: VersionTarget) -> bool:
        return response.status_code in tuple(target.settings.auth_reject_statuses)


@dataclass(frozen=True)
class ExpiredToken:
    """A real token of a version, tried while fresh, then waited out past its `expiresIn`."""

    token: str
    fresh_response: httpx.Response


class Expiry:
    """Per protected version, a real token tried while fresh and handed out once it has expired.

    The clock starts at the version's first auth test (`start`), and the clauses that need the expired
    token run after the version's other tests (`runs_last`), so the wait overlaps work instead of adding
    to it. Waiting out the real expiry is the thing under test, not a race papered over. Tokens are minted
    only for versions this process tests: under pytest-xdist each worker mints its own versions'.
    """

    def __init__(self, auth: AuthKit) -> None:
        self._auth = auth
        self._pending: dict[str, tuple[Grant, httpx.Response]] = {}
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self, target: VersionTarget) -> None:
        """Mint the version's token now, if it is protected and not minted yet."""
        with self._lock:
            if target.protected and target.id not in self._pending and target.id not in self._reasons:
                self._mint(target)

    def get(self, target: VersionTarget) -> ExpiredToken | None:
        """The version's token once its `expiresIn` (and a margin) has passed; None when there is none
        (`reason` says why)."""
        self.start(target)
        pending = self._pending.get(target.id)
        if pending is None:
            return None
        grant, fresh = pending
        time.sleep(max(0.0, grant.expires_at + EXPIRY_MARGIN - time.time()))
        return ExpiredToken(grant.token, fresh)

    def reason(self, target: VersionTarget) -> str:
        return self._reasons.get(target.id, f"{target.id}: unprotected, tokens do not apply")

    def _mint(self, target: VersionTarget) -> None:
        grant = self._auth.grant(target)
        body = grant.body
        if grant.response.status_code != 200 or not isinstance(body, dict):
            self._reasons[target.id] = f"{target.id}: the grant was answered {grant.response.status_code}"
            return
        expires_in = body.get("expiresIn")
        budget = float(target.settings.expiry_wait_budget)
        if not isinstance(expires_in, int | float) or expires_in + EXPIRY_MARGIN > budget:
            self._reasons[target.id] = (
                f"{target.id}: expiresIn = {expires_in!r} s does not fit expiry_wait_budget = {budget:g} s"
            )
            return
        auth = self._auth
        fresh = auth.data(target, "GET", auth.paths(target)[0], headers=auth.bearer(grant.token))
        self._pending[target.id] = (grant, fresh)
