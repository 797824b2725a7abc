"""The ratelimit suite runs only where the owner declared a limit (its tests for other versions are not even
collected, so no run's counts change), and says how many requests it will send before it sends any."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.gate.ratelimit import announcement, declares


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
        item for item in items if (target := _ours(item)) is not None and not declares(_name(item), target)
    ]
    if undeclared:
        config.hook.pytest_deselected(items=undeclared)
        items[:] = [item for item in items if item not in undeclared]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    return announcement((_name(item), target) for item in items if (target := _ours(item)) is not None)
