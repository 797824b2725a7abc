"""A per-target request pacer, so a run never hits a destination faster than its `max_rps`."""

from __future__ import annotations

import email.utils
import threading
import time
from collections import deque
from collections.abc import Callable

import httpx

__all__ = ["RateLimiter", "retry_after_seconds"]


class RateLimiter:
    """At most `rate` calls a second, in any window of a tenth of a second's worth of calls.

    A burst is at most that tenth (a single call below 10 per second, when calls are spaced `1 / rate`
    apart): production destinations are shared. Within it, a call may use the slot a slower answer left
    unused, which strict spacing lost: a paced run went slower than its bound allows.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._burst = max(1, int(rate * _WINDOW))
        self._window = self._burst / rate
        self._clock = clock
        self._sleep = sleep
        self._slots: deque[float] = deque(maxlen=self._burst)
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next free slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = now
            if len(self._slots) == self._burst:
                slot = max(now, self._slots[0] + self._window)
            self._slots.append(slot)
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


_WINDOW = 0.1


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
