"""The one place destwatch uses a private Schemathesis API: its per-operation test builder.

Schemathesis's pytest collector would build each operation's test at collection time, as items the
destwatch plugin cannot see (no `target` parameter: no summary, no exit code). Its builder is used
directly instead, so each operation runs inside a destwatch item. No public API does this; the pin in
pyproject.toml (`PINNED`) keeps the builder's shape, and `tests/suites_auth_fuzz/test_fuzzing.py` fails
loudly, naming the pin, the day it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemathesis.schemas import APIOperation, BaseSchema

__all__ = ["PINNED", "operation_test"]

PINNED = "schemathesis>=4.32,<4.33"


def operation_test(
    schema: BaseSchema, operation: APIOperation, check: Callable[[Any], None]
) -> Callable[[], None]:
    """A Hypothesis test running the examples, coverage and fuzzing phases through `check(case)`."""
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.pytest._test_builder import build_operation_test
    from schemathesis.python._constants.orchestrator import make_constants_value_source

    return build_operation_test(
        config=schema.config,
        operation=operation,
        test_func=check,
        given_kwargs={},
        feedback=FeedbackSources(constants_value_source=make_constants_value_source(schema)),
    )
