"""The plans the filter rules share, built once per endpoint from the document, the sample and the seed.

A rule that cannot be planned (the document declares no such feature, or the data offers no usable
values) is skipped with the reason, never passed silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from destwatch.semantics.generators import MustPlan, RangePlan, must_plan, range_plan
from destwatch.semantics.model import EndpointModel
from destwatch.semantics.probe import Answer, Probe
from destwatch.semantics.queries import Ask, Method
from destwatch.semantics.session import Sample, Session, preferred_method

__all__ = [
    "Endpoint",
    "complete_or_skip",
    "endpoint_under_test",
    "fit_limit",
    "must_or_skip",
    "range_or_skip",
]


class Endpoint:
    """One endpoint of one version as the filter rules see it."""

    def __init__(self, semantics: Session, target: Any, endpoint: str) -> None:
        self.semantics = semantics
        self.target = target
        self.name = endpoint
        self.model: EndpointModel = semantics.model(target, endpoint)
        self.probe: Probe = semantics.probe(target, endpoint)
        self.method: Method = preferred_method(self.model)
        self.top = self.model.top_limit

    @property
    def sample(self) -> Sample:
        return self.semantics.sample(self.target, self.name)

    @property
    def fit(self) -> int:
        return fit_limit(self.top, self.sample)

    def shown(self, conditions: Mapping[str, Any]) -> dict[str, Any]:
        """The conditions on properties the results declare: a filter on a property the results do not
        carry can only be judged by the ids it returns, not by values."""
        declared = self.model.properties
        return {name: value for name, value in conditions.items() if not declared or name in declared}

    def page(self, **fields: Any) -> Ask:
        """The largest page, with the given fields."""
        return Ask(top=self.top, **fields)

    def send(self, ask: Ask, method: Method | None = None) -> Answer:
        return self.probe.send(ask, method or self.method)

    def send_all(self, asks: list[Ask], method: Method | None = None) -> list[Answer]:
        return self.probe.send_all([(ask, method or self.method) for ask in asks])


def endpoint_under_test(semantics: Session, target: Any, endpoint: str) -> Endpoint:
    return Endpoint(semantics, target, endpoint)


def fit_limit(top: int, sample: Sample) -> int:
    """How many sampled items a value may hold so that all its matches fit a third of a page (the sample
    may be one page of many, so the limit shrinks by the sampled share of the total)."""
    share = len(sample.rows) / max(sample.total or len(sample.rows), len(sample.rows), 1)
    return max(2, int(top // 3 * share))


def must_or_skip(ep: Endpoint) -> MustPlan:
    # Each value must fit a third of a page, so two values together still fit one page.
    plan = must_plan(ep.model, ep.sample.rows, ep.semantics.rng(ep.target, ep.name, "must"), limit=ep.fit)
    if plan is None:
        pytest.skip(
            f"{ep.model.path}: no filter.must key of the document has two sampled values that fit a page"
        )
    return plan


def range_or_skip(ep: Endpoint) -> RangePlan:
    if not ep.model.ranges:
        pytest.skip(f"{ep.model.path}: the document declares no filter.range")
    plan = range_plan(ep.model, ep.sample.rows, ep.semantics.rng(ep.target, ep.name, "range"), limit=ep.fit)
    if plan is None:
        pytest.skip(f"{ep.model.path}: no range property with gt/gte/lt/lte and three sampled numeric values")
    return plan


def complete_or_skip(*answers: Answer) -> None:
    """Rules comparing id sets need every match on the page; a full page means more may exist."""
    for answer in answers:
        if not answer.complete:
            pytest.skip(
                f"{answer.ask.describe()}: {len(answer.results)} matches fill the page; the rule needs all"
            )
