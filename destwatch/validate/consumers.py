"""Go or no-go per consumer: each consumer's own queries on the version in use and on the candidate.

A query is filled from the version in use's data, rewritten for the candidate with the renames the live
differential found, and sent to both; only what the consumer relies on is compared (the results it gets,
the properties and facets it reads, `total` when it reads it), and noise is subtracted the Diffy way (the
query goes twice to the version in use). A document change counts for a consumer only when it touches what
that consumer reads. A query the candidate's document cannot express is NO-GO for its consumer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.consumers.model import Consumer, ConsumerQuery
from destwatch.consumers.queries import bind, renamed
from destwatch.http import Client
from destwatch.openapi.model import EndpointModel, Method
from destwatch.openapi.queries import LogicalQuery, Unsupported, render
from destwatch.validate.changes import Change, Severity
from destwatch.validate.consumer_walk import WALK_PAGES, walk, walk_difference
from destwatch.validate.verdict import Verdict, decide
from destwatch.validate.waivers import Waiver

__all__ = ["ConsumerVerdict", "Side", "judge_consumers"]

_SAMPLE = 200


@dataclass(frozen=True)
class Side:
    """One version as the comparison sees it: its client and its endpoint models."""

    target: VersionTarget
    client: Client
    models: Mapping[str, EndpointModel]

    def send(self, ask: LogicalQuery, model: EndpointModel, method: Method) -> tuple[int, Any]:
        request = render(ask, model, method)
        if request.method == "GET":
            response = self.client.get(request.path, params=list(request.params))
        else:
            response = self.client.post(request.path, json=request.body, params=list(request.params) or None)
        return response.status_code, json_or_none(response)


@dataclass(frozen=True)
class ConsumerVerdict:
    consumer: Consumer
    verdict: Verdict


@dataclass(frozen=True)
class _Renames:
    properties: Mapping[str, Mapping[str, str]]
    facets: Mapping[str, Mapping[str, str]]


def judge_consumers(
    consumers: Sequence[Consumer],
    old: Side,
    new: Side,
    *,
    renames: Mapping[str, Mapping[str, str]],
    facet_renames: Mapping[str, Mapping[str, str]],
    waivers: Sequence[Waiver],
    today: datetime.date,
) -> list[ConsumerVerdict]:
    """A verdict per consumer of the version in use, from its own queries only."""
    known = _Renames(renames, facet_renames)
    verdicts = []
    for consumer in consumers:
        changes = [change for query in consumer.queries for change in _query_changes(query, old, new, known)]
        verdicts.append(ConsumerVerdict(consumer, decide(changes, waivers, today=today)))
    return verdicts


def _query_changes(query: ConsumerQuery, old: Side, new: Side, known: _Renames) -> list[Change]:
    said = _Said(query)
    old_model, new_model = old.models.get(query.endpoint), new.models.get(query.endpoint)
    if old_model is None:
        return [
            said.change(
                "not-checked", f"{old.target.id} has no collection {query.endpoint!r}", Severity.COMPATIBLE
            )
        ]
    if new_model is None:
        return [said.change("endpoint-removed", f"{new.target.id} has no collection {query.endpoint!r}")]
    properties = dict(known.properties.get(query.endpoint, {}))
    facets = dict(known.facets.get(query.endpoint, {}))
    changes = _read_changes(query, old_model, new_model, properties, facets, said)
    try:
        ask = _bound(query, old, old_model)
    except Unsupported as why:
        return [
            *changes,
            said.change(
                "not-checked", f"cannot be asked of {old.target.id}: {why.reason}", Severity.COMPATIBLE
            ),
        ]
    rewritten = renamed(ask, properties)
    try:
        render(rewritten, new_model, query.method)
    except Unsupported as why:
        return [*changes, said.change("not-expressible", f"cannot be sent to {new.target.id}: {why.reason}")]
    return changes + _live_changes(
        query, (ask, rewritten), old, new, (old_model, new_model), properties, facets, said
    )


class _Said:
    """Changes about one query of one consumer, in words its owner reads."""

    def __init__(self, query: ConsumerQuery) -> None:
        self.query = query

    def change(self, what: str, sentence: str, severity: Severity = Severity.BREAKING) -> Change:
        query = self.query
        return Change(
            f"consumer:{query.consumer}/{query.name}:{what}",
            severity,
            f"{query.consumer}'s query {query.name} ({query.method} {query.endpoint}): {sentence}",
            source="consumer",
        )


def _read_changes(
    query: ConsumerQuery,
    old_model: EndpointModel,
    new_model: EndpointModel,
    properties: Mapping[str, str],
    facets: Mapping[str, str],
    said: _Said,
) -> list[Change]:
    """What the candidate's document changes about the properties and facets this query reads."""
    changes = []
    for name in query.relies.properties:
        after = properties.get(name, name)
        kind, new_kind = old_model.properties.get(name), new_model.properties.get(after)
        if name in properties:
            changes.append(
                said.change(f"property-renamed:{name}->{after}", f"reads `{name}`, which is now `{after}`")
            )
        elif new_kind is None:
            changes.append(said.change(f"property-removed:{name}", f"reads `{name}`, which is gone"))
        elif kind is not None and kind != new_kind:
            changes.append(
                said.change(f"property-type-changed:{name}", f"reads `{name}`: {kind}, now {new_kind}")
            )
    for name in query.relies.facets:
        if name in facets:
            changes.append(
                said.change(
                    f"facet-renamed:{name}->{facets[name]}",
                    f"reads facet `{name}`, which is now `{facets[name]}`",
                )
            )
        elif name in old_model.facets and name not in new_model.facets:
            changes.append(said.change(f"facet-removed:{name}", f"reads facet `{name}`, which is gone"))
    return changes


def _bound(query: ConsumerQuery, side: Side, model: EndpointModel) -> LogicalQuery:
    """The query with its placeholders filled from the version in use's data, in the query's language."""
    surface = model.surface(query.method) or model.surfaces[0]
    sample = LogicalQuery(
        top=min(model.top_limit, _SAMPLE),
        sort_asc=("id",) if "id" in surface.sort_asc else (),
        language=query.language,
    )
    status, data = side.send(sample, model, surface.method)
    rows = data.get("results") if status == 200 and isinstance(data, dict) else None
    return bind(query, [row for row in rows or [] if isinstance(row, dict)], model.date_times)


def _live_changes(
    query: ConsumerQuery,
    asks: tuple[LogicalQuery, LogicalQuery],
    old: Side,
    new: Side,
    models: tuple[EndpointModel, EndpointModel],
    properties: Mapping[str, str],
    facets: Mapping[str, str],
    said: _Said,
) -> list[Change]:
    first, second = (old.send(asks[0], models[0], query.method) for _ in range(2))
    status, answer = new.send(asks[1], models[1], query.method)
    if first[0] != 200 or not isinstance(first[1], dict):
        return [said.change("not-checked", f"{old.target.id} answers {first[0]}", Severity.COMPATIBLE)]
    if status != 200 or not isinstance(answer, dict):
        return [said.change("status", f"{new.target.id} answers {status}, {old.target.id} 200")]
    a, b = (_Seen.of(data, {}, {}) for data in (first[1], second[1]))
    c = _Seen.of(answer, properties, facets)
    changes = []
    first_page_differs = False
    for aspect, words in _aspects(query, asks[0]).items():
        before, again, after = _comparable(aspect, a, b, c)
        # What already differs between two answers of the version in use is noise, not the candidate's.
        if before != again or before == after:
            continue
        changes.append(
            said.change(
                f"difference:{aspect}",
                f"{words}: {old.target.id} {_shown(before)}, {new.target.id} {_shown(after)}",
            )
        )
        first_page_differs = first_page_differs or aspect in ("ids", "default-page")
        if aspect == "default-page":
            break  # a page of another size holds other results: that is the one difference to tell
    if query.relies.paging != "none" and not first_page_differs:
        # Its first page alike, a paging consumer may still get other items on the pages after it.
        changes += _walk_changes(query, asks, (old, new), models, said)
    return changes


def _walk_changes(
    query: ConsumerQuery,
    asks: tuple[LogicalQuery, LogicalQuery],
    sides: tuple[Side, Side],
    models: tuple[EndpointModel, EndpointModel],
    said: _Said,
) -> list[Change]:
    """The query paged its consumer's way on both versions (the version in use twice), the walks compared."""
    mode = query.relies.paging
    sizes = [ask.top or model.default_top for ask, model in zip(asks, models, strict=True)]

    def walked(side: Side, at: int) -> list[str] | None:
        return walk(lambda page: side.send(page, models[at], query.method), asks[at], mode, sizes[at])

    old, new = sides
    by = "`after`" if mode == "keyset" else "`skip`"
    how = f"paging it by {by} (at most {WALK_PAGES} pages of {sizes[0]})"
    try:
        before, again = walked(old, 0), walked(old, 0)
    except Unsupported as why:
        return [said.change("walk-not-checked", f"{how}: {old.target.id}: {why.reason}", Severity.COMPATIBLE)]
    try:
        after = walked(new, 1)
    except Unsupported as why:
        return [
            said.change("walk-not-expressible", f"{how}: cannot be sent to {new.target.id}: {why.reason}")
        ]
    if before is None or again is None:
        return [
            said.change("walk-not-checked", f"{how}: {old.target.id} stops answering", Severity.COMPATIBLE)
        ]
    if after is None:
        return [
            said.change("walk-status", f"{how}: {new.target.id} stops answering, {old.target.id} does not")
        ]
    told = walk_difference(before, again, after)
    if told is None:
        return []
    return [
        said.change(
            "difference:walk", f"{how}, {old.target.id} visits {told[0]}; {new.target.id} visits {told[1]}"
        )
    ]


def _comparable(aspect: str, *answers: _Seen) -> list[Any]:
    """The aspect of each answer; values only on the ids all answers hold (other ids are `ids`' business)."""
    seen = [answer.get(aspect) for answer in answers]
    if not aspect.startswith("values."):
        return seen
    shared = set.intersection(*(set(values or {}) for values in seen))
    return [{i: v for i, v in (values or {}).items() if i in shared} for values in seen]


def _aspects(query: ConsumerQuery, ask: LogicalQuery) -> dict[str, str]:
    """What the consumer relies on in an answer, by aspect, with the words for a difference."""
    aspects = {"ids": "the results it gets differ"}
    if ask.top is None:
        aspects = {"default-page": "it sends no `top`, and the default page differs", **aspects}
    if query.relies.total:
        aspects["total"] = "`total` differs"
    aspects |= {
        f"values.{name}": f"the values of `{name}` differ" for name in query.relies.properties if name != "id"
    }
    aspects |= {f"facet.{name}": f"the counts of facet `{name}` differ" for name in query.relies.facets}
    return aspects


@dataclass(frozen=True)
class _Seen:
    """One answer's aspects, keyed the consumer's way (renamed properties and facets read by old name)."""

    values: Mapping[str, Any]

    @classmethod
    def of(cls, data: Mapping[str, Any], properties: Mapping[str, str], facets: Mapping[str, str]) -> _Seen:
        rows = [row for row in data.get("results") or [] if isinstance(row, dict)]
        ids = [str(row.get("id")) for row in rows]
        seen: dict[str, Any] = {"ids": ids, "default-page": len(rows), "total": data.get("total")}
        names = {name for row in rows for name in row} | set(properties)
        for name in names:
            seen[f"values.{name}"] = {str(row.get("id")): row.get(properties.get(name, name)) for row in rows}
        by_id = {str(f.get("propertyId")): f for f in data.get("facets") or [] if isinstance(f, dict)}
        for name in {*by_id, *facets}:
            facet = by_id.get(facets.get(name, name)) or {}
            values = facet.get("values") or []
            seen[f"facet.{name}"] = {str(v.get("key")): v.get("count") for v in values if isinstance(v, dict)}
        return cls(seen)

    def get(self, aspect: str) -> Any:
        return self.values.get(aspect)


def _shown(value: Any, limit: int = 3) -> str:
    if isinstance(value, list):
        return repr(value[:limit])[:-1] + (f", … {len(value)} in all]" if len(value) > limit else "]")
    if isinstance(value, dict):
        items = list(value.items())[:limit]
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + (", …}" if len(value) > limit else "}")
    return repr(value)
