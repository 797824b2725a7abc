"""The ratelimit suite runs only where the owner declared a limit (its tests for other versions are not even
collected, so no run's counts change), and says how many requests it will send before it sends any."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget

DATA_BURST = "test_a_burst_beyond_the_data_limit_gets_429_with_retry_after"
AFTER_RETRY_AFTER = "test_a_request_after_retry_after_is_answered"
SECOND_APPLICATION = "test_a_second_applications_token_is_not_throttled_by_the_first_applications_burst"
TOKEN_BURST = "test_a_burst_beyond_the_token_limit_gets_429_with_retry_after"


def _declares(name: str, target: VersionTarget) -> bool:
    """Whether `target` declares what the test `name` checks (the token limit, or the data limit; the second
    application's clause also needs a second application, which only a protected version has)."""
    if name == TOKEN_BURST:
        return target.settings.token_rate_limit is not None
    if name == SECOND_APPLICATION and not target.has_second_application:
        return False
    return target.settings.rate_limit is not None


def requests_of(name: str, target: VersionTarget) -> tuple[int, int]:
    """The most (data, token) requests the test `name` sends `target`: a burst of N + 1 of its declared
    limit, then one more request after Retry-After, or one of the second application (and its token)."""
    if name == TOKEN_BURST:
        limit = target.settings.token_rate_limit
        return 0, (limit.requests + 1 if limit and target.protected else 0)
    limit = target.settings.rate_limit
    burst = limit.requests + 1 if limit else 0
    if name == SECOND_APPLICATION:
        return burst + 1, 1
    return burst + (name == AFTER_RETRY_AFTER), 0


def _ours(item: pytest.Item) -> VersionTarget | None:
    """The version a test of this suite is for (None: not one of this suite's tests)."""
    target = item.callspec.params.get("target") if hasattr(item, "callspec") else None
    if item.path.parent.name != "ratelimit" or not isinstance(target, VersionTarget):
        return None
    return target


def _name(item: pytest.Item) -> str:
    return getattr(item, "originalname", item.name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    undeclared = [
        item for item in items if (target := _ours(item)) is not None and not _declares(_name(item), target)
    ]
    if undeclared:
        config.hook.pytest_deselected(items=undeclared)
        items[:] = [item for item in items if item not in undeclared]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    totals: dict[str, list[int]] = {}
    for item in items:
        target = _ours(item)
        if target is not None:
            data, token = requests_of(_name(item), target)
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
