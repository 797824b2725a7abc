"""Stopping a session from a signal, for sure and at once.

A signal handler's exception is raised wherever the main thread happens to be. When that is a finalizer
(`__del__`, a weakref callback: the garbage collector runs them between any two lines), the interpreter
prints it as "Exception ignored" and the session goes on as if nothing happened. So the signal is delivered
again, a quarter of a second apart, until pytest has heard the interrupt (its
`pytest_keyboard_interrupt`; a `Stopper` is registered as a plugin for that).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import NoReturn

import pytest

__all__ = ["Stopper"]

_AGAIN_AFTER = 0.25


class Stopper:
    """Turns SIGINT and SIGTERM into `stop(signum)`, which must raise, until pytest has heard one."""

    def __init__(self, stop: Callable[[int], NoReturn]) -> None:
        self._stop = stop
        self._heard = threading.Event()
        self._repeating = False

    def install(self, signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Callable[[], None]:
        """Handle `signums` from now on; returns what puts the previous handlers back. Only the main thread
        receives signals: elsewhere (an embedding caller's thread) nothing changes."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {signum: signal.signal(signum, self._on_signal) for signum in signums}

        def restore() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        return restore

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self) -> None:
        """Pytest has the interrupt: it ends the session now, and later signals must not cut that short."""
        self._heard.set()

    def _on_signal(self, signum: int, frame: object) -> None:
        if self._heard.is_set():
            return
        if not self._repeating:
            self._repeating = True
            threading.Thread(
                target=self._again, args=(signum,), name="destwatch-stopper", daemon=True
            ).start()
        self._stop(signum)

    def _again(self, signum: int) -> None:
        while not self._heard.wait(_AGAIN_AFTER):
            os.kill(os.getpid(), signum)
