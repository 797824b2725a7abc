"""The adapter to pytest's internals.

pytest turns each directly parametrized argument (`target`, `endpoint`, a suite's `method`) into a fixture
of a private class, `DirectParamFixtureDef`; no public API tells such a fixture from a real one.
`tests/gate/test_adapters.py` fails naming this module the day the pinned pytest renames it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DIRECT_PARAMETER", "is_direct_parameter"]

DIRECT_PARAMETER = "DirectParamFixtureDef"


def is_direct_parameter(fixturedef: Any) -> bool:
    """Whether `fixturedef` is one pytest made of a directly parametrized argument."""
    return type(fixturedef).__name__ == DIRECT_PARAMETER
