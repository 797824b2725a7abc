"""What the ratelimit suite will send, said before it sends anything.

Its tests are bursts beyond the limits the owner declared, so the gate announces their requests whichever
process collects them: the suite's conftest when the run is one process, the controller (from the collected
test ids) under pytest-xdist, whose workers' collection output nobody sees.
"""

from __future__ import annotations

from collections.abc import Iterable

from destwatch.config import VersionTarget

__all__ = [
    "AFTER_RETRY_AFTER",
    "DATA_BURST",
    "SECOND_APPLICATION",
    "TOKEN_AFTER_RETRY_AFTER",
    "TOKEN_BURST",
    "announcement",
    "declares",
    "requests_of",
]

DATA_BURST = "test_a_burst_beyond_the_data_limit_gets_429_with_retry_after"
AFTER_RETRY_AFTER = "test_a_request_after_retry_after_is_answered"
SECOND_APPLICATION = "test_a_second_applications_token_is_not_throttled_by_the_first_applications_burst"
TOKEN_BURST = "test_a_burst_beyond_the_token_limit_gets_429_with_retry_after"
TOKEN_AFTER_RETRY_AFTER = "test_a_token_request_after_retry_after_is_answered"


def declares(name: str, target: VersionTarget) -> bool:
    """Whether `target` declares what the test `name` checks (the token limit, or the data limit; the second
    application's clause also needs a second application, which only a protected version has)."""
    if name in (TOKEN_BURST, TOKEN_AFTER_RETRY_AFTER):
        return target.settings.token_rate_limit is not None
    if name == SECOND_APPLICATION and not target.has_second_application:
        return False
    return target.settings.rate_limit is not None


def requests_of(name: str, target: VersionTarget) -> tuple[int, int]:
    """The most (data, token) requests the test `name` sends `target`: a burst of N + 1 of its declared
    limit, then one more request after Retry-After, or one of the second application (and its token)."""
    if name in (TOKEN_BURST, TOKEN_AFTER_RETRY_AFTER):
        limit = target.settings.token_rate_limit
        burst = limit.requests + 1 if limit and target.protected else 0
        return 0, burst + (burst > 0 and name == TOKEN_AFTER_RETRY_AFTER)
    limit = target.settings.rate_limit
    burst = limit.requests + 1 if limit else 0
    if name == SECOND_APPLICATION:
        return burst + 1, 1
    return burst + (name == AFTER_RETRY_AFTER), 0


def announcement(tests: Iterable[tuple[str, VersionTarget]]) -> list[str]:
    """One line per version the collected ratelimit `tests` (test name, version) will burst."""
    totals: dict[str, list[int]] = {}
    for name, target in tests:
        data, token = requests_of(name, target)
        total = totals.setdefault(target.id, [0, 0])
        total[0] += data
        total[1] += token
    lines = []
    for target_id, (data, token) in totals.items():
        counts = [f"{data} data requests" if data else "", f"{token} token requests" if token else ""]
        said = " and ".join(count for count in counts if count)
        if said:
            lines.append(f"ratelimit: at most {said} to {target_id} (bursts over its declared limit)")
    return lines
