"""Per-suite session state: endpoint models, request budgets, probes and samples, each built once.

The shape and filters suites each hold one `Session`, so each suite has its own request budget per
endpoint, and every test of the suite shares the document, the sample and the answers already received.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from destwatch import notices
from destwatch.failures import NotChecked
from destwatch.gate.rules.probe import Probe, RequestBudget, Sender
from destwatch.openapi.generators import rng_for
from destwatch.openapi.model import EndpointModel, Method, Surface, endpoint_models
from destwatch.openapi.queries import LogicalQuery

_T = TypeVar("_T")

__all__ = [
    "Sample",
    "Session",
    "facet_sizes",
    "localized_properties",
    "period_property",
    "sample_method",
]


class _Target(Protocol):
    id: str
    destination: str
    version: str
    languages: tuple[str, ...]
    settings: Any


class _Run(Protocol):
    def document(self, target: Any) -> dict[str, Any]: ...

    def http(self, target: Any) -> Sender: ...


@dataclass(frozen=True)
class Sample:
    """Rows of one unfiltered answer (the largest page, by id when the document allows)."""

    rows: list[dict[str, Any]]
    total: int | None
    complete: bool

    @property
    def size(self) -> int | None:
        """How many items the endpoint holds, when the sample tells (a total, or a page holding them all)."""
        if self.total is not None:
            return self.total
        return len(self.rows) if self.complete else None


class Session:
    def __init__(self, run: _Run, suite: str, *, seed: int = 0) -> None:
        self.run = run
        self.suite = suite
        self.seed = seed
        self._lock = threading.Lock()
        self._models: dict[str, dict[str, EndpointModel]] = {}
        self._budgets: dict[tuple[str, str], RequestBudget] = {}
        self._probes: dict[tuple[str, str], Probe] = {}
        self._samples: dict[tuple[str, str, str | None], Sample] = {}
        self._plans: dict[tuple[Hashable, ...], Any] = {}
        # The requests behind each sample and plan: a test reusing one relies on them (`notices.relied_on`).
        self._relied: dict[tuple[Hashable, ...], list[notices.RequestKey]] = {}

    def models(self, target: _Target) -> dict[str, EndpointModel]:
        with self._lock:
            if target.id not in self._models:
                self._models[target.id] = endpoint_models(self.run.document(target))
            return self._models[target.id]

    def model(self, target: _Target, endpoint: str) -> EndpointModel:
        models = self.models(target)
        if endpoint not in models:
            # Templated paths (`/products/{id}`) are not collections: no filter, sort or paging applies.
            raise NotChecked(f"{target.id}: {endpoint!r} is not a collection endpoint of the document")
        return models[endpoint]

    def surface(self, target: _Target, endpoint: str, method: Method) -> Surface:
        """What `method` declares on the endpoint; `NotChecked` when the document has no such operation."""
        model = self.model(target, endpoint)
        surface = model.surface(method)
        if surface is None:
            raise NotChecked(f"{target.id}: the document declares no {method} {model.path}")
        return surface

    def budget(self, target: _Target, endpoint: str) -> RequestBudget:
        """The suite's requests for one endpoint: adding endpoints never takes checks from the others."""
        key = (target.id, endpoint)
        with self._lock:
            if key not in self._budgets:
                limit = int(target.settings.request_budget)
                self._budgets[key] = RequestBudget(limit, f"{target.id}/{endpoint} ({self.suite})")
            return self._budgets[key]

    def probe(self, target: _Target, endpoint: str) -> Probe:
        key = (target.id, endpoint)
        model = self.model(target, endpoint)
        budget = self.budget(target, endpoint)
        with self._lock:
            if key not in self._probes:
                self._probes[key] = Probe(self.run.http(target), model, budget, target.id)
            return self._probes[key]

    def rng(self, target: _Target, endpoint: str, purpose: str) -> random.Random:
        # A replay on another version (`--version`) draws what the finding's own version drew.
        replaying = getattr(self.run, "replaying", None)
        seeded_as = replaying.seeded_as.get(target.id, target.id) if replaying is not None else target.id
        return rng_for(self.seed, seeded_as, endpoint, purpose)

    def sample(self, target: _Target, endpoint: str, language: str | None = None) -> Sample:
        key = (target.id, endpoint, language)
        if key in self._samples:
            notices.rely(self._relied.get(("sample", *key), ()))
        else:
            model = self.model(target, endpoint)
            method = sample_method(model)
            surface = model.surface(method)
            assert surface is not None
            ask = LogicalQuery(
                top=model.top_limit,
                sort_asc=("id",) if "id" in surface.sort_asc else (),
                totals=surface.declares("includeTotals"),
                language=language,
            )
            with notices.relied_on() as relied:
                answer = self.probe(target, endpoint).send(ask, method)
            self._relied[("sample", *key)] = relied
            rows = [row for row in answer.results if isinstance(row, dict)]
            self._samples[key] = Sample(rows, answer.total, answer.complete)
        return self._samples[key]

    def plan(self, key: tuple[Hashable, ...], build: Callable[[], _T]) -> _T:
        """`build()` once per key: the rules of a suite share their plans (values chosen from the sample
        with the seed), and choosing them again for every rule cost more than some rules' requests."""
        if key in self._plans:
            notices.rely(self._relied.get(("plan", *key), ()))
        else:
            with notices.relied_on() as relied:
                self._plans[key] = build()
            self._relied[("plan", *key)] = relied
        return self._plans[key]


def sample_method(model: EndpointModel) -> Method:
    """The method that samples best with what it declares: a total and an order by id weigh most."""

    def reach(method: Method) -> tuple[int, int, int]:
        surface = model.surface(method)
        assert surface is not None
        return (
            surface.declares("includeTotals"),
            "id" in surface.sort_asc,
            method == "POST",
        )

    return max(model.methods, key=reach)


def localized_properties(target: _Target) -> Sequence[str] | None:
    """Properties the target says are localized; None: not set (detection then only warns)."""
    configured = target.settings.localized_properties
    return tuple(configured) if configured is not None else None


def period_property(target: _Target, model: EndpointModel) -> tuple[str | None, str]:
    """The result property a period filters on, and where that came from (or why there is none).

    In order: the target's `period_property` setting, a date-time property the document's period
    descriptions name, the only date-time property of the results.
    """
    configured = target.settings.period_property
    if configured:
        if model.properties.get(configured) != "date-time":
            return None, f"period_property = {configured!r} is not a date-time property of {model.path}"
        return configured, f"period_property = {configured!r}"
    if len(model.period_named) == 1:
        return model.period_named[0], "named by the document's period description"
    dates = model.date_times
    if len(dates) == 1:
        return dates[0], "the only date-time property"
    found = ", ".join(dates) or "none"
    return None, (
        f"{model.path}: cannot tell which date-time property the period filters on (date-time "
        f"properties: {found}); set period_property in targets.toml"
    )


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
