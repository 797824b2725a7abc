"""The one place destwatch uses private Schemathesis APIs: its case generators, test builder and checks.

Schemathesis's pytest collector would build each operation's test at collection time, as items the
destwatch plugin cannot see (no `target` parameter: no summary, no exit code). Its generators and builder
are used directly instead, so each operation runs inside a destwatch item, the way `st run`'s engine
drives them: the examples and coverage phases' cases are iterated and sent one by one, and only the
fuzzing phase is a Hypothesis test. (Schemathesis's pytest builder attaches the coverage cases to that test
as explicit examples; Hypothesis's per-example bookkeeping then costs more than sending them.) Answers are
checked the way the engine checks them too: the check settings are looked up once per operation and phase,
not on every answer as `Case.validate_response` does.

No public API does this; the pin in pyproject.toml (`PINNED`) keeps these shapes, and
`tests/suites_auth_fuzz/test_fuzzing.py` fails loudly, naming the pin, the day they change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.checks import CheckFunction
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.schemas import APIOperation, BaseSchema

__all__ = ["PINNED", "ResponseCheck", "explicit_cases", "fuzzing_test", "response_check"]

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


class ResponseCheck(Protocol):
    """Checks one answer to one of the operation's cases; raises `FailureGroup` when a check fails."""

    def __call__(
        self,
        case: Case,
        response: Any,
        *,
        additional: Sequence[CheckFunction],
        excluded: Sequence[CheckFunction],
    ) -> None: ...


def response_check(operation: APIOperation) -> ResponseCheck:
    """`Case.validate_response` for the cases of `operation`: the enabled checks plus `additional`, less
    `excluded`; raises `FailureGroup` with Schemathesis's own report.

    `validate_response` resolves the check settings (project, operation and phase levels) on every call: a
    quarter of what checking an answer cost. They cannot change during a run, and `st run`'s engine caches
    them per operation; so does this. destwatch registers no `after_validate` hooks, and its schemas always
    carry an absolute base URL, so neither needs handling here.
    """
    from schemathesis.checks import CheckContext, load_all_checks, run_checks, run_checks_for
    from schemathesis.core.failures import FailureGroup, failure_report_title, format_failures
    from schemathesis.core.transport import Response
    from schemathesis.engine.run import PhaseName

    load_all_checks()
    schema = operation.schema
    response_checks = run_checks_for(schema).for_responses()
    configs: dict[str | None, Any] = {}

    def check(
        case: Case, response: Any, *, additional: Sequence[CheckFunction], excluded: Sequence[CheckFunction]
    ) -> None:
        __tracebackhide__ = True
        phase = PhaseName.from_str(case.meta.phase.name.value) if case.meta is not None else None
        key = phase.value if phase is not None else None
        if key not in configs:
            configs[key] = schema.config.checks_config_for(operation=operation, phase=key)
        answer = Response.from_any(response)
        ctx = CheckContext(
            override=case._override,
            auth=None,
            headers=None,
            config=configs[key],
            transport_kwargs=None,
            recorder=None,
            response_checks=response_checks,
            phase=phase,
        )
        chosen = [function for function in [*ctx.internals.checks, *additional] if function not in excluded]
        failures = run_checks(
            case=case,
            response=answer,
            ctx=ctx,
            checks=chosen,
            on_failure=lambda _name, collected, failure: collected.add(failure),
        )
        if failures:
            found = list(failures)
            curl = case.as_curl_command(headers=dict(answer.request.headers), verify=answer.verify)
            report = format_failures(
                case_id=None, response=answer, failures=found, curl=curl, config=schema.config.output
            )
            raise FailureGroup(found, f"{failure_report_title(found)}\n{report}\n\n") from None

    return check


def _feedback(schema: BaseSchema) -> FeedbackSources:
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.python._constants.orchestrator import make_constants_value_source

    return FeedbackSources(constants_value_source=make_constants_value_source(schema))
