"""The one place destwatch uses private Schemathesis APIs: its case generators and test builder.

Schemathesis's pytest collector would build each operation's test at collection time, as items the
destwatch plugin cannot see (no `target` parameter: no summary, no exit code). Its generators and builder
are used directly instead, so each operation runs inside a destwatch item, the way `st run`'s engine
drives them: the examples and coverage phases' cases are iterated and sent one by one, and only the
fuzzing phase is a Hypothesis test. (Schemathesis's pytest builder attaches the coverage cases to that test
as explicit examples; Hypothesis's per-example bookkeeping then costs more than sending them.)

No public API does this; the pin in pyproject.toml (`PINNED`) keeps these shapes, and
`tests/suites_auth_fuzz/test_fuzzing.py` fails loudly, naming the pin, the day they change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.schemas import APIOperation, BaseSchema

__all__ = ["PINNED", "explicit_cases", "fuzzing_test"]

PINNED = "schemathesis>=4.32,<4.33"


def explicit_cases(schema: BaseSchema, operation: APIOperation) -> Iterator[Case]:
    """The examples phase's then the coverage phase's cases of `operation`, in the order `st run` sends them.

    Each phase's cases are generated whole before the first is sent, as Schemathesis does: the coverage
    phase authenticates its cases as it generates them.
    """
    from schemathesis.generation import overrides
    from schemathesis.generation.drivers import CoverageGenerator, ExamplesGenerator
    from schemathesis.generation.meta import content_type_probes_first

    config = schema.config
    phases = config.phases_for(operation=operation)
    override = overrides.with_config_headers(config, operation=operation)
    feedback = _feedback(schema)
    generators: list[Any] = []
    if phases.examples.enabled:
        generators.append(
            ExamplesGenerator(
                operation=operation,
                override=override,
                feedback=feedback,
                fill_missing=phases.examples.fill_missing,
            )
        )
    if phases.coverage.enabled:
        generation = config.generation_for(operation=operation, phase="coverage")
        generators.append(
            CoverageGenerator(
                operation=operation,
                generation_modes=generation.modes,
                generation_config=generation,
                auth_storage=None,
                override=override,
                feedback=feedback,
            )
        )
    for generator in generators:
        # The order of Hypothesis's explicit examples (last attached, first run), which `st run` keeps too.
        yield from reversed(content_type_probes_first(generator))


def fuzzing_test(
    schema: BaseSchema, operation: APIOperation, check: Callable[[Any], None]
) -> Callable[[], None] | None:
    """The fuzzing phase of `operation` as a Hypothesis test running `check(case)`; None when it is off."""
    from schemathesis.generation import derive_operation_seed, overrides
    from schemathesis.generation.hypothesis.builder import (
        HypothesisTestConfig,
        HypothesisTestMode,
        create_test,
    )

    config = schema.config
    if not config.phases_for(operation=operation).fuzzing.enabled:
        return None
    return create_test(
        operation=operation,
        test_func=check,
        config=HypothesisTestConfig(
            settings=config.get_hypothesis_settings(operation=operation, phase="fuzzing"),
            explicit_setting_names=config.explicit_hypothesis_settings(operation=operation, phase="fuzzing"),
            modes=[HypothesisTestMode.FUZZING],
            seed=derive_operation_seed(config.seed, operation.label),
            project=config,
            override=overrides.with_config_headers(config, operation=operation),
            given_kwargs={},
            feedback=_feedback(schema),
        ),
    )


def _feedback(schema: BaseSchema) -> FeedbackSources:
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.python._constants.orchestrator import make_constants_value_source

    return FeedbackSources(constants_value_source=make_constants_value_source(schema))
