"""A circuit breaker per destination version: a version that stops answering costs a few timeouts, not
one per test; a version that keeps answering 429 costs at most the same time (`throttle_bound`), not the
Retry-After of every test."""

from __future__ import annotations

import math
import threading

from destwatch.errors import NoAnswer

__all__ = ["Breaker"]

# Requests in a row that got no answer before destwatch stops sending to the version.
THRESHOLD = 3


class Breaker:
    """Counts requests in a row that got no answer; once `threshold` is reached, refuses to send more.

    Any answer (whatever its status) closes it again: the version is reachable, its answers are judged.
    """

    def __init__(self, owner: str, *, threshold: int = THRESHOLD, throttle_bound: float = math.inf) -> None:
        self.owner = owner
        self.threshold = threshold
        self.throttle_bound = throttle_bound
        self._in_a_row = 0
        self._last = ""
        self._throttled_for = 0.0
        self._last_429 = ""
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise `NoAnswer` instead of sending, once the version has stopped answering (kind "breaker"), or
        has answered nothing but 429 for `throttle_bound` seconds of Retry-After (kind "rate-limited")."""
        with self._lock:
            if self._in_a_row >= self.threshold:
                raise NoAnswer(
                    f"{self._last} on {self._in_a_row} requests in a row; no more are sent in this run",
                    kind="breaker",
                    owner=self.owner,
                )
        stopped = self.throttled_out()
        if stopped is not None:
            raise NoAnswer(stopped, kind="rate-limited", owner=self.owner)

    def throttled_out(self) -> str | None:
        """Why nothing more is sent because the version keeps throttling, or None."""
        with self._lock:
            if self._throttled_for < self.throttle_bound:
                return None
            return (
                f"throttled: answered only 429 for {self._throttled_for:g} s of Retry-After in a row "
                f"({self._last_429}); no more are sent in this run"
            )

    def failed(self, reason: str) -> None:
        with self._lock:
            self._in_a_row += 1
            self._last = reason

    def answered(self) -> None:
        with self._lock:
            self._in_a_row = 0
            self._throttled_for = 0.0

    def throttled(self, seconds: float, why: str) -> None:
        """A 429 asking for `seconds` (0 without Retry-After): an answer, but time the version costs."""
        with self._lock:
            self._in_a_row = 0
            self._throttled_for += seconds
            self._last_429 = why
