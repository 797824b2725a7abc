"""A per-target request pacer, so a run never hits a destination faster than its `max_rps`."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable

import httpx

__all__ = ["RateLimiter", "retry_after_seconds"]


class RateLimiter:
    """Spaces calls at least `1 / rate` seconds apart (no bursts: production destinations are shared)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next free slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The pause a 429 asks for (`Retry-After` in seconds or as an HTTP date); None without the header."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
