"""Serving the reference destination with uvicorn: in a thread for tests, in the foreground for users.

The listening socket is bound here, before uvicorn starts, so a busy port is a clear `ServerStartError` and
port 0 yields the real port at once. Readiness is uvicorn's own start-up signal, never a sleep.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

__all__ = ["RunningServer", "ServerStartError", "serve_forever", "serve_in_thread"]

_START_TIMEOUT = 30.0
# Long enough for in-flight answers to finish, short enough that a `hang` request never blocks a stop.
_GRACEFUL_SHUTDOWN = 1
_KEEP_ALIVE = 75


class _CancelledAtShutdown(logging.Filter):
    """Drops uvicorn's reports of requests it cancelled while stopping.

    Under the `hang` fault that is every request, by design: the harness's timeout has long given up on
    them, and a traceback per request after the run's summary would read like a crash of destwatch.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        return "timeout graceful shutdown exceeded" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_CancelledAtShutdown())


class ServerStartError(RuntimeError):
    """The server could not start (port busy, bad address, start-up failure)."""


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._on_ready()


def _bind(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:
        raise ServerStartError(f"port must be between 0 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServerStartError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    # The TCP protocol number matters: asyncio only sets TCP_NODELAY on sockets that declare it, and without
    # it Nagle plus delayed ACKs add 40 ms to every answer uvicorn writes in two parts.
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def _config(app: ASGIApp, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN,
        # Clients keep idle connections 5 s (httpx's default). With uvicorn's own 5 s, the server now and then
        # closed one just as a client reused it: a reset before any answer. Production front ends keep idle
        # connections far longer (nginx 75 s), as the reference now does.
        timeout_keep_alive=_KEEP_ALIVE,
    )


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class RunningServer:
    """A reference destination served from a background thread; `url` has no trailing slash."""

    def __init__(self, app: ASGIApp, host: str, port: int, *, log_level: str = "warning") -> None:
        self.app = app
        self._socket = _bind(host, port)
        self.url = _url(self._socket)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server = _Server(_config(app, log_level), on_ready=self._ready.set)
        self._thread = threading.Thread(target=self._run, name=f"destwatch-reference {self.url}", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT) or self._error is not None:
            self.stop()
            raise ServerStartError(f"the reference destination did not start on {self.url}: {self._error!r}")

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()

    def stop(self) -> None:
        """Stop serving and wait for the thread; idempotent."""
        self._server.should_exit = True
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_GRACEFUL_SHUTDOWN + 10)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve `app` on `host:port` (0: a free port) in a daemon thread; returns once it accepts connections."""
    return RunningServer(app, host, port)


def serve_forever(
    app: ASGIApp, host: str, port: int, *, on_ready: Callable[[str], None], log_level: str = "warning"
) -> None:
    """Serve `app` in the foreground until SIGINT/SIGTERM; `on_ready(url)` runs once it is accepting."""
    sock = _bind(host, port)
    url = _url(sock)
    server = _Server(_config(app, log_level), on_ready=lambda: on_ready(url))
    try:
        # uvicorn handles SIGINT/SIGTERM here (main thread) and re-raises them once it has shut down.
        server.run(sockets=[sock])
    finally:
        sock.close()
