"""A gate run's results grouped per consumer: one `ConsumerRow` per consumer and destination version, one
`QueryOutcome` per query it sends there. Derived once from the items' consumer identity (a fact the plugin
carries like warnings), kept in `Summary.consumers`, and rendered by every report (summary.json, the
terminal, the page, the Markdown summary). A run without consumer files has none, and no report changes.

A row names its failing tests, not copies of their failures: the suite rows hold the failures (a baseline
marks them there), and summary.json writes each with the query it failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

__all__ = ["ConsumerRow", "QueryOutcome", "consumer_rows", "joined_consumer_rows"]

_COUNTS = ("passed", "failed", "skipped", "not_run")


class _Item(Protocol):
    nodeid: str
    destination: str
    version: str
    outcome: str
    consumer: str
    query: str


@dataclass(frozen=True)
class QueryOutcome:
    """How the tests of one consumer query ended on one version."""

    query: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_run: int = 0
    failed_tests: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        if self.failed:
            return "failed"
        if self.not_run:
            return "not-run"
        return "passed" if self.passed else "skipped"

    def joined(self, other: QueryOutcome) -> QueryOutcome:
        counts = {name: getattr(self, name) + getattr(other, name) for name in _COUNTS}
        return replace(self, **counts, failed_tests=self.failed_tests + other.failed_tests)


@dataclass(frozen=True)
class ConsumerRow:
    """One consumer on one destination version: its queries' outcomes, in name order."""

    consumer: str
    destination: str
    version: str
    queries: tuple[QueryOutcome, ...] = ()

    @property
    def target(self) -> str:
        return f"{self.destination}/{self.version}"

    def count(self, name: str) -> int:
        return sum(getattr(query, name) for query in self.queries)

    @property
    def state(self) -> str:
        states = {query.state for query in self.queries}
        return next((s for s in ("failed", "not-run", "passed") if s in states), "skipped")

    def first_failure(self, messages: Mapping[str, str]) -> str:
        """The first query that failed, with its clause from `messages` (the run's, by test); "" if none."""
        failed = [(query.query, test) for query in self.queries for test in query.failed_tests]
        return f"{failed[0][0]}: {messages.get(failed[0][1], '')}" if failed else ""

    def joined(self, other: ConsumerRow) -> ConsumerRow:
        """The same consumer and version from another shard of the run, as one row."""
        mine = {query.query: query for query in self.queries}
        for query in other.queries:
            mine[query.query] = mine[query.query].joined(query) if query.query in mine else query
        return replace(self, queries=tuple(mine[name] for name in sorted(mine)))

    def to_json(self, failures: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """summary.json's entry; `failures` are the run's failures (as JSON) by test."""
        return {
            "consumer": self.consumer,
            "destination": self.destination,
            "version": self.version,
            "state": self.state,
            **{name: self.count(name) for name in _COUNTS},
            "queries": [
                {
                    "query": query.query,
                    "state": query.state,
                    **{name: getattr(query, name) for name in _COUNTS},
                    "failures": [dict(failures[test]) for test in query.failed_tests if test in failures],
                }
                for query in self.queries
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsumerRow:
        queries = tuple(
            QueryOutcome(
                query["query"],
                **{name: query.get(name, 0) for name in _COUNTS},
                failed_tests=tuple(failure["test"] for failure in query.get("failures", ())),
            )
            for query in data.get("queries", ())
        )
        return cls(data["consumer"], data["destination"], data["version"], queries)


def consumer_rows(results: Iterable[_Item]) -> tuple[ConsumerRow, ...]:
    """The results of consumer queries, grouped per consumer and version (ordered by consumer, then
    version); results of other suites have no consumer and are left out."""
    singles = [
        ConsumerRow(
            result.consumer,
            result.destination,
            result.version,
            (
                QueryOutcome(
                    result.query,
                    **{name: int(result.outcome == name) for name in _COUNTS},
                    failed_tests=(result.nodeid,) if result.outcome == "failed" else (),
                ),
            ),
        )
        for result in results
        if result.consumer
    ]
    return joined_consumer_rows([singles])


def joined_consumer_rows(parts: Iterable[Iterable[ConsumerRow]]) -> tuple[ConsumerRow, ...]:
    """Several shards' consumer rows as one run's."""
    rows: dict[tuple[str, str, str], ConsumerRow] = {}
    for part in parts:
        for row in part:
            key = (row.consumer, row.destination, row.version)
            rows[key] = rows[key].joined(row) if key in rows else row
    return tuple(rows[key] for key in sorted(rows))
