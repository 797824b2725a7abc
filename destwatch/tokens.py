"""Access tokens: what a token answer must hold, and a cache that fetches as gently as Occtoo asks.

A token is reused until shortly before its `expiresIn` runs out (the token endpoint is rate-limited), and
neither the client secret nor the token ever reaches a message. The request itself is sent by the
version's `destwatch.http.Client`, so token traffic is paced and recorded like every other request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from destwatch._files import json_or_none
from destwatch.errors import DestwatchError, TokenError, again
from destwatch.redact import redact, register_secret

__all__ = ["Token", "TokenCache", "parse_token_answer"]

# Real Occtoo clients refresh 60-500 s early; a tenth of a short lifetime keeps test tokens usable.
_MAX_MARGIN = 60.0
# A JWT's `exp` has whole-second resolution, so a token can die up to a second before `expiresIn` says;
# half a second more leaves the last request sent with it time to arrive.
_MIN_MARGIN = 1.5


@dataclass(frozen=True)
class Token:
    """An access token and when it was asked for (monotonic clock); the value never shows in a repr."""

    access_token: str = field(repr=False)
    expires_in: float
    obtained_at: float

    @property
    def refresh_at(self) -> float:
        margin = max(_MIN_MARGIN, min(_MAX_MARGIN, self.expires_in / 10))
        return self.obtained_at + self.expires_in - margin


def parse_token_answer(owner: str, response: httpx.Response, sent_at: float) -> Token:
    """The token in a token endpoint's answer; `TokenError` saying what is wrong with it otherwise."""
    if response.status_code != 200:
        hint = (
            "the token endpoint failed; try again later"
            if response.status_code >= 500
            else "check the client id and secret variables"
        )
        raise TokenError(
            f"{owner}: the token endpoint answered {response.status_code}: "
            f"{redact(response.text[:300]) or '(empty body)'}; {hint}"
        )
    data = json_or_none(response)
    if not isinstance(data, dict):
        kind = "not JSON" if data is None else f"a JSON {type(data).__name__}"
        raise TokenError(f"{owner}: the token answer is {kind}, not an object with accessToken and expiresIn")
    token, expires_in = data.get("accessToken"), data.get("expiresIn")
    if not isinstance(token, str) or not token:
        raise TokenError(f"{owner}: the token answer has no string accessToken (keys: {sorted(data)})")
    register_secret(token)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in <= 0:
        raise TokenError(f"{owner}: the token answer has no positive expiresIn (got {expires_in!r})")
    return Token(token, float(expires_in), sent_at)


class TokenCache:
    """One version's current token: fetched with `fetch` when missing or close to expiry.

    A fetch that failed is remembered with its error for the rest of the run: a broken token endpoint is
    asked once, and every test after the first gets the same error at once.
    """

    def __init__(self, fetch: Callable[[], Token], *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: Token | None = None
        self._failure: DestwatchError | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self) -> str:
        with self._lock:
            if self._failure is not None:
                raise again(self._failure)
            if self._token is None or self._clock() >= self._token.refresh_at:
                try:
                    self._token = self._fetch()
                except DestwatchError as exc:
                    self._failure = exc
                    raise
                self.fetches += 1
            return self._token.access_token

    def invalidate(self) -> None:
        """Forget the token (the destination answered 401 to it)."""
        with self._lock:
            self._token = None

    def current(self) -> Token | None:
        """The cached token while it is still fresh enough to use, else None (nothing is fetched)."""
        with self._lock:
            token = self._token
            return token if token is not None and self._clock() < token.refresh_at else None

    def adopt(self, token: Token) -> None:
        """Use a token another cache of the same run fetched (a pytest-xdist worker gets the gate's)."""
        register_secret(token.access_token)
        with self._lock:
            self._token = token
