"""The plans the filter rules share, built once per endpoint from the document, the sample and the seed.

A rule that cannot be planned (no method of the document declares such a feature, or the data offers no
usable values) raises `NotChecked` with the reason: it is reported as skipped, never passed silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from destwatch import notices
from destwatch.failures import NotChecked
from destwatch.gate.rules.probe import Answer, Probe
from destwatch.gate.rules.session import Sample, Session, period_property
from destwatch.openapi.generators import MustPlan, RangePlan, must_plan, range_plan, value_counts
from destwatch.openapi.model import EndpointModel, Method
from destwatch.openapi.queries import LogicalQuery, Unsupported, expressible, methods_for

__all__ = [
    "Endpoint",
    "RangeCase",
    "complete_or_skip",
    "endpoint_under_test",
    "fit_limit",
    "keyset_walk",
    "must_or_skip",
    "must_values",
    "pageable_subset",
    "period_or_skip",
    "range_or_skip",
    "require",
]

# How much of an endpoint's request budget one paging walk may take: the other rules need the rest.
_PAGING_SHARE = 4


class Endpoint:
    """One endpoint of one version as the filter rules see it."""

    def __init__(self, semantics: Session, target: Any, endpoint: str) -> None:
        self.semantics = semantics
        self.target = target
        self.name = endpoint
        self.model: EndpointModel = semantics.model(target, endpoint)
        self.probe: Probe = semantics.probe(target, endpoint)
        self.top = self.model.top_limit

    @property
    def sample(self) -> Sample:
        return self.semantics.sample(self.target, self.name)

    @property
    def fit(self) -> int:
        return fit_limit(self.top, self.sample)

    @property
    def paging_allowance(self) -> int:
        """How many pages one paging walk may request, from what is left of the budget."""
        return max(3, self.probe.budget.left // _PAGING_SHARE)

    def shown(self, conditions: Mapping[str, Any]) -> dict[str, Any]:
        """The conditions on properties the results declare: a filter on a property the results do not
        carry can only be judged by the ids it returns, not by values."""
        declared = self.model.properties
        return {name: value for name, value in conditions.items() if not declared or name in declared}

    def page(self, **fields: Any) -> LogicalQuery:
        """The largest page every method accepts, with the given fields."""
        return LogicalQuery(top=self.top, **fields)

    def methods(self, *asks: LogicalQuery) -> list[Method]:
        """The methods that can ask every one of `asks` (`Unsupported` naming why, when none can)."""
        return methods_for(self.model, asks)

    def send(self, ask: LogicalQuery, method: Method) -> Answer:
        return self.probe.send(ask, method)

    def send_all(self, asks: Sequence[LogicalQuery], method: Method) -> list[Answer]:
        return self.probe.send_all([(ask, method) for ask in asks])

    def on_each_method(self, asks: Sequence[LogicalQuery]) -> Iterator[list[Answer]]:
        """The answers to `asks` on each method that can ask all of them, every request sent at once.

        A rule relating several answers is checked on each method that can express it.
        """
        methods = self.methods(*asks)
        answers = self.probe.send_all([(ask, method) for method in methods for ask in asks])
        for index in range(len(methods)):
            yield answers[index * len(asks) : (index + 1) * len(asks)]

    def everywhere(self, asks: Sequence[LogicalQuery]) -> list[Answer]:
        """Each ask on every method that can express it; asks no method can express are left out, and
        when that is all of them the rule is `Unsupported` (with each method's reason)."""
        pairs: list[tuple[LogicalQuery, Method]] = []
        reasons: list[str] = []
        for ask in asks:
            try:
                pairs += [(ask, method) for method in self.methods(ask)]
            except Unsupported as why:
                reasons.append(why.reason)
        if not pairs:
            raise Unsupported("; ".join(dict.fromkeys(reasons)))
        return self.probe.send_all(pairs)

    def prove(self, kind: str, item: str, how: str) -> None:
        """Record that a check of `item` (`destwatch.coverage.items`) passed on data that could fail it."""
        notices.cover(self.target.id, self.name, kind, item, notices.PROVEN, how)

    def prove_sent(self, answer: Answer, name: str, how: str) -> None:
        """Record that the query parameter or body field `name` of `answer` showed its effect."""
        kind = "parameters" if answer.method == "GET" else "body_fields"
        self.prove(kind, name, f"{answer.method}: {how}")

    def totals(self, method: Method) -> bool:
        """Whether `method` can ask for `total` (rules add it where it is declared)."""
        surface = self.model.surface(method)
        return surface is not None and surface.declares("includeTotals")


def endpoint_under_test(semantics: Session, target: Any, endpoint: str) -> Endpoint:
    return Endpoint(semantics, target, endpoint)


def fit_limit(top: int, sample: Sample) -> int:
    """How many sampled items a value may hold so that all its matches fit a third of a page (the sample
    may be one page of many, so the limit shrinks by the sampled share of the total). In a sample of a
    catalogue much larger than a page, this is 1: only unique keys (such as `id`) are known to fit."""
    share = len(sample.rows) / max(sample.total or len(sample.rows), len(sample.rows), 1)
    return max(1, int(top // 3 * share))


def must_or_skip(ep: Endpoint, *, several: bool = False, whole: bool = True) -> MustPlan:
    """Values for the must rules, on keys some method filters on (with `several`: takes several values).

    With `whole` (rules comparing every match) each value must fit a third of a page, so two values
    together still fit one page; without it (rules judging each result returned) any held value will do.
    """
    plan = must_values(ep, several=several, whole=whole)
    if plan is None:
        what = "a filter taking several values" if several else "a filter"
        raise NotChecked(f"{ep.model.path}: no property with {what} has two sampled values that fit a page")
    return plan


def must_values(ep: Endpoint, *, several: bool = False, whole: bool = True) -> MustPlan | None:
    """What `must_or_skip` plans, or None; chosen once per suite, endpoint and kind."""
    keys = _keys(ep.model, several=several)
    limit = ep.fit if whole else len(ep.sample.rows) + 1
    return ep.semantics.plan(
        (ep.target.id, ep.name, "must", keys, limit),
        lambda: must_plan(keys, ep.sample.rows, ep.semantics.rng(ep.target, ep.name, "must"), limit=limit),
    )


def _keys(model: EndpointModel, *, several: bool) -> tuple[str, ...]:
    if not several:
        return model.filters
    return tuple(
        name for name in model.filters if any(s.several_values and name in s.filters for s in model.surfaces)
    )


@dataclass(frozen=True)
class RangeCase:
    """Range bounds for the rules, and the ids every query also filters on when the catalogue is too large
    for the matches between the bounds to fit a page (empty: no id filter needed)."""

    plan: RangePlan
    ids: tuple[str, ...] = ()

    def ask(self, top: int, bounds: Mapping[str, Any]) -> LogicalQuery:
        ask = LogicalQuery(top=top, ranges={self.plan.name: dict(bounds)})
        return ask.and_must("id", *self.ids) if self.ids else ask

    def rows(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The sampled rows the queries can return."""
        return [row for row in rows if not self.ids or str(row.get("id")) in self.ids]


def range_or_skip(ep: Endpoint, *, whole: bool = True) -> RangeCase:
    """Bounds for the range rules; with `whole`, every match between them must fit one page: a slice of
    the data small enough, or else any slice narrowed to sampled ids (where a method filters on several
    ids together with the range)."""
    ranges: dict[str, set[str]] = {}
    for surface in ep.model.surfaces:
        for name, operators in surface.ranges.items():
            ranges.setdefault(name, set()).update(operators)
    if not ranges:
        raise NotChecked(f"{ep.model.path}: the document declares no filter.range")
    offered = {name: tuple(sorted(ops)) for name, ops in ranges.items() if ep.shown({name: 0})}
    rows = ep.sample.rows

    def bounds(limit: int | None) -> RangePlan | None:
        return ep.semantics.plan(
            (ep.target.id, ep.name, "range", tuple(offered.items()), limit),
            lambda: range_plan(offered, rows, ep.semantics.rng(ep.target, ep.name, "range"), limit=limit),
        )

    if whole and (plan := bounds(ep.fit)) is not None:
        return RangeCase(plan)
    plan = bounds(None)
    if plan is None:
        raise NotChecked(f"{ep.model.path}: no range property has three sampled numeric values")
    if not whole:
        return RangeCase(plan)
    narrowable = any(
        s.several_values and "id" in s.filters and plan.name in s.ranges for s in ep.model.surfaces
    )
    if not narrowable:
        raise NotChecked(
            f"{ep.model.path}: no range slice fits a page and no method filters on several ids with a range"
        )
    ids = tuple(str(row.get("id")) for row in rows[: max(2, ep.top // 3)])
    return RangeCase(plan, ids)


def period_or_skip(ep: Endpoint) -> str:
    """The date-time property the period filters on (setting, document, or the only one)."""
    name, why = period_property(ep.target, ep.model)
    if name is None:
        raise NotChecked(why)
    return name


def complete_or_skip(*answers: Answer) -> None:
    """Rules comparing id sets need every match on the page; a full page means more may exist."""
    for answer in answers:
        if not answer.complete:
            raise NotChecked(
                f"{answer.ask.describe()}: {len(answer.results)} matches fill the page; the rule needs all"
            )


def keyset_walk(ep: Endpoint, base: LogicalQuery, method: Method, *, pages: int) -> tuple[list[Answer], bool]:
    """Page `base` with sortAsc=id + after, the way Occtoo's own exports page, for at most `pages` pages.

    Stops at a short page (done), or early at a page that brings nothing new (a destination that ignores
    the cursor would otherwise be paged to the end of the allowance). Returns the pages and whether the
    walk reached the end.
    """
    answers: list[Answer] = []
    seen: set[str] = set()
    cursor: str | None = None
    while len(answers) < pages:
        answer = ep.send(base.with_(sort_asc=("id",), after=cursor), method)
        answers.append(answer)
        ids = answer.ids
        if len(answer.results) < (base.top or 0) or not ids:
            return answers, True
        if seen.issuperset(ids):
            return answers, False
        seen.update(ids)
        cursor = ids[-1]
    return answers, False


def pageable_subset(ep: Endpoint, method: Method, *, totals: bool) -> LogicalQuery:
    """A query whose matches can be paged to the end within the paging allowance.

    The unfiltered query when the endpoint is small enough; otherwise one must value (or range slice) that
    leaves few enough items, measured with includeTotals where the method declares it.
    """
    base = ep.page(totals=totals)
    limit = (ep.paging_allowance - 1) * ep.top
    size = ep.sample.size
    if size is not None and size < limit:
        return base
    surface = ep.model.surface(method)
    assert surface is not None
    rows = ep.sample.rows
    candidates: list[LogicalQuery] = []
    for name in surface.filters:
        counts = value_counts(rows, name)
        # The rarest held values first: in a sample of a large catalogue, the best guess of a small subset.
        for value, _ in sorted(counts.items(), key=lambda item: (item[1], repr(item[0])))[:2]:
            candidates.append(base.and_must(name, value))
    counted = [ask for ask in candidates if expressible(ask, ep.model, method)]
    if not counted:
        raise NotChecked(
            f"{ep.model.path}: about {size or 'an unknown number of'} items need more than "
            f"{ep.paging_allowance} pages of {ep.top} and {method} offers no filter to page a subset "
            "(raise request_budget in targets.toml)"
        )
    if not surface.declares("includeTotals"):
        return counted[0]
    for ask in counted[:3]:
        probe = ep.send(ask.with_(top=1, totals=True), method)
        if probe.total is not None and probe.total < limit:
            return ask
    raise NotChecked(
        f"{ep.model.path}: no sampled filter value leaves fewer than {limit} items to page within "
        f"the request budget (raise request_budget in targets.toml)"
    )


def require(condition: bool, reason: str) -> None:
    """Raise `NotChecked(reason)` unless `condition`: a rule whose precondition the document lacks."""
    if not condition:
        raise Unsupported(reason)
