"""The auth suite's instruments: raw token grants, data requests with chosen credentials, expired tokens.

The lifecycle clauses are about the token endpoint itself, so grants here are requested directly (with the
target's credentials, in its token flow), never taken from the run's token cache. Their answers are read by
the run's own parser (`destwatch.tokens.parse_token_answer`): an answer that holds no usable token is the
destination's `TokenError`, never a crash of the suite.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from destwatch import notices
from destwatch._files import json_or_none
from destwatch.config import TokenGrant, VersionTarget
from destwatch.environment import Environment
from destwatch.errors import TokenError, again
from destwatch.tokens import Token, TokenFlow, flow_of, parse_token_answer

__all__ = ["EXPIRY_MARGIN", "AuthKit", "ExpiredToken", "Expiry", "Grant", "covers", "declared_grant"]

# `exp` is whole seconds and servers compare it with their own clock: past it by this much, a token is
# expired on any server whose clock is within the margin of ours.
EXPIRY_MARGIN = 1.0


@dataclass(frozen=True)
class Grant:
    """One answer of the token endpoint, with the moment it was asked for, read in the version's flow."""

    response: httpx.Response
    requested_at: float
    owner: str
    flow: TokenFlow

    @property
    def body(self) -> Any:
        return json_or_none(self.response)

    @functools.cached_property
    def answer(self) -> Token | TokenError:
        """The answer as the run's own client reads it (`parse_token_answer`), or why it holds no token.

        Its `obtained_at` is the wall-clock `requested_at`: only the token and the lifetime are read here.
        """
        try:
            return parse_token_answer(self.owner, self.response, self.requested_at, flow=self.flow)
        except TokenError as exc:
            return exc

    @property
    def parsed(self) -> Token:
        """The token the answer holds; raises the `TokenError` saying why there is none (the destination
        broke its contract, which the gate reports as a violation)."""
        answer = self.answer
        if isinstance(answer, TokenError):
            raise again(answer)
        return answer

    @property
    def token(self) -> str:
        return self.parsed.access_token

    @property
    def expires_at(self) -> float:
        """When the token must stop working by what the endpoint said: ask time + its stated lifetime.

        Not the JWT's `exp`: the documented lifetime is the promise; a token that outlives it (whatever its
        claims say) is a token accepted after expiry.
        """
        return self.requested_at + self.parsed.expires_in


def declared_grant(target: VersionTarget) -> TokenGrant | None:
    """How far `target`'s tokens reach by its settings: `token_grant`, else `"version"` for the old spelling
    `shared_applications = false`; None when neither says."""
    settings = target.settings
    if settings.token_grant is not None:
        return settings.token_grant
    return "version" if settings.shared_applications is False else None


def covers(grant: TokenGrant, home: VersionTarget, other: VersionTarget) -> bool:
    """Whether a token of `home`, under `grant`, is meant to work on `other` too."""
    return grant == "tenant" or (grant == "destination" and other.destination == home.destination)


class AuthKit:
    """Token-endpoint and data requests of one run, each with exactly the credentials a clause needs."""

    def __init__(self, run: Environment) -> None:
        self.run = run

    @staticmethod
    def flow(target: VersionTarget) -> TokenFlow:
        return flow_of(target)

    def credentials(self, target: VersionTarget) -> dict[str, str]:
        """The fields of a valid token request in the version's flow; the secret is registered for
        redaction first."""
        return flow_of(target).fields(target)

    def token_url(self, target: VersionTarget, *, destination_id: str | None = None) -> str:
        """The version's token URL, or the same URL for another destination id."""
        if destination_id is None:
            return str(target.token_url)
        return str(target.token_url).replace(target.destination_id, destination_id)

    def grant(
        self,
        target: VersionTarget,
        *,
        fields: Mapping[str, Any] | None = None,
        url: str | None = None,
        **kwargs: Any,
    ) -> Grant:
        """POST to the token endpoint without any Authorization; `kwargs` go to `Client.request`.

        `fields` are sent encoded as the version's flow encodes them; without `fields`, `json` or `content`
        the request is the version's valid one. `url` replaces the token URL.
        """
        flow = flow_of(target)
        if fields is not None or ("json" not in kwargs and "content" not in kwargs):
            encoded = flow.encode(fields) if fields is not None else flow.request(target)
            kwargs["headers"] = {**encoded.pop("headers", {}), **kwargs.get("headers", {})}
            kwargs.update(encoded)
        requested_at = time.time()
        response = self.run.http(target).request(
            "POST", url or self.token_url(target), authenticated=False, **kwargs
        )
        grant = Grant(response, requested_at, target.id, flow)
        # Read at once: a token in a 200 answer, even to a request that should have been refused, is then
        # registered for redaction before anything can print it.
        _ = grant.answer
        return grant

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
        # The requests that minted each version's token: a test using it relies on them.
        self._minted_by: dict[str, list[notices.RequestKey]] = {}
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self, target: VersionTarget) -> None:
        """Mint the version's token now, if it is protected and not minted yet."""
        with self._lock:
            if target.protected and target.id not in self._pending and target.id not in self._reasons:
                with notices.relied_on() as relied:
                    self._mint(target)
                self._minted_by[target.id] = relied

    def get(self, target: VersionTarget) -> ExpiredToken | None:
        """The version's token once its `expiresIn` (and a margin) has passed; None when there is none
        (`reason` says why)."""
        self.start(target)
        pending = self._pending.get(target.id)
        if pending is None:
            return None
        grant, fresh = pending
        notices.rely(self._minted_by.get(target.id, ()))
        time.sleep(max(0.0, grant.expires_at + EXPIRY_MARGIN - time.time()))
        return ExpiredToken(grant.token, fresh)

    def reason(self, target: VersionTarget) -> str:
        return self._reasons.get(target.id, f"{target.id}: unprotected, tokens do not apply")

    def _mint(self, target: VersionTarget) -> None:
        grant = self._auth.grant(target)
        answer = grant.answer
        if isinstance(answer, TokenError):
            self._reasons[target.id] = f"{target.id}: the grant failed ({answer})"
            return
        budget = float(target.settings.expiry_wait_budget)
        if answer.expires_in + EXPIRY_MARGIN > budget:
            self._reasons[target.id] = (
                f"{target.id}: {grant.flow.expires_field} = {answer.expires_in:g} s does not fit "
                f"expiry_wait_budget = {budget:g} s"
            )
            return
        auth = self._auth
        fresh = auth.data(target, "GET", auth.paths(target)[0], headers=auth.bearer(grant.token))
        self._pending[target.id] = (grant, fresh)
