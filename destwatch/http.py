"""The one HTTP layer: pooled httpx per destination version, paced, authenticated and recorded.

Transport failures are translated here, at the boundary: a connection that cannot be made is
`TargetUnreachable` (exit 3), an answer that never comes is `ResponseTimeout` (a contract violation).
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
from destwatch.errors import TargetUnreachable
from destwatch.failures import ResponseTimeout
from destwatch.redact import redact, redact_headers
from destwatch.tokens import TokenClient

__all__ = ["Client", "Exchange", "Recorder", "redacted_exchange", "unreachable"]

_EXCERPT = 500
# A server asking for a longer pause than this gets its 429 handed to the test instead of a stalled run.
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

    Protected versions get `Authorization: Bearer <token>` from the shared `TokenClient`; a 401 drops the
    cached token and the request is sent once more with a fresh one. `authenticated=False` sends no token;
    an `Authorization` in `headers=` replaces it.
    """

    def __init__(
        self,
        target: VersionTarget,
        *,
        tokens: TokenClient | None = None,
        recorder: Recorder | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = target
        self._tokens = tokens
        self.recorder = recorder if recorder is not None else Recorder()
        self._limiter = RateLimiter(target.settings.max_rps)
        self._sleep = sleep
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
            and self._tokens is not None
            and not any(name.lower() == "authorization" for name in headers)
        )
        request_kwargs = {"params": params, "json": json, "content": content, "timeout": timeout}
        if not use_token:
            return self._send(method, path_or_url, headers, **request_kwargs)
        assert self._tokens is not None
        response = self._send(method, path_or_url, self._bearer(headers), **request_kwargs)
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: one fresh token, one more try.
            self._tokens.invalidate(self.target)
            response = self._send(method, path_or_url, self._bearer(headers), **request_kwargs)
        return response

    def close(self) -> None:
        self._http.close()

    def _bearer(self, headers: dict[str, str]) -> dict[str, str]:
        assert self._tokens is not None
        return {**headers, "Authorization": f"Bearer {self._tokens.token(self.target)}"}

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
        except httpx.ConnectTimeout as exc:
            self._record(request, None, time.perf_counter() - started, error="connect timeout")
            raise unreachable(self.target, request, exc) from None
        except httpx.TimeoutException as exc:
            self._record(request, None, time.perf_counter() - started, error=type(exc).__name__)
            limit = timeout if timeout is not None else self.target.settings.timeout
            raise ResponseTimeout(
                request, limit, kind=type(exc).__name__.removesuffix("Timeout").lower()
            ) from None
        except httpx.TransportError as exc:
            self._record(request, None, time.perf_counter() - started, error=type(exc).__name__)
            raise unreachable(self.target, request, exc) from None
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


def unreachable(
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
