"""Serving the reference destination with uvicorn: in a thread for tests, in a child process for runs, in
the foreground for users.

The listening socket is bound here, before uvicorn starts, so a busy port is a clear `ServerStartError` and
port 0 yields the real port at once. Readiness is uvicorn's own start-up signal, never a sleep.

A run serves its embedded reference from a child process: in a thread, the server and the run's checks
took turns on one interpreter lock while the second core idled. The parent listens on the socket before the
child starts and hands it over, so connections made while the child is still importing wait in the
socket's backlog instead of being refused, and the child's start overlaps the parent's own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

__all__ = [
    "RunningServer",
    "ServedProcess",
    "ServerStartError",
    "serve_forever",
    "serve_handed_socket",
    "serve_in_process",
    "serve_in_thread",
]

_START_TIMEOUT = 30.0
# Long enough for in-flight answers to finish, short enough that a `hang` request never blocks a stop.
_GRACEFUL_SHUTDOWN = 1
_KEEP_ALIVE = 75
# uvicorn's own backlog: the parent listens with it until the child takes the socket over.
_BACKLOG = 2048
_READY = b"ready\n"


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


class ServedProcess:
    """A reference destination served by a child process; `url` has no trailing slash and is known at once.

    `ready()` waits until the child accepts connections (the first caller waits, the others return at
    once). The child stops when `stop()` kills it, or when the parent dies: it serves until its stdin, a
    pipe only the parent holds, closes.
    """

    def __init__(self, settings: Mapping[str, Any], host: str, port: int) -> None:
        sock = _bind(host, port)
        self.url = _url(sock)
        # Why the child did not start, once it was waited for ("" when it did).
        self._failure: str | None = None
        self._lock = threading.Lock()
        try:
            sock.listen(_BACKLOG)
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "destwatch.reference._child",
                    str(sock.fileno()),
                    json.dumps(settings),
                ],
                pass_fds=(sock.fileno(),),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Ctrl+C in a terminal reaches the run, which reports and then stops the child; the child
                # itself must not stop first, under tests still running.
                start_new_session=True,
            )
        except OSError as exc:
            raise ServerStartError(f"the reference destination did not start: {exc}") from None
        finally:
            # The child holds the socket now: should it die, connections are refused, not queued forever.
            sock.close()

    def ready(self, timeout: float = _START_TIMEOUT) -> None:
        """Return once the child accepts connections; `ServerStartError` if it exited or hung instead."""
        with self._lock:
            if self._failure is None:
                self._failure = self._await_ready(timeout)
        if self._failure:
            raise ServerStartError(self._failure)

    def _await_ready(self, timeout: float) -> str:
        assert self._process.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._process.stdout], [], [], remaining)[0]:
                return f"the reference destination did not start on {self.url} within {timeout:g} s"
            chunk = os.read(self._process.stdout.fileno(), 64)
            if not chunk:
                code = self._process.wait()
                return (
                    f"the reference destination did not start on {self.url}: its process exited with code "
                    f"{code} (its error is printed above)"
                )
            line += chunk
        return "" if line == _READY else f"the reference destination said {line!r}"

    def stop(self) -> None:
        """Kill the child and wait for it; idempotent. Nothing is left to answer: the run is over."""
        self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> ServedProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_process(settings: Mapping[str, Any], host: str = "127.0.0.1", port: int = 0) -> ServedProcess:
    """Serve `create_app(**settings)` on `host:port` (0: a free port) from a child process; returns at once,
    before the child is ready (see `ServedProcess.ready`). `settings` are JSON: the child builds the app."""
    return ServedProcess(settings, host, port)


def serve_handed_socket(fd: int, app: ASGIApp) -> None:
    """The child's side of `serve_in_process`: serve `app` on the listening socket `fd` until stdin closes,
    saying `ready` on stdout once it accepts."""
    server = _Server(_config(app, "warning"), on_ready=_say_ready)

    def stop_with_parent() -> None:
        sys.stdin.buffer.read()
        server.should_exit = True

    threading.Thread(target=stop_with_parent, name="destwatch-reference parent", daemon=True).start()
    server.run(sockets=[socket.socket(fileno=fd)])


def _say_ready() -> None:
    sys.stdout.buffer.write(_READY)
    sys.stdout.buffer.flush()
    # The parent reads no further: anything printed later goes to stderr, never into a pipe that fills up
    # and stops the server mid-run.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
