"""The optional `consumer` step: one consumer's query per cycle, in turn, as its consumer sends it.

Off unless `[monitor] consumers = true` and targets.toml names consumer files. A query with placeholders
costs one more request (a one-result sample in its language, to fill them); the answer must be the
envelope, and every property the consumer reads must be there with its documented type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from destwatch.consumers.model import ConsumerQuery
from destwatch.consumers.queries import bind
from destwatch.gate.rules.oracles import results_carry_properties_as_documented
from destwatch.openapi.model import EndpointModel
from destwatch.openapi.queries import LogicalQuery, Request, Unsupported, render

__all__ = ["ConsumerTurns", "needs_sample", "request_for", "sample_request", "unread"]


class ConsumerTurns:
    """The version's consumers' queries, one per cycle in turn, so that each is probed every few cycles."""

    def __init__(self, queries: Sequence[ConsumerQuery]) -> None:
        self.queries = tuple(queries)
        self._next = 0

    def take(self) -> ConsumerQuery | None:
        if not self.queries:
            return None
        query = self.queries[self._next % len(self.queries)]
        self._next += 1
        return query


def needs_sample(query: ConsumerQuery) -> bool:
    try:
        bind(query, [])
    except Unsupported:
        return True
    return False


def sample_request(query: ConsumerQuery, model: EndpointModel) -> Request:
    """One result in the query's language, by the query's own method: what fills its placeholders."""
    return render(LogicalQuery(top=1, language=query.language), model, query.method)


def request_for(query: ConsumerQuery, model: EndpointModel, rows: Sequence[Mapping[str, Any]]) -> Request:
    """The query as its consumer sends it, placeholders filled; `Unsupported` naming why it cannot be."""
    return render(bind(query, rows, model.date_times), model, query.method)


def unread(query: ConsumerQuery, model: EndpointModel, data: Mapping[str, Any]) -> list[str]:
    """What the consumer reads that the answer lacks or gives in another type than documented."""
    results = data.get("results") or []
    return results_carry_properties_as_documented(results, query.relies.properties, model.properties)
