"""The one HTTP layer: one pooled httpx client per destination version, paced, authenticated, recorded,
and bounded.

Token requests go through the same client as data requests, so every request destwatch sends to a
version is bounded by its `max_rps` and shows in the run's exchanges. Every request is bounded as a whole:
the complete answer within `timeout` and at most `max_response_bytes`. Transport failures are translated
here, at the boundary, each in its own words: no answer at all is `NoAnswer` (unreachable, exit 3), an
answer cut off, too large or redirecting elsewhere is a contract violation. After a few requests in a row
without an answer, a breaker stops sending to the version (or its token endpoint) for the rest of the run.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote_plus, urlsplit

import httpx

from destwatch import notices
from destwatch._bounded import TooLarge, TooLate, bounded, declared_too_large
from destwatch._breaker import THRESHOLD, Breaker
from destwatch._ratelimit import RateLimiter, retry_after_seconds
from destwatch.config import VersionTarget
from destwatch.errors import DestwatchError, NoAnswer, TokenError
from destwatch.failures import AnswerCutOff, AnswerTooLarge, RedirectNotFollowed, answer_digest
from destwatch.redact import MASK, curl, redact, redact_headers
from destwatch.tokens import Token, TokenCache, flow_of, parse_token_answer

__all__ = [
    "MAX_RETRY_AFTER",
    "BeyondBundle",
    "Client",
    "Exchange",
    "Recorder",
    "ReplayDiverged",
    "answer_within_budget",
    "no_answer",
    "redacted_exchange",
    "request_key",
    "token_request_key",
    "why_no_answer",
]

_EXCERPT = 500
# Request bodies are kept whole up to this size, so a recorded request can be sent again as it was.
_REQUEST_BODY_LIMIT = 64 * 1024
# A server asking for a longer pause than this gets no more requests: it is rate limiting, not answering.
MAX_RETRY_AFTER = 30.0
_MAX_429_RETRIES = 2
# Headers that described the bytes on the wire, not the decoded body a rebuilt answer holds.
# The fields of a token request naming the version's application (a replay on another version sends its own).
_CREDENTIALS = frozenset({"clientId", "clientSecret", "client_id", "client_secret", "audience"})
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class ReplayDiverged(DestwatchError):
    """A replay sent a request its finding's bundle does not hold: the replay is wrong, not the
    destination."""


class BeyondBundle(ReplayDiverged):
    """A replay's test went on past its finding's request, which no longer fails as it did: what the clause
    asks next (chosen from the new answers) is not in the bundle, and is not sent."""


def request_key(target: VersionTarget, method: str, url: str, body: bytes | str | None) -> notices.RequestKey:
    """A request as a replay matches it, redacted: the version, the method, the path and query relative to
    the version's base URL (`~/products?top=1`: an embedded reference listens on another port each run, and
    `--version` replays on another version), and the body in one form whoever serialized it. A request to
    the version's token URL is `token`, its credentials masked (each version has its own)."""
    text = redact(body.decode("utf-8", "replace") if isinstance(body, bytes) else body or "")
    if method.upper() == "POST" and url == target.token_url:
        return (target.id, "POST", "token", _token_body(text))
    with contextlib.suppress(ValueError):  # not JSON (a form, or nothing): kept as it was sent
        text = json.dumps(json.loads(text), sort_keys=True)
    url = redact(url)
    if url.startswith(target.base_url.rstrip("/") + "/"):
        where = "~/" + url.removeprefix(target.base_url.rstrip("/") + "/")
    else:
        parts = urlsplit(url)
        where = parts.path + (f"?{parts.query}" if parts.query else "")
    return (target.id, method.upper(), where, text)


def token_request_key(target: VersionTarget) -> notices.RequestKey:
    """The key of the version's own token request (`request_key`)."""
    fields = flow_of(target).request(target)
    built = httpx.Request("POST", target.token_url, json=fields.get("json"), content=fields.get("content"))
    return request_key(target, "POST", target.token_url, built.content)


def _token_body(text: str) -> str:
    """A token request's body with its credentials masked (as reports would mask them anyway: the key
    survives being written to a report), its fields in one order."""
    if "=" in text and not text.lstrip().startswith("{"):
        pieces = [piece.partition("=") for piece in text.split("&")]
        return "&".join(sorted(f"{k}={MASK if unquote_plus(k) in _CREDENTIALS else v}" for k, _, v in pieces))
    try:
        data = json.loads(text)
    except ValueError:
        return text  # a malformed body, as it was sent
    if isinstance(data, dict):
        data = {key: MASK if key in _CREDENTIALS else value for key, value in data.items()}
    return json.dumps(data, sort_keys=True)


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
    token; an `Authorization` in `headers=` replaces it. `data_breaker` and `token_breaker` say whether the
    version (or its token endpoint) still answers. `allowed`, when set, is every request the client may
    send (a replay's bundle); any other raises `ReplayDiverged` unsent, or `BeyondBundle` once the
    `finding`'s own request got another answer than it recorded.
    """

    allowed: frozenset[notices.RequestKey] | None = None
    # The finding's own request and the digest of the answer it got (`failures.answer_digest`).
    finding: tuple[notices.RequestKey, str] | None = None
    _finding_answered_otherwise = False

    def __init__(
        self,
        target: VersionTarget,
        *,
        recorder: Recorder | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        throttle_bound: float | None = None,
    ) -> None:
        self.target = target
        self.recorder = recorder if recorder is not None else Recorder()
        # A version answering only 429 is stopped after as long as a hung one: THRESHOLD timeouts, ≤ 60 s.
        bound = (
            throttle_bound if throttle_bound is not None else min(60.0, THRESHOLD * target.settings.timeout)
        )
        self.data_breaker = Breaker(target.id, throttle_bound=bound)
        self.token_breaker = Breaker(f"{target.id}: the token endpoint")
        self._limiter = RateLimiter(target.settings.max_rps)
        self._clock = clock
        self._sleep = sleep
        self._tokens = TokenCache(self.fetch_token, clock=clock)
        self._token_key: notices.RequestKey | None = None
        self._http = httpx.Client(
            timeout=target.settings.timeout,
            transport=transport,
            verify=_tls(),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "destwatch"},
        )

    def pace(self) -> None:
        """Wait for the version's next request slot (`max_rps`); for requests sent by another HTTP stack."""
        self._limiter.acquire()

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
        retry_429: bool = True,
    ) -> httpx.Response:
        """One request (a 401 gets one fresh token, a 429 its Retry-After twice); `retry_429=False` hands a
        429 back as it came (a clause about rate limits reads it)."""
        headers = dict(headers or {})
        use_token = (
            authenticated
            and self.target.protected
            and not any(name.lower() == "authorization" for name in headers)
        )
        request_kwargs = {
            "params": params,
            "json": json,
            "content": content,
            "timeout": timeout,
            "retry_429": retry_429,
        }
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
        """The version's current token, fetched first if missing or close to expiry (cached per run).

        A failed fetch is remembered: every later caller gets the same error at once, so a broken token
        endpoint is asked once per run, not once per test.
        """
        return self._tokens.get()

    def token_with_time_left(self) -> tuple[str, float]:
        """`token()` and the seconds it has left to live, by this client's clock."""
        return self._tokens.get_with_time_left()

    def invalidate_token(self) -> None:
        self._tokens.invalidate()

    def cached_token(self) -> Token | None:
        """The cached token while it is fresh, to hand to another process of the run."""
        return self._tokens.current()

    def adopt_token(self, token: Token) -> None:
        self._tokens.adopt(token)

    @property
    def tokens_fetched(self) -> int:
        """How many tokens the cache fetched in this run (reports show it: fewer is gentler)."""
        return self._tokens.fetches

    def fetch_token(self) -> Token:
        """One fresh token from the version's token endpoint (in its `token_flow`), bypassing the cache."""
        target = self.target
        if target.client_id is None or target.client_secret is None:
            raise TokenError(f"{target.id}: no client_id/client_secret configured for this version")
        flow = flow_of(target)
        request = flow.request(target)
        headers = request.pop("headers", {})
        # The lifetime counts from the request, not the answer: a slow endpoint must not stretch it.
        sent_at = self._clock()
        try:
            response = self._send("POST", target.token_url, headers, timeout=None, **request)
        except RedirectNotFollowed as redirect:
            raise TokenError(
                f"{target.id}: the token endpoint answered {redirect.status} with a redirect (not followed: "
                "the client secret never leaves for another address)"
            ) from None
        return parse_token_answer(target.id, response, sent_at, flow=flow)

    def close(self) -> None:
        self._http.close()

    # -- sending -----------------------------------------------------------------------------------------

    def _bearer(self, headers: dict[str, str]) -> dict[str, str]:
        token = self.token()
        # The cached token stands for the request that fetched it: a replay of this test fetches one.
        if self._token_key is None:
            self._token_key = token_request_key(self.target)
        notices.used(self._token_key)
        return {**headers, "Authorization": f"Bearer {token}"}

    def used(self, request: httpx.Request) -> None:
        """The current test relies on `request`, sent by this client earlier (an answer reused)."""
        notices.used(request_key(self.target, request.method, str(request.url), request.content))

    def _check_bundle(self, key: notices.RequestKey) -> None:
        if self.allowed is not None and key not in self.allowed:
            method, path, body = key[1:]
            request = f"{self.target.id} {method} {path}" + (f" {body[:200]}" if body else "")
            if self._finding_answered_otherwise:
                raise BeyondBundle(
                    f"the finding's request no longer fails as it did; the clause went on to {request}"
                )
            raise ReplayDiverged(f"the replay diverged from the bundle: {request}")

    def _answered(self, key: notices.RequestKey, response: httpx.Response) -> None:
        if self.finding is not None and key == self.finding[0]:
            self._finding_answered_otherwise = (
                answer_digest(response.status_code, response) != self.finding[1]
            )

    def _breaker_for(self, url: str) -> Breaker:
        return self.token_breaker if url == self.target.token_url else self.data_breaker

    def _send(
        self,
        method: str,
        path_or_url: str,
        headers: dict[str, str],
        *,
        timeout: float | None,
        retry_429: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            self.target.url(path_or_url),
            headers=headers,
            timeout=timeout if timeout is not None else self._http.timeout,
            **{key: value for key, value in kwargs.items() if value is not None},
        )
        key = request_key(self.target, request.method, str(request.url), request.content)
        if self.allowed is not None:
            self._check_bundle(key)
        notices.used(key)
        breaker = self._breaker_for(str(request.url))
        limit = timeout if timeout is not None else self.target.settings.timeout
        for attempt in range(_MAX_429_RETRIES + 1):
            breaker.check()
            try:
                response = self._send_once(request, limit)
            except NoAnswer as exc:
                breaker.failed(exc.reason)
                raise
            if response.status_code != 429 or not retry_429:
                breaker.answered()
                if 300 <= response.status_code < 400:
                    raise RedirectNotFollowed(response)
                self._answered(key, response)
                return response
            wait = retry_after_seconds(response)
            breaker.throttled(wait or 0.0, f"Retry-After: {response.headers.get('Retry-After', 'none')}")
            if wait is None or wait > MAX_RETRY_AFTER or attempt == _MAX_429_RETRIES:
                raise _rate_limited(self.target, response, wait, attempt)
            self._sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def _send_once(self, request: httpx.Request, limit: float) -> httpx.Response:
        self._limiter.acquire()
        started = time.perf_counter()
        deadline = time.monotonic() + limit
        body = b""
        try:
            response = self._http.send(request, stream=True)
            try:
                body = self._read(request, response, deadline)
            finally:
                response.close()
        except NoAnswer as exc:
            self._record(request, None, time.perf_counter() - started, error=exc.kind)
            raise
        except httpx.TransportError as exc:
            failure = no_answer(self.target, request, exc, limit)
            self._record(request, None, time.perf_counter() - started, error=failure.kind)
            raise failure from None
        elapsed = time.perf_counter() - started
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
        whole = httpx.Response(response.status_code, headers=headers, content=body, request=request)
        whole.elapsed = datetime.timedelta(seconds=elapsed)
        self._record(request, whole, elapsed)
        return whole

    def _read(self, request: httpx.Request, response: httpx.Response, deadline: float) -> bytes:
        limit = self.target.settings.max_response_bytes
        if declared_too_large(response.headers.get("Content-Length"), limit):
            raise AnswerTooLarge(curl(request), limit)
        received = 0
        chunks = []
        try:
            for chunk in bounded(response.iter_bytes(), deadline=deadline, limit=limit):
                received += len(chunk)
                chunks.append(chunk)
        except TooLarge:
            raise AnswerTooLarge(curl(request), limit) from None
        except TooLate as late:
            raise _too_late(self.target, request, late.received) from None
        except httpx.TimeoutException:
            raise _too_late(self.target, request, received) from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise AnswerCutOff(curl(request), received) from None
        return b"".join(chunks)

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
                content=response.content if response is not None else b"",
                encoding=response.encoding if response is not None else None,
                elapsed=elapsed,
                error=error,
            )
        )


_Answer = TypeVar("_Answer")


def answer_within_budget(
    send: Callable[[], _Answer], budget: float | None, *, seconds: Callable[[_Answer], float]
) -> _Answer:
    """`send()`'s answer, sent again once when it took longer than `budget` seconds; the second is kept.

    One slow answer is noise (a loaded runner, a network hiccup): a response-time budget is broken when the
    same request is slow twice.
    """
    response = send()
    if budget is not None and seconds(response) > budget:
        response = send()
    return response


@functools.cache
def _tls() -> ssl.SSLContext:
    """The trust store of every client of the process, loaded once: httpx loads it per client by default,
    20 ms each, for every version of a run (and sharing one context between clients is safe)."""
    return httpx.create_ssl_context()


def redacted_exchange(
    target: str,
    *,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | str | None,
    status: int | None,
    content: bytes,
    encoding: str | None,
    elapsed: float,
    error: str = "",
) -> Exchange:
    """An `Exchange` as the reports keep it, whichever client sent it: redacted, the answer's body (`content`
    in `encoding`, UTF-8 if unknown) cut to an excerpt, the request's kept whole (up to 64 KiB)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    return Exchange(
        target=target,
        method=method,
        url=redact(url),
        status=status,
        elapsed=elapsed,
        request_headers=redact_headers(headers),
        request_body=redact(text[:_REQUEST_BODY_LIMIT]),
        response_body=redact(_excerpt(content, encoding)),
        error=error,
    )


def _excerpt(content: bytes, encoding: str | None) -> str:
    # Only the bytes the excerpt can take are decoded (a character is at most 4 bytes, and one more may be
    # cut in two): decoding whole answers to keep their first 500 characters showed in every run.
    head = content[: 4 * (_EXCERPT + 1)]
    try:
        return head.decode(encoding or "utf-8", "replace")[:_EXCERPT]
    except LookupError:  # a charset no codec knows, as a server declared it
        return head.decode("utf-8", "replace")[:_EXCERPT]


def no_answer(target: VersionTarget, request: httpx.Request, exc: Exception, limit: float) -> NoAnswer:
    """`NoAnswer` saying which version, which request and why, in words ("connection refused", ...)."""
    timed_out = (
        "connect"
        if isinstance(exc, httpx.ConnectTimeout)
        else "read"
        if isinstance(exc, httpx.TimeoutException)
        else None
    )
    kind, reason = why_no_answer(exc, limit, timed_out=timed_out)
    owner = f"{target.id}: the token endpoint" if str(request.url) == target.token_url else target.id
    return NoAnswer(f"{reason} ({request.method} {redact(str(request.url))})", kind=kind, owner=owner)


def why_no_answer(exc: BaseException, limit: float, *, timed_out: str | None) -> tuple[str, str]:
    """The kind and the words for a request that got no answer, whichever transport sent it.

    `timed_out` is "connect" or "read" when the transport raised a timeout, else None.
    """
    text = str(exc).lower()
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLError) or "ssl" in text or "tls" in text or "certificate" in text:
        return "tls", f"TLS handshake failed ({redact(str(cause or exc))[:200]})"
    if timed_out == "connect":
        return "timeout", f"no connection within {limit:g} s"
    if timed_out == "read":
        return "timeout", f"no answer within {limit:g} s"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "dns", "host not found (DNS)"
    if "refused" in text:
        return "refused", "connection refused"
    if "reset" in text:
        return "reset", "connection reset before an answer"
    if "disconnected" in text or "closed" in text or "without response" in text or "protocol" in text:
        return "closed", "the server closed the connection without an answer"
    return "closed", f"no answer ({type(exc).__name__}: {redact(str(exc))[:200]})"


def _too_late(target: VersionTarget, request: httpx.Request, received: int) -> NoAnswer:
    limit = target.settings.timeout
    if received == 0:
        return no_answer(target, request, httpx.ReadTimeout("timed out"), limit)
    where = f"{request.method} {redact(str(request.url))}"
    owner = f"{target.id}: the token endpoint" if str(request.url) == target.token_url else target.id
    return NoAnswer(
        f"no complete answer within {limit:g} s ({received} bytes had arrived; {where})",
        kind="timeout",
        owner=owner,
    )


def _rate_limited(
    target: VersionTarget, response: httpx.Response, wait: float | None, attempt: int
) -> NoAnswer:
    header = response.headers.get("Retry-After", "none")
    if wait is not None and wait > MAX_RETRY_AFTER:
        why = f"Retry-After {header} s is longer than destwatch waits ({MAX_RETRY_AFTER:g} s)"
    else:
        why = f"still 429 after {attempt} waits (Retry-After: {header})"
    where = f"{response.request.method} {redact(str(response.request.url))}"
    return NoAnswer(f"rate limited: {why} ({where})", kind="rate-limited", owner=target.id, retry_after=wait)
