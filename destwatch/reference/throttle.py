"""The reference's declared rate limit (`[reference] rate_limit`): per application, at most `requests` data
requests, and as many token requests, in `per` seconds; over it, 429 with an honest `Retry-After` (unless a
seeded fault says otherwise)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from starlette.responses import JSONResponse

from destwatch._jwt import claims
from destwatch.reference.faults import (
    ONE_BURST_THROTTLES_EVERY_TOKEN,
    RETRY_AFTER_TOO_SHORT,
    THROTTLES_WITHOUT_RETRY_AFTER,
    FaultSwitch,
)

__all__ = ["Throttle", "application_of", "data_key", "too_many"]


class Throttle:
    """At most `requests` per key in a window of `per` seconds that starts with the key's first request."""

    def __init__(self, requests: int, per: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.requests = requests
        self.per = per
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float | None:
        """Count a request of `key`; the seconds until its window ends when over the limit, else None."""
        now = self._clock()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now >= start + self.per:
                start, count = now, 0
            if count >= self.requests:
                return start + self.per - now
            self._windows[key] = (start, count + 1)
        return None


def application_of(authorization: str) -> str:
    """Whose request it is: the bearer token's subject (the client id), "anonymous" without one."""
    token = authorization.partition(" ")[2].strip()
    try:
        return str(claims(token).get("sub", "anonymous"))
    except ValueError:
        return "anonymous"


def data_key(authorization: str, faults: FaultSwitch) -> str:
    """Whose data limit a request counts against: its application's (with the seeded fault, everyone's)."""
    if faults.on(ONE_BURST_THROTTLES_EVERY_TOKEN):
        return "every application"
    return application_of(authorization)


def too_many(wait: float, faults: FaultSwitch, what: str) -> JSONResponse:
    """The 429 for a request over the limit, `Retry-After` in whole seconds rounded up."""
    headers = {"Retry-After": "0" if faults.on(RETRY_AFTER_TOO_SHORT) else str(max(1, math.ceil(wait)))}
    if faults.on(THROTTLES_WITHOUT_RETRY_AFTER):
        headers = {}
    body = {"error": "rate_limited", "detail": f"too many {what}: slow down"}
    return JSONResponse(body, status_code=429, headers=headers)
