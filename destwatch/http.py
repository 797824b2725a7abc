"""The one HTTP layer: one pooled httpx client per destination version, paced, authenticated, recorded.

Token requests go through the same client as data requests, so every request destwatch sends to a
version is bounded by its `max_rps` and shows in the run's exchanges. Transport failures are translated
here, at the boundary: a connection that cannot be made is `TargetUnreachable` (exit 3), an answer that
never comes is `ResponseTimeout` (a contract violation).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from destwatch._ratelimit import RateLimiter, retry_after_seconds
from destwatch.config import VersionTarget
from destwatch.errors import TargetUnreachable, TokenError
from destwatch.failures import ResponseTimeout
from destwatch.redact import redact, redact_headers
from destwatch.tokens import Token, TokenCache, parse_token_answer

__all__ = ["Client", "Exchange", "Recorder", "redacted_exchange", "transport_failure"]

_EXCERPT = 500
# A server asking for a longer pause than this gets its 429 handed to the caller instead of a stalled run.
_MAX_RETRY_AFTER = 30.0
_MAX_429_RETRIES = 2


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, already redacted, as the reports show it."""

    target: str
    method: str
    url: str
    status: int | None
    elapsed: float
    request_headers: dict[str, str]
    request_body: str
    response_body: str
    error: str = ""


@dataclass
class Recorder:
    """Every exchange of a run, in order; thread-safe."""

    _exchanges: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)


class Client:
    """HTTP for one destination version: relative paths resolve against its base URL.

    Protected versions get `Authorization: Bearer <token>` from the client's own token cache; a 401 drops
    the cached token and the request is sent once more with a fresh one. `authenticated=False` sends no
    token; an `Authorization` in `headers=` replaces it.
    """

    def __init__(
        self,
        target: VersionTarget,
        *,
        recorder: Recorder | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = target
        self.recorder = recorder if recorder is not None else Recorder()
        self._limiter = RateLimiter(target.settings.max_rps)
        self._clock = clock
        self._sleep = sleep
        self._tokens = TokenCache(self.fetch_token, clock=clock)
        self._http = httpx.Client(
            timeout=target.settings.timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "destwatch"},
        )

    def get(self, path_or_url: str, *, params: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path_or_url, params=params, **kwargs)

    def post(self, path_or_url: str, *, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path_or_url, json=json, **kwargs)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Any = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        timeout: float | None = None,
    ) -> httpx.Response:
        headers = dict(headers or {})
        use_token = (
            authenticated
            and self.target.protected
            and not any(name.lower() == "authorization" for name in headers)
        )
        request_kwargs = {"params": params, "json": json, "content": content, "timeout": timeout}
        if not use_token:
            return self._send(method, path_or_url, headers, **request_kwargs)
        response = self._send(method, path_or_url, self._bearer(headers), **request_kwargs)
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: one fresh token, one more try.
            self._tokens.invalidate()
            response = self._send(method, path_or_url, self._bearer(headers), **request_kwargs)
        return response

    # -- tokens ------------------------------------------------------------------------------------------

    def token(self) -> str:
        """The version's current token, fetched first if missing or close to expiry (cached per run)."""
        return self._tokens.get()

    def invalidate_token(self) -> None:
        self._tokens.invalidate()

    @property
    def tokens_fetched(self) -> int:
        """How many tokens the cache fetched in this run (reports show it: fewer is gentler)."""
        return self._tokens.fetches

    def fetch_token(self) -> Token:
        """One fresh token from the version's token endpoint, bypassing the cache."""
        target = self.target
        if target.client_id is None or target.client_secret is None:
            raise TokenError(f"{target.id}: no client_id/client_secret configured for this version")
        body = {
            "clientId": target.client_id.get_secret_value(),
            "clientSecret": target.client_secret.get_secret_value(),
        }
        # The lifetime counts from the request, not the answer: a slow endpoint must not stretch it.
        sent_at = self._clock()
        try:
            response = self._send("POST", target.token_url, {}, json=body, timeout=None)
        except ResponseTimeout:
            raise TokenError(
                f"{target.id}: the token endpoint {target.token_url} did not answer within "
                f"{target.settings.timeout:g} s"
            ) from None
        return parse_token_answer(target.id, response, sent_at)

    def close(self) -> None:
        self._http.close()

    # -- sending -----------------------------------------------------------------------------------------

    def _bearer(self, headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "Authorization": f"Bearer {self.token()}"}

    def _send(
        self, method: str, path_or_url: str, headers: dict[str, str], *, timeout: float | None, **kwargs: Any
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            self.target.url(path_or_url),
            headers=headers,
            timeout=timeout if timeout is not None else self._http.timeout,
            **{key: value for key, value in kwargs.items() if value is not None},
        )
        for attempt in range(_MAX_429_RETRIES + 1):
            response = self._send_once(request, timeout)
            wait = retry_after_seconds(response) if response.status_code == 429 else None
            if wait is None or wait > _MAX_RETRY_AFTER or attempt == _MAX_429_RETRIES:
                return response
            self._sleep(wait)
        return response

    def _send_once(self, request: httpx.Request, timeout: float | None) -> httpx.Response:
        self._limiter.acquire()
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.TimeoutException as exc:
            self._record(request, None, time.perf_counter() - started, error=type(exc).__name__)
            if isinstance(exc, httpx.ConnectTimeout):
                raise transport_failure(self.target, request, exc) from None
            limit = timeout if timeout is not None else self.target.settings.timeout
            raise ResponseTimeout(
                request, limit, kind=type(exc).__name__.removesuffix("Timeout").lower()
            ) from None
        except httpx.TransportError as exc:
            self._record(request, None, time.perf_counter() - started, error=type(exc).__name__)
            raise transport_failure(self.target, request, exc) from None
        self._record(request, response, response.elapsed.total_seconds())
        return response

    def _record(
        self, request: httpx.Request, response: httpx.Response | None, elapsed: float, *, error: str = ""
    ) -> None:
        self.recorder.add(
            redacted_exchange(
                self.target.id,
                method=request.method,
                url=str(request.url),
                headers=request.headers.multi_items(),
                body=request.content,
                status=response.status_code if response is not None else None,
                response_text=response.text if response is not None else "",
                elapsed=elapsed,
                error=error,
            )
        )


def redacted_exchange(
    target: str,
    *,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | str | None,
    status: int | None,
    response_text: str,
    elapsed: float,
    error: str = "",
) -> Exchange:
    """An `Exchange` as the reports keep it, whichever client sent it: redacted, bodies cut to an excerpt."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    return Exchange(
        target=target,
        method=method,
        url=redact(url),
        status=status,
        elapsed=elapsed,
        request_headers=redact_headers(headers),
        request_body=redact(text[:_EXCERPT]),
        response_body=redact(response_text[:_EXCERPT]),
        error=error,
    )


def transport_failure(
    target: VersionTarget, request: httpx.Request, exc: httpx.TransportError
) -> TargetUnreachable:
    """`TargetUnreachable` saying which version, which URL and why, e.g. "connection refused"."""
    reason = {
        httpx.ConnectError: "connection refused or host not found",
        httpx.ConnectTimeout: f"no connection within {target.settings.timeout:g} s",
        httpx.RemoteProtocolError: "the server closed the connection without an HTTP answer",
    }.get(type(exc), type(exc).__name__)
    detail = str(exc).strip()
    if detail and detail not in reason:
        reason = f"{reason}: {detail}"
    return TargetUnreachable(f"{target.id}: {redact(reason)} ({request.method} {redact(str(request.url))})")
