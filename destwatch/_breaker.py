"""A circuit breaker per destination version: a version that stops answering costs a few timeouts, not
one per test."""

from __future__ import annotations

import threading

from destwatch.errors import NoAnswer

__all__ = ["Breaker"]

# Requests in a row that got no answer before destwatch stops sending to the version.
THRESHOLD = 3


class Breaker:
    """Counts requests in a row that got no answer; once `threshold` is reached, refuses to send more.

    Any answer (whatever its status) closes it again: the version is reachable, its answers are judged.
    """

    def __init__(self, owner: str, *, threshold: int = THRESHOLD) -> None:
        self.owner = owner
        self.threshold = threshold
        self._in_a_row = 0
        self._last = ""
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise `NoAnswer` (kind "breaker") instead of sending, once the version has stopped answering."""
        with self._lock:
            if self._in_a_row >= self.threshold:
                raise NoAnswer(
                    f"{self._last} on {self._in_a_row} requests in a row; no more are sent in this run",
                    kind="breaker",
                    owner=self.owner,
                )

    def failed(self, reason: str) -> None:
        with self._lock:
            self._in_a_row += 1
            self._last = reason

    def answered(self) -> None:
        with self._lock:
            self._in_a_row = 0
