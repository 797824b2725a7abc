"""TokenClient: one cached access token per destination version, fetched as gently as Occtoo asks.

A token is reused until shortly before its `expiresIn` runs out, a 429 from the token endpoint is waited
out as its `Retry-After` says, and neither the client secret nor the token ever reaches a message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from destwatch._ratelimit import retry_after_seconds
from destwatch.config import VersionTarget
from destwatch.errors import TargetUnreachable, TokenError
from destwatch.redact import redact, register_secret

__all__ = ["Token", "TokenClient"]

# Real Occtoo clients refresh 60-500 s early; a tenth of a short lifetime keeps test tokens usable.
_MAX_MARGIN = 60.0
# A JWT's `exp` has whole-second resolution, so a token can die up to a second before `expiresIn` says;
# half a second more leaves the last request sent with it time to arrive.
_MIN_MARGIN = 1.5
_MAX_429_RETRIES = 3


@dataclass(frozen=True)
class Token:
    """An access token and when it was obtained (monotonic clock); the value never shows in a repr."""

    access_token: str = field(repr=False)
    expires_in: float
    obtained_at: float

    @property
    def refresh_at(self) -> float:
        margin = max(_MIN_MARGIN, min(_MAX_MARGIN, self.expires_in / 10))
        return self.obtained_at + self.expires_in - margin


class TokenClient:
    """Fetches `POST {token_url}` with `{"clientId", "clientSecret"}` and caches per destination version.

    `max_retry_after` bounds how long one 429 may pause the run (seconds); a longer ask is a `TokenError`.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_retry_after: float = 60.0,
    ) -> None:
        self._http = httpx.Client(transport=transport, headers={"User-Agent": "destwatch"})
        self._clock = clock
        self._sleep = sleep
        self._max_retry_after = max_retry_after
        self._cache: dict[str, Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._fetches: dict[str, int] = {}

    def token(self, target: VersionTarget) -> str:
        """The cached token of `target`, fetched first if missing or close to expiry."""
        with self._lock(target):
            cached = self._cache.get(target.id)
            if cached is None or self._clock() >= cached.refresh_at:
                cached = self._cache[target.id] = self.fetch(target)
            return cached.access_token

    def invalidate(self, target: VersionTarget) -> None:
        """Forget the cached token (the destination answered 401 to it)."""
        with self._lock(target):
            self._cache.pop(target.id, None)

    def fetches(self, target: VersionTarget) -> int:
        """How many tokens were fetched for `target` in this run (reports show it: fewer is gentler)."""
        return self._fetches.get(target.id, 0)

    def fetch(self, target: VersionTarget) -> Token:
        """One fresh token, bypassing the cache; 429s are waited out up to `max_retry_after`."""
        if target.client_id is None or target.client_secret is None:
            raise TokenError(f"{target.id}: no client_id/client_secret configured for this version")
        body = {
            "clientId": target.client_id.get_secret_value(),
            "clientSecret": target.client_secret.get_secret_value(),
        }
        for _attempt in range(_MAX_429_RETRIES + 1):
            # The lifetime counts from the request, not the answer: a slow endpoint must not stretch it.
            sent_at = self._clock()
            response = self._post(target, body)
            if response.status_code != 429:
                break
            wait = retry_after_seconds(response)
            if wait is None or wait > self._max_retry_after:
                raise TokenError(
                    f"{target.id}: the token endpoint is rate limiting (429, Retry-After: "
                    f"{response.headers.get('Retry-After', 'none')}); destwatch caches tokens, so another "
                    "client is probably fetching tokens for this application too"
                )
            self._sleep(wait)
        else:
            raise TokenError(
                f"{target.id}: the token endpoint kept answering 429 after {_MAX_429_RETRIES} waits"
            )
        self._fetches[target.id] = self._fetches.get(target.id, 0) + 1
        return self._parse(target, response, sent_at)

    def close(self) -> None:
        self._http.close()

    def _post(self, target: VersionTarget, body: dict[str, str]) -> httpx.Response:
        try:
            return self._http.post(target.token_url, json=body, timeout=target.settings.timeout)
        except httpx.TimeoutException:
            raise TokenError(
                f"{target.id}: the token endpoint {target.token_url} did not answer within "
                f"{target.settings.timeout:g} s"
            ) from None
        except httpx.TransportError as exc:
            raise TargetUnreachable(
                f"{target.id}: cannot reach the token endpoint {target.token_url} ({type(exc).__name__})"
            ) from None

    def _parse(self, target: VersionTarget, response: httpx.Response, sent_at: float) -> Token:
        if response.status_code != 200:
            raise TokenError(
                f"{target.id}: the token endpoint answered {response.status_code}: "
                f"{redact(response.text[:300]) or '(empty body)'}; check the client id and secret variables"
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        token = data.get("accessToken") if isinstance(data, dict) else None
        expires_in = data.get("expiresIn") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError(f"{target.id}: the token answer has no string accessToken")
        register_secret(token)
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in <= 0:
            raise TokenError(f"{target.id}: the token answer has no positive expiresIn (got {expires_in!r})")
        return Token(token, float(expires_in), sent_at)

    def _lock(self, target: VersionTarget) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(target.id, threading.Lock())
