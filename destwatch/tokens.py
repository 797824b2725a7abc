"""Access tokens: how each of Occtoo's token flows asks for one, how an answer is read, and a cache that
fetches as gently as Occtoo asks.

Two flows hand out the same kind of bearer token:

- `destination`: `POST https://destinations.occtoo.com/destinations/{destinationId}/token` with JSON
  `{"clientId", "clientSecret"}`, answered `{"accessToken", "expiresIn"}` (Occtoo's documentation);
- `oauth2`: OAuth2 client credentials at `https://auth.occtoo.com/oauth2/token`, a form with `grant_type`,
  `client_id`, `client_secret` and `audience` (the API version id), answered `{"access_token", "expires_in",
  "token_type"}`, errors as `{"error", "error_description"}` (Occtoo's .NET SDK, RFC 6749).

A `TokenFlow` says how to ask and what the answer's fields are called; everything else is one mechanism for
both: `parse_token_answer` reads every token answer destwatch meets (the run's clients, the auth suite, the
monitor, validation), and `TokenCache` reuses a token until shortly before it runs out (token endpoints are
rate-limited). Neither the client secret nor the token ever reaches a message. The request itself is sent
by the version's `destwatch.http.Client`, so token traffic is paced and recorded like every other request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from destwatch import _jwt, notices
from destwatch._files import json_or_none
from destwatch.config import TokenFlowName, VersionTarget
from destwatch.errors import DestwatchError, TokenError, again
from destwatch.redact import redact, register_secret

__all__ = [
    "DESTINATION_FLOW",
    "FLOWS",
    "OAUTH2_FLOW",
    "Token",
    "TokenCache",
    "TokenFlow",
    "flow_of",
    "parse_token_answer",
]

# Real Occtoo clients refresh 60-500 s early; a tenth of a short lifetime keeps test tokens usable.
_MAX_MARGIN = 60.0
# A JWT's `exp` has whole-second resolution, so a token can die up to a second before `expiresIn` says;
# half a second more leaves the last request sent with it time to arrive.
_MIN_MARGIN = 1.5
# `exp` is read when the answer arrives, a whole-second instant stamped before the answer left: an `exp`
# this much earlier than `expiresIn` implies is a shorter lifetime, not rounding and transit.
_EXP_TOLERANCE = 2.0


@dataclass(frozen=True)
class TokenFlow:
    """How one token flow asks for a token and names the fields of its answer.

    `fields(target)` are the valid request's fields (the secret registered for redaction first), `encode`
    turns fields into `Client.request` keyword arguments, so a caller can alter fields before sending them.
    """

    name: TokenFlowName
    token_field: str
    expires_field: str
    client_id_field: str
    client_secret_field: str
    content_type: str
    # The body a client that got the encoding wrong sends: its bytes, content type, and how to say it.
    malformed_body: tuple[bytes, str, str]

    def fields(self, target: VersionTarget) -> dict[str, str]:
        client_id = target.client_id.get_secret_value() if target.client_id else ""
        secret = target.client_secret.get_secret_value() if target.client_secret else ""
        register_secret(secret)
        found = {self.client_id_field: client_id, self.client_secret_field: secret}
        if self.name == "oauth2":
            found = {"grant_type": "client_credentials", **found, "audience": target.audience or ""}
        return found

    def encode(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        if self.name == "oauth2":
            return {"content": urlencode(fields).encode(), "headers": {"Content-Type": self.content_type}}
        return {"json": dict(fields)}

    def request(self, target: VersionTarget) -> dict[str, Any]:
        """The keyword arguments of the version's valid token request."""
        return self.encode(self.fields(target))

    def malformed(self) -> dict[str, Any]:
        """The keyword arguments of a token request whose body is in the wrong encoding."""
        content, content_type, _ = self.malformed_body
        return {"content": content, "headers": {"Content-Type": content_type}}

    def holds_token(self, data: Any) -> bool:
        """Whether a parsed answer hands out a token (its token field is a non-empty string)."""
        token = data.get(self.token_field) if isinstance(data, dict) else None
        return isinstance(token, str) and bool(token)


DESTINATION_FLOW = TokenFlow(
    name="destination",
    token_field="accessToken",
    expires_field="expiresIn",
    client_id_field="clientId",
    client_secret_field="clientSecret",
    content_type="application/json",
    malformed_body=(
        b"destwatch: a token request whose body is not JSON",
        "application/json",
        "a body that is not JSON",
    ),
)
OAUTH2_FLOW = TokenFlow(
    name="oauth2",
    token_field="access_token",
    expires_field="expires_in",
    client_id_field="client_id",
    client_secret_field="client_secret",
    content_type="application/x-www-form-urlencoded",
    malformed_body=(b'{"grant_type": "client_credentials"}', "application/json", "a JSON body, not a form"),
)
FLOWS: dict[str, TokenFlow] = {flow.name: flow for flow in (DESTINATION_FLOW, OAUTH2_FLOW)}


def flow_of(target: VersionTarget) -> TokenFlow:
    return FLOWS[target.token_flow]


@dataclass(frozen=True)
class Token:
    """An access token and when it was asked for (monotonic clock); the value never shows in a repr.

    `expires_in` is what the answer said; `exp_in`, when the token is a JWT whose `exp` comes earlier, is
    the seconds it really has from `obtained_at`. Renewal follows the earlier of the two.
    """

    access_token: str = field(repr=False)
    expires_in: float
    obtained_at: float
    exp_in: float | None = None

    @property
    def lifetime(self) -> float:
        return self.expires_in if self.exp_in is None else min(self.expires_in, self.exp_in)

    @property
    def refresh_at(self) -> float:
        margin = max(_MIN_MARGIN, min(_MAX_MARGIN, self.lifetime / 10))
        return self.obtained_at + self.lifetime - margin


def parse_token_answer(
    owner: str, response: httpx.Response, sent_at: float, *, flow: TokenFlow = DESTINATION_FLOW
) -> Token:
    """The token in a token endpoint's answer, read as liberally as Occtoo's own clients read it.

    The lifetime may be a number or a numeric string (the string warns: it is not the documented number),
    and a JWT's `exp` shortens it. Anything that cannot be used as a token (not a 200, not a JSON object,
    no token, no positive lifetime, a JWT already expired) is a `TokenError` saying what is wrong: the
    destination broke its contract.
    """
    if response.status_code != 200:
        raise TokenError(f"{owner}: the token endpoint answered {response.status_code}{_refusal(response)}")
    data = json_or_none(response)
    if not isinstance(data, dict):
        kind = (
            "an empty body"
            if not response.content.strip()
            else "not JSON"
            if data is None
            else f"a JSON {type(data).__name__}"
        )
        raise TokenError(
            f"{owner}: the token answer is {kind}, not an object with {flow.token_field} and "
            f"{flow.expires_field}{_excerpt(response)}"
        )
    if not flow.holds_token(data):
        raise TokenError(f"{owner}: the token answer has no string {flow.token_field} (keys: {sorted(data)})")
    token = data[flow.token_field]
    # Masked from here on, whatever else is wrong with the answer; for longer once its lifetime is known.
    register_secret(token, lifetime=0)
    expires_in = _seconds(data.get(flow.expires_field))
    if expires_in is None:
        raise TokenError(
            f"{owner}: the token answer has no positive {flow.expires_field} "
            f"(got {data.get(flow.expires_field)!r})"
        )
    if isinstance(data[flow.expires_field], str):
        # Not a failure (Occtoo's own clients read it so), but an answer unlike the documented one: said.
        notices.warn(
            f"token: {flow.expires_field} is the documented number of seconds",
            setting="",
            detail=f"{owner}: {flow.expires_field} is the string {data[flow.expires_field]!r}, not the "
            "documented number; destwatch reads it as a number, as Occtoo's own clients do",
        )
    register_secret(token, lifetime=expires_in)
    return Token(token, expires_in, sent_at, _exp_in(owner, token, expires_in))


def _seconds(value: Any) -> float | None:
    """A positive, finite number of seconds from a number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return None
    return float(value)


def _exp_in(owner: str, token: str, expires_in: float) -> float | None:
    """Seconds until the JWT's `exp` when it comes before `expires_in` does; None when it does not."""
    if not _jwt.is_jwt(token):
        return None
    exp = _jwt.claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    left = exp - time.time()
    if left <= 0:
        raise TokenError(
            f"{owner}: the token has expired on arrival: its exp lies {-left:.0f} s in the past (or this "
            "machine's clock is off)"
        )
    return left if left < expires_in - _EXP_TOLERANCE else None


def _refusal(response: httpx.Response) -> str:
    """What a refused token request's answer says (an OAuth error by its code), and what to do about it."""
    data = json_or_none(response)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str) and isinstance(data, dict):
        description = data.get("error_description")
        said = f"{error} ({description})" if isinstance(description, str) else error
    else:
        said = response.text[:300] or "(empty body)"
    hint = (
        "the token endpoint failed; try again later"
        if response.status_code >= 500
        else 'check the client id and secret variables (and the audience, for token_flow = "oauth2")'
    )
    return f": {redact(said)}; {hint}"


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip()
    return f": {redact(text[:120])}" if text else ""


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
        return self.get_with_time_left()[0]

    def get_with_time_left(self) -> tuple[str, float]:
        """The current token and the seconds it has left to live (fetched first if missing or near expiry)."""
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
            token = self._token
            return token.access_token, token.obtained_at + token.lifetime - self._clock()

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
        register_secret(token.access_token, lifetime=token.lifetime)
        with self._lock:
            self._token = token
