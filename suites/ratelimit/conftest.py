"""The ratelimit suite runs only where the owner declared a limit (its tests for other versions are not even
collected, so no run's counts change), and says how many requests it will send before it sends any."""

from __future__ import annotations

import pytest

from destwatch.config import RateLimit, VersionTarget


def data_requests(limit: RateLimit) -> int:
    """The most data requests the suite sends a version: two bursts of N + 1, one after Retry-After."""
    return 2 * (limit.requests + 1) + 1


def token_requests(limit: RateLimit) -> int:
    """The most token requests: one burst of N + 1."""
    return limit.requests + 1


# The setting each test checks (the others check `rate_limit`).
_NEEDS = {"test_a_burst_beyond_the_token_limit_gets_429_with_retry_after": "token_rate_limit"}


def _ours(item: pytest.Item) -> VersionTarget | None:
    """The version a test of this suite is for (None: not one of this suite's tests)."""
    target = item.callspec.params.get("target") if hasattr(item, "callspec") else None
    if item.path.parent.name != "ratelimit" or not isinstance(target, VersionTarget):
        return None
    return target


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    undeclared = []
    for item in items:
        target = _ours(item)
        name = getattr(item, "originalname", item.name)
        if target is not None and getattr(target.settings, _NEEDS.get(name, "rate_limit")) is None:
            undeclared.append(item)
    if undeclared:
        config.hook.pytest_deselected(items=undeclared)
        items[:] = [item for item in items if item not in undeclared]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    seen: dict[str, VersionTarget] = {}
    for item in items:
        target = _ours(item)
        if target is not None:
            seen.setdefault(target.id, target)
    lines = []
    for target in seen.values():
        data, token = target.settings.rate_limit, target.settings.token_rate_limit
        if data is None and token is None:
            continue
        counts = [f"{data_requests(data)} data requests" if data else "", ""]
        if token is not None and target.protected:
            counts[1] = f"{token_requests(token)} token requests"
        said = " and ".join(count for count in counts if count)
        lines.append(f"ratelimit: at most {said} to {target.id} (bursts over its declared limit)")
    return lines
