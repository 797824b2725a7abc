"""A misbehaving destination: a loopback HTTP proxy in front of a real reference destination.

It forwards every request unchanged, except the requests its `Rule` matches, which it mangles at the byte
level (answers that never come, drip, stop halfway, reset, lie about their length, redirect...). It is
written on raw asyncio streams, not on an HTTP framework, because most manglings are things a framework
would refuse to do. It counts what it sees per request family, so tests can assert how gently (or how
stubbornly) destwatch kept asking:

- `token`: `POST /destinations/{destinationId}/token`
- `document`: `GET /{customer}/{destination}/{version}/openapi`
- `data`: every other path under `/{customer}/{destination}/{version}/`
- `other`: anything else (e.g. where a redirect points)

Beside the proxy listens a *trap*: another host (another port) that only counts who came, for redirects
that must not be followed. A TLS ClientHello reaching the proxy (an `https://` URL pointed at it) is answered
with garbage and the connection closed, as a plain TCP service would.

    with MisbehavingProxy(upstream_url, Rule("data", Mangle.HANG)) as proxy:
        ...  # point destwatch at proxy.url
        assert proxy.count("data") <= 12
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import http
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import httpx

__all__ = ["Family", "Mangle", "MisbehavingProxy", "Retry", "Rule", "Seen", "family_of"]

Family = Literal["token", "document", "data", "other"]
VERSION_FAMILIES: tuple[Family, ...] = ("token", "document", "data")

_TOKEN = re.compile(r"^/destinations/[^/]+/token/?$")
_DOCUMENT = re.compile(r"^/[^/]+/[^/]+/v\d+/openapi/?$")
_DATA = re.compile(r"^/[^/]+/[^/]+/v\d+/[^/]")
# Never forwarded as they came: they describe one connection, not the request.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
)
_TLS_HANDSHAKE = 0x16
HUGE_BODY_BYTES = 50 * 1024 * 1024


def family_of(path: str) -> Family:
    """Which family a request path (without its query) belongs to."""
    if _TOKEN.match(path):
        return "token"
    if _DOCUMENT.match(path):
        return "document"
    if _DATA.match(path):
        return "data"
    return "other"


class Mangle(enum.Enum):
    """What the proxy does to a matched request; each has one method of `MisbehavingProxy` (`_<name>`)."""

    FORWARD = "forward"
    """Forward unchanged (what every unmatched request gets)."""
    HANG = "hang"
    """Read the request, never answer, keep the connection open."""
    SLOW = "slow"
    """Wait `Rule.delay` seconds, then forward."""
    DRIP = "drip"
    """Forward, then send the status line and headers at once and the body one byte every `Rule.delay` s."""
    RESET = "reset"
    """Reset the connection (RST, `SO_LINGER` 0) before any byte of an answer."""
    RESET_MID_BODY = "reset_mid_body"
    """Forward, send status, headers (the true `Content-Length`) and half the body, then RST."""
    CLOSE_MID_BODY = "close_mid_body"
    """Forward, send status, headers (the true `Content-Length`) and half the body, then close (FIN)."""
    CLOSE = "close"
    """Close the connection (FIN) without answering."""
    ANSWER = "answer"
    """Answer `Rule.status`, `Rule.content_type`, `Rule.body` and `Rule.headers` instead of forwarding."""
    HUGE_BODY = "huge_body"
    """Answer 200 with a valid-looking JSON envelope of 50 MB (the upstream's results, repeated)."""
    RATE_LIMIT_ONCE = "rate_limit_once"
    """Answer 429 `Retry-After: Rule.retry_after` to each request the first time, forward its retry."""
    REDIRECT = "redirect"
    """Answer `Rule.status` with `Location: Rule.location` ({proxy}, {trap} and {path} filled in)."""


@dataclass(frozen=True)
class Rule:
    """Which requests to mangle (`on`: a family, or `"version"`: token, document and data) and how."""

    on: Family | Literal["version"]
    mangle: Mangle
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    location: str = ""
    delay: float = 0.2
    retry_after: int = 1

    def matches(self, family: Family) -> bool:
        return family == self.on or (self.on == "version" and family in VERSION_FAMILIES)


@dataclass(frozen=True)
class Seen:
    """One request as the proxy read it."""

    at: float
    family: Family
    method: str
    target: str
    mangled: bool


@dataclass(frozen=True)
class Retry:
    """A request the proxy answered 429, and when its retry came (None: it never did)."""

    key: tuple[str, str, bytes]
    limited_at: float
    retried_at: float | None = None

    @property
    def waited(self) -> float | None:
        return None if self.retried_at is None else self.retried_at - self.limited_at


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        connection = {value.lower() for name, value in self.headers if name.lower() == "connection"}
        return "close" not in connection and self.version == "HTTP/1.1"

    @property
    def key(self) -> tuple[str, str, bytes]:
        return (self.method, self.target, self.body)


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class MisbehavingProxy:
    """The proxy and its trap, on loopback, served from their own thread and event loop.

    Use it as a context manager (or `start()` / `stop()`); `rule` may be replaced while it runs.
    """

    def __init__(self, upstream_url: str, rule: Rule | None = None) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.rule = rule
        self.trap_hits = 0
        self.tls_hellos = 0
        # Exceptions inside the proxy itself: a test that sees one failed because of the proxy.
        self.errors: list[str] = []
        self._seen: list[Seen] = []
        self._retries: list[Retry] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="misbehaving-proxy", daemon=True)
        self._handlers: set[asyncio.Task[None]] = set()
        self._port = 0
        self._trap_port = 0

    # -- lifecycle ---------------------------------------------------------------------------------------

    def __enter__(self) -> MisbehavingProxy:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _listen(self) -> None:
        self._stopping = asyncio.Event()
        self._upstream = httpx.AsyncClient(timeout=30.0)
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self._trap = await asyncio.start_server(self._trapped, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]
        self._trap_port = self._trap.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        self._stopping.set()
        self._server.close()
        self._trap.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._upstream.aclose()

    # -- what tests read ---------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def trap_url(self) -> str:
        """Another host: a listener that counts every connection (`trap_hits`) and answers 200 `{}`."""
        return f"http://127.0.0.1:{self._trap_port}"

    def count(self, family: Family) -> int:
        """How many requests of `family` the proxy has read so far."""
        with self._changed:
            return sum(1 for seen in self._seen if seen.family == family)

    def counts(self) -> dict[str, int]:
        with self._changed:
            return dict(Counter(seen.family for seen in self._seen))

    def seen(self) -> list[Seen]:
        with self._changed:
            return list(self._seen)

    def retries(self) -> list[Retry]:
        """Every 429 `RATE_LIMIT_ONCE` gave, with its retry."""
        with self._changed:
            return list(self._retries)

    def wait_until(self, condition: Callable[[MisbehavingProxy], bool], timeout: float) -> bool:
        """Block until `condition(self)` holds (re-checked on every request the proxy reads)."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self), timeout=timeout)

    def _note(self, seen: Seen) -> None:
        with self._changed:
            self._seen.append(seen)
            self._changed.notify_all()

    # -- connections -------------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def serve(conn: _Conn) -> None:
            first = await reader.read(1)
            if first and first[0] == _TLS_HANDSHAKE:
                await self._tls_garbage(conn)
                return
            while first:
                request = await _read_request(reader, first)
                if request is None:
                    return
                family = family_of(request.path)
                rule = self.rule
                mangle = rule.mangle if rule is not None and rule.matches(family) else Mangle.FORWARD
                mangled = mangle is not Mangle.FORWARD
                self._note(Seen(time.monotonic(), family, request.method, request.target, mangled))
                answer = getattr(self, f"_{mangle.value}")
                keep_alive = await answer(request, conn, rule)
                first = await reader.read(1) if keep_alive else b""

        await self._handle(serve, _Conn(reader, writer))

    async def _trapped(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def serve(conn: _Conn) -> None:
            with self._changed:
                self.trap_hits += 1
                self._changed.notify_all()
            with contextlib.suppress(asyncio.TimeoutError, asyncio.IncompleteReadError):
                await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            await self._write_canned(writer, 200, "application/json", b"{}", (("Connection", "close"),))

        await self._handle(serve, _Conn(reader, writer))

    async def _handle(self, serve: Callable[[_Conn], Awaitable[None]], conn: _Conn) -> None:
        """Run one connection to its end: a client hanging up is normal, anything else is a proxy bug."""
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await serve(conn)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the proxy is stopping; ending quietly (asyncio logs a cancelled handler as an error)
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self._handlers.discard(task)
            conn.writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await conn.writer.wait_closed()

    async def _tls_garbage(self, conn: _Conn) -> None:
        """An `https://` client met a plain TCP service: the ClientHello gets garbage, then FIN."""
        self.tls_hellos += 1
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(conn.reader.read(16384), timeout=1)
        conn.writer.write(b"garbage, not a TLS ServerHello\x00\xff\xfe\r\n\r\n")
        await conn.writer.drain()

    # -- the manglings: one method per `Mangle`, each returns whether the connection stays open --------------

    async def _forward(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        status, headers, body = await self._upstream_answer(request)
        await _write_head(conn.writer, status, [*headers, ("Content-Length", str(len(body)))])
        conn.writer.write(body)
        await conn.writer.drain()
        return request.keep_alive

    async def _hang(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        await self._stopping.wait()
        return False

    async def _slow(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        assert rule is not None
        await asyncio.sleep(rule.delay)
        return await self._forward(request, conn, rule)

    async def _drip(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        assert rule is not None
        status, headers, body = await self._upstream_answer(request)
        await _write_head(conn.writer, status, [*headers, ("Content-Length", str(len(body)))])
        gone = asyncio.ensure_future(conn.reader.read(1))  # b"" (or an error) once the client hangs up
        try:
            for index in range(len(body)):
                if gone.done():
                    return False
                conn.writer.write(body[index : index + 1])
                await conn.writer.drain()
                await asyncio.sleep(rule.delay)
        finally:
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await gone
        return request.keep_alive

    async def _reset(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        _abort_with_rst(conn.writer)
        return False

    async def _reset_mid_body(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        await self._half_body(request, conn)
        _abort_with_rst(conn.writer)
        return False

    async def _close_mid_body(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        await self._half_body(request, conn)
        return False  # the connection closes (FIN) short of the promised Content-Length

    async def _close(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        return False

    async def _answer(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        assert rule is not None
        await self._write_canned(conn.writer, rule.status, rule.content_type, rule.body, rule.headers)
        return request.keep_alive

    async def _huge_body(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        _, _, upstream_body = await self._upstream_answer(request)
        item, block, repeats, size = _huge_envelope(upstream_body)
        await _write_head(
            conn.writer, 200, [("Content-Type", "application/json"), ("Content-Length", str(size))]
        )
        conn.writer.write(b'{"language": "en", "results": [')
        for _ in range(repeats):
            conn.writer.write(block)
            await conn.writer.drain()
        conn.writer.write(item + b"]}")
        await conn.writer.drain()
        return request.keep_alive

    async def _rate_limit_once(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        assert rule is not None
        now = time.monotonic()
        with self._changed:
            pending = next(
                (i for i, r in enumerate(self._retries) if r.key == request.key and r.retried_at is None),
                None,
            )
            if pending is not None:
                self._retries[pending] = Retry(request.key, self._retries[pending].limited_at, now)
        if pending is not None:
            return await self._forward(request, conn, rule)
        body = json.dumps({"error": "rate limited", "detail": "slow down"}).encode()
        await self._write_canned(
            conn.writer, 429, "application/json", body, (("Retry-After", str(rule.retry_after)),)
        )
        with self._changed:
            self._retries.append(Retry(request.key, time.monotonic()))
        return request.keep_alive

    async def _redirect(self, request: _Request, conn: _Conn, rule: Rule | None) -> bool:
        assert rule is not None
        location = rule.location.format(proxy=self.url, trap=self.trap_url, path=request.path)
        body = json.dumps({"moved": location}).encode()
        redirect = (("Location", location),)
        await self._write_canned(conn.writer, rule.status, "application/json", body, redirect)
        return request.keep_alive

    # -- helpers -----------------------------------------------------------------------------------------

    async def _upstream_answer(self, request: _Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """The reference destination's answer, with the request as it came (Host included, so documents
        name the proxy's address)."""
        url = httpx.URL(self.upstream_url).copy_with(raw_path=request.target.encode("latin-1"))
        headers = [(n, v) for n, v in request.headers if n.lower() not in _HOP_BY_HOP | {"content-length"}]
        response = await self._upstream.request(request.method, url, headers=headers, content=request.body)
        dropped = _HOP_BY_HOP | {"content-length", "content-encoding"}
        kept = [(n, v) for n, v in response.headers.multi_items() if n.lower() not in dropped]
        return response.status_code, kept, response.content

    async def _half_body(self, request: _Request, conn: _Conn) -> None:
        status, headers, body = await self._upstream_answer(request)
        await _write_head(conn.writer, status, [*headers, ("Content-Length", str(len(body)))])
        conn.writer.write(body[: len(body) // 2])
        await conn.writer.drain()

    @staticmethod
    async def _write_canned(
        writer: asyncio.StreamWriter,
        status: int,
        content_type: str,
        body: bytes,
        headers: tuple[tuple[str, str], ...],
    ) -> None:
        await _write_head(
            writer, status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers]
        )
        writer.write(body)
        await writer.drain()


async def _read_request(reader: asyncio.StreamReader, first: bytes) -> _Request | None:
    """One HTTP/1.x request (`first` is its first byte, already read); None when the client went away."""
    try:
        head = first + await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, target, version = request_line.split(" ", 2)
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines if ":" in line]
    fields = {name.lower(): value for name, value in headers}
    if "chunked" in fields.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(fields.get("content-length", "0") or 0))
    return _Request(method, target, version, [(n, v) for n, v in headers], body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers from the clients under test
            return body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _write_head(writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]]) -> None:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {status} {phrase}", *(f"{name}: {value}" for name, value in headers)]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()


def _abort_with_rst(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST rather than a FIN: linger on, zero seconds."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _huge_envelope(upstream_body: bytes) -> tuple[bytes, bytes, int, int]:
    """A `{"language", "results"}` envelope of `HUGE_BODY_BYTES`, streamed as `repeats` blocks of items then
    one last item: (item, block, repeats, exact total size)."""
    try:
        results = json.loads(upstream_body).get("results") or []
    except (ValueError, AttributeError):
        results = []
    sample = results[0] if results and isinstance(results[0], dict) else {"id": "NW-10001", "title": "Tote"}
    item = json.dumps(sample).encode()
    block = (item + b",") * max(1, (1024 * 1024) // (len(item) + 1))
    repeats = HUGE_BODY_BYTES // len(block)
    prefix, suffix = b'{"language": "en", "results": [', b"]}"
    return item, block, repeats, len(prefix) + repeats * len(block) + len(item) + len(suffix)
