"""The live differential: the same logical queries on the version in use and on the candidate.

Queries are written only with what both documents declare (`openapi.versions.common_model`), so a
difference the document diff explains is not asked about at all; what still differs is a regression the
documents do not show. Noise is subtracted the Diffy way: every query goes twice to the version in use,
and an aspect that differs between those two answers is not held against the candidate. Latency is
measured on one query sent to both sides in alternating rounds, and live data finds renames (a property
removed and another added with the same values on the same ids) and renamed facets (the same value counts
under another id).
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.http import Client
from destwatch.openapi.generators import must_plan
from destwatch.openapi.model import EndpointModel, Method
from destwatch.openapi.queries import LogicalQuery, methods_for, render
from destwatch.openapi.versions import common_model
from destwatch.validate.changes import Change, Severity
from destwatch.validate.facts import VersionFacts

__all__ = ["Latency", "LiveFindings", "compare_live", "find_renames"]

_SAMPLE = 200
# At least this many shared ids must agree, and this share of them, before two properties are one renamed.
_RENAME_MIN_IDS = 5
_RENAME_SHARE = 0.95
# Latency is compared on the same query sent to both sides in ABBA rounds, so load that comes and goes
# on the machine falls on both alike. Beyond the p95 rule, the median round must be slower by the factor
# and by more than the floor: on loopback a few milliseconds either way are noise.
_LATENCY_ROUNDS = 6
_LATENCY_FLOOR = 0.010
_SHOWN = 3


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    count: int


@dataclass
class LiveFindings:
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    facet_renames: dict[str, dict[str, str]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    latency: dict[str, Latency] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Answer:
    status: int
    data: Any
    elapsed: float

    @property
    def results(self) -> list[dict[str, Any]]:
        results = self.data.get("results") if isinstance(self.data, dict) else None
        return [row for row in results or [] if isinstance(row, dict)]

    @property
    def ids(self) -> list[str]:
        return [str(row.get("id")) for row in self.results]

    @property
    def total(self) -> Any:
        return self.data.get("total") if isinstance(self.data, dict) else None

    @property
    def facets(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for facet in (self.data.get("facets") if isinstance(self.data, dict) else None) or []:
            if isinstance(facet, dict):
                values = facet.get("values") or []
                found[str(facet.get("propertyId"))] = {
                    str(v.get("key")): v.get("count") for v in values if isinstance(v, dict)
                }
        return found


class _Side:
    """One version: its client, its endpoint models, and what it was sent."""

    def __init__(self, target: VersionTarget, client: Client, facts: VersionFacts) -> None:
        self.target = target
        self.client = client
        self.facts = facts
        self.elapsed: list[float] = []
        self.sent = 0

    def send(self, ask: LogicalQuery, model: EndpointModel, method: Method) -> _Answer:
        request = render(ask, model, method)
        if method == "GET":
            response = self.client.get(request.path, params=list(request.params))
        else:
            response = self.client.post(request.path, json=request.body, params=list(request.params) or None)
        self.sent += 1
        elapsed = response.elapsed.total_seconds()
        self.elapsed.append(elapsed)
        return _Answer(response.status_code, json_or_none(response), elapsed)


def compare_live(
    old: tuple[VersionTarget, Client, VersionFacts],
    new: tuple[VersionTarget, Client, VersionFacts],
    *,
    seed: int,
    latency_regression: float,
) -> LiveFindings:
    """Renames, unexplained differences and the latency of both versions, from live answers."""
    a, b = _Side(*old), _Side(*new)
    findings = LiveFindings()
    common = sorted(set(a.facts.endpoints) & set(b.facts.endpoints))
    for name in common:
        _compare_endpoint(name, a, b, findings, random.Random(f"{seed}/{name}"))
    rounds = _latency_rounds(a, b, common)
    for side in (a, b):
        findings.latency[side.target.id] = _latency(side.elapsed)
        findings.requests[side.target.id] = side.sent
    slower = _slower(rounds, latency_regression)
    if slower:
        findings.changes.append(
            Change(
                f"latency-regression:{b.target.destination}",
                Severity.MAYBE_BREAKING,
                f"{b.target.id} answers the same queries slower: {slower}",
                source="live",
            )
        )
    return findings


def _compare_endpoint(name: str, a: _Side, b: _Side, findings: LiveFindings, rng: random.Random) -> None:
    old_facts, new_facts = a.facts.endpoints[name], b.facts.endpoints[name]
    common = common_model(old_facts.model, new_facts.model)
    if not common.surfaces:
        return
    languages = [lang for lang in a.facts.languages if lang in b.facts.languages] or [None]
    top = min(common.top_limit, _SAMPLE)
    by_id = LogicalQuery(top=top, sort_asc=("id",), totals=True)
    sample_ask = _expressible(common, [by_id, by_id.with_(totals=False), LogicalQuery(top=top)])
    if sample_ask is None:
        return
    ask, method = sample_ask
    baseline, candidate = a.send(ask, old_facts.model, method), b.send(ask, new_facts.model, method)
    renames = find_renames(
        baseline.results,
        candidate.results,
        removed=[p for p in old_facts.properties if p not in new_facts.properties],
        added=[p for p in new_facts.properties if p not in old_facts.properties],
    )
    if renames:
        findings.renames[name] = renames
    facet_renames = _facet_renames(
        baseline.facets,
        candidate.facets,
        # A facet on a renamed property goes with the property's rename.
        removed=[f for f in old_facts.model.facets if f not in new_facts.model.facets and f not in renames],
        added=[
            f for f in new_facts.model.facets if f not in old_facts.model.facets and f not in renames.values()
        ],
    )
    if facet_renames:
        findings.facet_renames[name] = facet_renames
    queries: list[tuple[str, LogicalQuery]] = [
        (f"unfiltered, language {lang}", ask.with_(language=lang)) for lang in languages
    ]
    plan = must_plan(common.filters, baseline.results, rng, limit=max(2, top // 3))
    if plan is not None:
        queries.append((f"must {plan.name} = {plan.first!r}", ask.and_must(plan.name, plan.first)))
    # The sort key with the most ties in the sample: how ties are ordered is part of what consumers see.
    keys = [key for key in common.sort_keys if key != "id" and key in common.properties]
    if keys:
        key = min(keys, key=lambda k: len({repr(row.get(k)) for row in baseline.results}))
        queries.append((f"sortDesc={key}", LogicalQuery(top=min(top, 100), sort_desc=(key,))))
    values = {p: p for p in common.properties} | renames
    for label, query in queries:
        chosen = _expressible(common, [query, query.with_(totals=False), query.with_(language=None)])
        if chosen is None:
            continue
        query, method = chosen
        first = a.send(query, old_facts.model, method)
        again = a.send(query, old_facts.model, method)
        other = b.send(query, new_facts.model, method)
        facet_map = {f: f for f in common.facets} | facet_renames
        for aspect, found in _differences(first, again, other, values, facet_map):
            findings.changes.append(_difference(name, aspect, label, found, a.target, b.target))
    if old_facts.model.default_top == new_facts.model.default_top:
        bare = _expressible(common, [LogicalQuery()])
        if bare is not None:
            query, method = bare
            first, again = a.send(query, old_facts.model, method), a.send(query, old_facts.model, method)
            other = b.send(query, new_facts.model, method)
            counts = (len(first.results), len(again.results), len(other.results))
            if counts[0] == counts[1] != counts[2]:
                found = [f"{counts[0]} results without `top` on {a.target.id}, {counts[2]} on {b.target.id}"]
                findings.changes.append(
                    _difference(name, "default-page", "no parameters", found, a.target, b.target)
                )
    findings.changes[:] = _merged(findings.changes)


def find_renames(
    old_rows: Sequence[Mapping[str, Any]],
    new_rows: Sequence[Mapping[str, Any]],
    *,
    removed: Iterable[str],
    added: Iterable[str],
) -> dict[str, str]:
    """Removed -> added property pairs whose values agree on the same ids (a rename, not two changes)."""
    old_by_id = {str(row.get("id")): row for row in old_rows}
    new_by_id = {str(row.get("id")): row for row in new_rows}
    shared = [i for i in old_by_id if i in new_by_id]
    renames: dict[str, str] = {}
    free = list(added)
    for before in removed:
        for after in free:
            pairs = [
                (old_by_id[i].get(before), new_by_id[i].get(after))
                for i in shared
                if old_by_id[i].get(before) is not None
            ]
            agree = sum(1 for x, y in pairs if x == y)
            if len(pairs) >= _RENAME_MIN_IDS and agree >= _RENAME_SHARE * len(pairs):
                renames[before] = after
                free.remove(after)
                break
    return renames


def _facet_renames(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    *,
    removed: Iterable[str],
    added: Iterable[str],
) -> dict[str, str]:
    renames: dict[str, str] = {}
    free = [facet for facet in added if facet in new]
    for before in removed:
        if before not in old or not old[before]:
            continue
        match = next((after for after in free if dict(new[after]) == dict(old[before])), None)
        if match is not None:
            renames[before] = match
            free.remove(match)
    return renames


def _differences(
    first: _Answer,
    again: _Answer,
    other: _Answer,
    values: Mapping[str, str],
    facets: Mapping[str, str],
) -> Iterable[tuple[str, list[str]]]:
    """(aspect, counterexample) for each aspect where the candidate differs and the baseline agreed with
    itself; an aspect that changed between the baseline's two answers is noise."""
    if first.status != again.status:
        return
    if first.status != other.status:
        yield "status", [f"answered {other.status} where the version in use answers {first.status}"]
        return
    if first.ids == again.ids and first.ids != other.ids:
        yield "ids", _id_difference(first.ids, other.ids)
    if first.total == again.total and first.total != other.total:
        yield "total", [f"total {other.total!r} where the version in use says {first.total!r}"]
    mapped = {facets[f]: counts for f, counts in first.facets.items() if f in facets}
    stable = {facets[f]: counts for f, counts in again.facets.items() if f in facets}
    for facet, counts in sorted(mapped.items()):
        if stable.get(facet) == counts and other.facets.get(facet) != counts:
            changed = sorted(set(counts) | set(other.facets.get(facet) or {}))
            shown = [k for k in changed if counts.get(k) != (other.facets.get(facet) or {}).get(k)][:_SHOWN]
            yield (
                f"facets.{facet}",
                [
                    f"{facet}={k!r}: counts {(other.facets.get(facet) or {}).get(k)!r}, was {counts.get(k)!r}"
                    for k in shown
                ],
            )
    yield from _value_differences(first, again, other, values)


def _value_differences(
    first: _Answer, again: _Answer, other: _Answer, values: Mapping[str, str]
) -> Iterable[tuple[str, list[str]]]:
    repeat = {str(row.get("id")): row for row in again.results}
    candidate = {str(row.get("id")): row for row in other.results}
    for before, after in sorted(values.items()):
        lines = []
        for row in first.results:
            i = str(row.get("id"))
            if i not in candidate or i not in repeat or repeat[i].get(before) != row.get(before):
                continue
            if candidate[i].get(after) != row.get(before):
                lines.append(f"{i}: {after}={candidate[i].get(after)!r}, was {row.get(before)!r}")
        if lines:
            yield f"values.{after}", lines[:_SHOWN]


def _id_difference(before: Sequence[str], after: Sequence[str]) -> list[str]:
    missing = [i for i in before if i not in set(after)]
    extra = [i for i in after if i not in set(before)]
    lines = [f"{i}: missing" for i in missing[:_SHOWN]] + [f"{i}: not there before" for i in extra[:_SHOWN]]
    if not lines:
        position = next(n for n, (x, y) in enumerate(zip(before, after, strict=False)) if x != y)
        lines = [
            f"the same ids in another order: position {position} holds {after[position]}, "
            f"was {before[position]}"
        ]
    return lines


def _difference(
    endpoint: str, aspect: str, query: str, found: list[str], old: VersionTarget, new: VersionTarget
) -> Change:
    return Change(
        f"difference:{endpoint}.{aspect}",
        Severity.BREAKING,
        f"`/{endpoint}`: {_in_words(aspect)} on the same query ({query}), which no document change "
        "explains: " + "; ".join(found),
        source="live",
    )


def _in_words(aspect: str) -> str:
    kind, _, name = aspect.partition(".")
    words = {
        "ids": "the items or their order differ",
        "total": "the total differs",
        "status": "the status differs",
        "default-page": "the default page size differs",
        "facets": f"the counts of facet `{name}` differ",
        "values": f"the values of `{name}` differ",
    }
    return words.get(kind, f"{aspect} differs")


def _merged(changes: list[Change]) -> list[Change]:
    """One change per endpoint and aspect (the first query that showed it)."""
    seen: dict[str, Change] = {}
    for change in changes:
        seen.setdefault(change.id, change)
    return list(seen.values())


def _expressible(model: EndpointModel, asks: Sequence[LogicalQuery]) -> tuple[LogicalQuery, Method] | None:
    for ask in asks:
        try:
            return ask, methods_for(model, [ask])[-1]
        except NotChecked:
            continue
    return None


def _latency(samples: Sequence[float]) -> Latency:
    if not samples:
        return Latency(0.0, 0.0, 0)
    ordered = sorted(samples)
    return Latency(_percentile(ordered, 0.5), _percentile(ordered, 0.95), len(ordered))


def _percentile(ordered: Sequence[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _latency_rounds(a: _Side, b: _Side, endpoints: Sequence[str]) -> list[tuple[float, float]]:
    """(baseline, candidate) seconds for one query, sent in ABBA order round after round."""
    for name in endpoints:
        common = common_model(a.facts.endpoints[name].model, b.facts.endpoints[name].model)
        chosen = (
            _expressible(common, [LogicalQuery(top=min(common.top_limit, _SAMPLE))])
            if common.surfaces
            else None
        )
        if chosen is None:
            continue
        ask, method = chosen
        old_model, new_model = a.facts.endpoints[name].model, b.facts.endpoints[name].model
        rounds: list[tuple[float, float]] = []
        for i in range(_LATENCY_ROUNDS):
            if i % 2:
                candidate = b.send(ask, new_model, method).elapsed
                baseline = a.send(ask, old_model, method).elapsed
            else:
                baseline = a.send(ask, old_model, method).elapsed
                candidate = b.send(ask, new_model, method).elapsed
            rounds.append((baseline, candidate))
        return rounds
    return []


def _slower(rounds: Sequence[tuple[float, float]], factor: float) -> str:
    """The issue's rule (candidate p95 above `factor` x the baseline's) with a guard against noise: the
    median round must say so too, by more than the floor."""
    if not rounds:
        return ""
    baseline = _latency([old for old, _ in rounds])
    candidate = _latency([new for _, new in rounds])
    ratio = statistics.median(new / max(old, 1e-6) for old, new in rounds)
    extra = statistics.median(new - old for old, new in rounds)
    if candidate.p95 > factor * baseline.p95 and ratio > factor and extra > _LATENCY_FLOOR:
        return (
            f"p95 {candidate.p95 * 1000:.0f} ms against {baseline.p95 * 1000:.0f} ms on the same query "
            f"(p50 {candidate.p50 * 1000:.0f} ms against {baseline.p50 * 1000:.0f} ms; {len(rounds)} paired "
            f"rounds, median {ratio:.1f}x; over the latency_regression factor {factor:g})"
        )
    return ""
