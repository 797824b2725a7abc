"""Per-suite session state: endpoint models, request budgets, probes and samples, each built once.

The shape and filters suites each hold one `Session` (a session-scoped fixture in their conftest), so each
suite has its own request budget per destination version, and every test of the suite shares the
document, the sample and the answers already received.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pytest

from destwatch.semantics.generators import rng_for
from destwatch.semantics.model import EndpointModel, endpoint_models
from destwatch.semantics.probe import Probe, RequestBudget, Sender
from destwatch.semantics.queries import Ask, Method

__all__ = ["Sample", "Session", "facet_sizes", "localized_properties", "preferred_method"]


class _Target(Protocol):
    id: str
    destination: str
    version: str
    languages: tuple[str, ...]
    settings: Any


class _Run(Protocol):
    def spec(self, target: Any) -> dict[str, Any]: ...

    def http(self, target: Any) -> Sender: ...


@dataclass(frozen=True)
class Sample:
    """Rows of one unfiltered answer (the largest page, by id when the document allows)."""

    rows: list[dict[str, Any]]
    total: int | None
    complete: bool


class Session:
    def __init__(self, run: _Run, suite: str, *, seed: int = 0) -> None:
        self.run = run
        self.suite = suite
        self.seed = seed
        self._lock = threading.Lock()
        self._models: dict[str, dict[str, EndpointModel]] = {}
        self._budgets: dict[str, RequestBudget] = {}
        self._probes: dict[tuple[str, str], Probe] = {}
        self._samples: dict[tuple[str, str, str | None], Sample] = {}

    def models(self, target: _Target) -> dict[str, EndpointModel]:
        with self._lock:
            if target.id not in self._models:
                self._models[target.id] = endpoint_models(self.run.spec(target))
            return self._models[target.id]

    def model(self, target: _Target, endpoint: str) -> EndpointModel:
        models = self.models(target)
        if endpoint not in models:
            # Templated paths (`/products/{id}`) are not collections: no filter, sort or paging applies.
            pytest.skip(f"{target.id}: {endpoint!r} is not a collection endpoint of the document")
        return models[endpoint]

    def budget(self, target: _Target) -> RequestBudget:
        with self._lock:
            if target.id not in self._budgets:
                limit = int(target.settings.request_budget)
                self._budgets[target.id] = RequestBudget(limit, f"{target.id} ({self.suite})")
            return self._budgets[target.id]

    def probe(self, target: _Target, endpoint: str) -> Probe:
        key = (target.id, endpoint)
        model = self.model(target, endpoint)
        budget = self.budget(target)
        with self._lock:
            if key not in self._probes:
                self._probes[key] = Probe(self.run.http(target), model, budget)
            return self._probes[key]

    def rng(self, target: _Target, endpoint: str, purpose: str) -> random.Random:
        return rng_for(self.seed, target.id, endpoint, purpose)

    def sample(self, target: _Target, endpoint: str, language: str | None = None) -> Sample:
        key = (target.id, endpoint, language)
        if key not in self._samples:
            model = self.model(target, endpoint)
            ask = Ask(
                top=model.top_limit,
                sort_asc=("id",) if "id" in model.sort_asc else (),
                totals=model.has_totals,
                language=language,
            )
            answer = self.probe(target, endpoint).send(ask, preferred_method(model))
            rows = [row for row in answer.results if isinstance(row, dict)]
            self._samples[key] = Sample(rows, answer.total, answer.complete)
        return self._samples[key]


def preferred_method(model: EndpointModel) -> Method:
    """POST carries every feature (mustNot, range, period end); GET when the document has no POST."""
    return "POST" if model.has_post else "GET"


def localized_properties(target: _Target) -> Sequence[str] | None:
    """Properties the target says are localized; None: detect them from the data."""
    configured = target.settings.localized_properties
    return tuple(configured) if configured is not None else None


def facet_sizes(target: _Target, model: EndpointModel) -> Mapping[str, int | None]:
    """Each facet's maximum number of values: the document's, else the target's setting.

    The setting (`facet_sizes` in targets.toml, e.g. `{ "products.brand" = 8, category = 20 }`) names
    `endpoint.property` or just `property`; the endpoint-qualified size wins.
    """
    declared = {name: size for name, size in model.facets.items() if size is not None}
    if declared:
        return declared
    general: dict[str, int | None] = {}
    specific: dict[str, int | None] = {}
    for key, size in target.settings.facet_sizes.items():
        endpoint, _, name = key.rpartition(".")
        if not endpoint:
            general[name] = size
        elif endpoint == model.name:
            specific[name] = size
    return {**general, **specific}
