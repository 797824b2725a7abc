"""What a gate run found, typed (`Summary`), and written as `summary.json` and `exchanges.jsonl`.

The plugin feeds `ItemResult`s in; `report merge` joins shards' summaries; the terminal table
(`destwatch.gate.terminal`) and the page (`destwatch.gate.page`) render one. Files are written atomically:
a CI system never reads a half-written report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from destwatch._files import write_atomic
from destwatch.coverage.ledger import VersionCoverage
from destwatch.exit_codes import ExitCode
from destwatch.gate.consumer_rows import ConsumerRow, consumer_rows
from destwatch.http import Exchange
from destwatch.redact import redact

__all__ = [
    "COUNTED",
    "Failure",
    "ItemResult",
    "Row",
    "Summary",
    "Unreachable",
    "build_summary",
    "join_usage",
    "write_exchanges",
    "write_json",
]

# "not_run": the test could not run its check (its version unreachable, or out of time); counted once.
ItemOutcome = Literal["passed", "failed", "skipped", "not_run"]
_NO_TARGET = "-"


@dataclass
class ItemResult:
    """The final outcome of one test item; `kind` says what a failure was."""

    nodeid: str
    destination: str = _NO_TARGET
    version: str = _NO_TARGET
    suite: str = _NO_TARGET
    outcome: ItemOutcome = "passed"
    kind: Literal["", "violation", "unreachable", "error"] = ""
    message: str = ""
    duration: float = 0.0
    skip_kind: Literal["", "not-applicable", "budget"] = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    """A violation's `detail`, `request` (redacted curl) and `counterexample`, when it has them."""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    coverage: list[list[str]] = field(default_factory=list)
    """Coverage rows (target, endpoint, kind, item, level, how): the evidence the test recorded, and why a
    test of a kind (`covers` marker) skipped or failed (item "", level "skipped" or "failed")."""
    consumer: str = ""
    """The consumer whose query the test sent (the consumers suite), and that query's name."""
    query: str = ""

    @property
    def target(self) -> str:
        return f"{self.destination}/{self.version}"


@dataclass(frozen=True)
class Failure:
    """A failed test: `kind` is "violation" (the destination broke a clause), "unreachable" or "error" (a
    bug of destwatch's); a violation's `evidence` holds its `detail`, `rule`, `request` and
    `counterexample`."""

    test: str
    kind: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test, "kind": self.kind, "message": self.message, **self.evidence}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Failure:
        evidence = {key: value for key, value in data.items() if key not in ("test", "kind", "message")}
        return cls(data["test"], data["kind"], data["message"], evidence)


@dataclass(frozen=True)
class Row:
    """One destination version and suite: its counts, failures, warnings and notes."""

    destination: str
    version: str
    suite: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_run: int = 0
    not_checked_budget: int = 0
    duration: float = 0.0
    failures: tuple[Failure, ...] = ()
    warnings: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[Mapping[str, str], ...] = ()
    # The first reason a test of this row could not run (its version unreachable, or out of time).
    not_run_reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.destination}/{self.version}"

    def joined(self, other: Row) -> Row:
        """This row and the same row of another shard of the run, as one."""
        return replace(
            self,
            **{name: getattr(self, name) + getattr(other, name) for name in (*COUNTED, "failures")},
            duration=round(self.duration + other.duration, 3),
            warnings=self.warnings + other.warnings,
            notes=self.notes + other.notes,
            not_run_reason=self.not_run_reason or other.not_run_reason,
        )

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _ROW_FIELDS}
        return {
            **data,
            "failures": [failure.to_json() for failure in self.failures],
            "warnings": [dict(w) for w in self.warnings],
            "notes": [dict(n) for n in self.notes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Row:
        return cls(
            **{name: data.get(name, 0 if name in COUNTED else "") for name in _ROW_FIELDS},
            failures=tuple(Failure.from_json(failure) for failure in data["failures"]),
            warnings=tuple(data.get("warnings", ())),
            notes=tuple(data.get("notes", ())),
        )


@dataclass(frozen=True)
class Unreachable:
    """A version whose tests could not run, once, with the reason."""

    target: str
    reason: str
    tests_not_run: int = 0


@dataclass(frozen=True)
class Summary:
    """What a gate run found: its exit code, one row per destination version and suite, the versions that
    could not be tested, and what each version cost (`targets`, per version: requests, tokens, the slowest
    answer, the document fetch, the fuzz seed). summary.json is `to_json()`."""

    exit_code: ExitCode
    rows: tuple[Row, ...] = ()
    unreachable: tuple[Unreachable, ...] = ()
    targets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    started: str | None = None
    duration: float | None = None
    seed: int | None = None
    fault: str | None = None
    variant: str | None = None
    # The CI jobs a `report merge` joined, by folder.
    shards: tuple[str, ...] = ()
    # What a baseline (`--baseline`) accepted, found expired or new, and its entries that no longer occur.
    baseline: Mapping[str, Any] | None = None
    # What the run proved of each tested version (coverage.json holds it item by item).
    coverage: tuple[VersionCoverage, ...] = ()
    # The consumers' queries' results, per consumer and version (none without consumer files).
    consumers: tuple[ConsumerRow, ...] = ()

    @classmethod
    def of(
        cls, rows: Iterable[Row], *, exit_code: int, unreachable: Mapping[str, str], **info: Any
    ) -> Summary:
        """The summary of `rows` (one per destination version and suite, in order); `unreachable` names the
        versions whose document could not be had, besides those whose tests did not run."""
        ordered = tuple(rows)
        reasons = dict(unreachable)
        not_run: dict[str, int] = {}
        for row in ordered:
            if row.not_run:
                reasons.setdefault(row.target, row.not_run_reason)
                not_run[row.target] = not_run.get(row.target, 0) + row.not_run
        listed = tuple(
            Unreachable(target, reason, not_run.get(target, 0)) for target, reason in sorted(reasons.items())
        )
        return cls(ExitCode(exit_code), ordered, listed, **info)

    @property
    def result(self) -> str:
        return self.exit_code.verdict

    @property
    def totals(self) -> dict[str, int]:
        totals = {name: sum(getattr(row, name) for row in self.rows) for name in COUNTED}
        for kind in _KINDS:
            totals[kind] = sum(1 for failure in self.failures if failure.kind == kind)
        totals["warnings"] = len(self.warnings)
        return totals

    @property
    def failures(self) -> list[Failure]:
        return [failure for row in self.rows for failure in row.failures]

    @property
    def warnings(self) -> list[Mapping[str, Any]]:
        return [warning for row in self.rows for warning in row.warnings]

    @property
    def notes(self) -> list[Mapping[str, str]]:
        # The same note (two versions' documents differ) comes from every test that compared them: once here.
        return list(
            {(note["target"], note["text"]): note for row in self.rows for note in row.notes}.values()
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "exit_code": int(self.exit_code),
            "result": self.result,
            "totals": self.totals,
            "unreachable": [vars(item) for item in self.unreachable],
            "warnings": [dict(w) for w in self.warnings],
            "notes": [dict(n) for n in self.notes],
            "rows": [row.to_json() for row in self.rows],
        }
        for name in ("started", "duration", "seed", "fault", "variant"):
            data[name] = getattr(self, name)
        data["targets"] = {target: dict(usage) for target, usage in self.targets.items()}
        if self.shards:
            data["shards"] = list(self.shards)
        if self.baseline is not None:
            data["baseline"] = dict(self.baseline)
        data["coverage"] = {
            version.target: {
                "proven_fraction": round(version.proven_fraction, 4),
                "counts": version.counts(),
                "below_bar": version.below_bar(),
            }
            for version in self.coverage
        }
        if self.consumers:
            failures = {failure.test: failure.to_json() for failure in self.failures}
            data["consumers"] = [row.to_json(failures) for row in self.consumers]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """The summary a summary.json holds (`report merge` reads the shards' this way)."""
        return cls(
            exit_code=ExitCode(data["exit_code"]),
            rows=tuple(Row.from_json(row) for row in data["rows"]),
            unreachable=tuple(Unreachable(**item) for item in data.get("unreachable", ())),
            targets=data.get("targets", {}),
            **{name: data.get(name) for name in ("started", "duration", "seed", "fault", "variant")},
            shards=tuple(data.get("shards", ())),
            baseline=data.get("baseline"),
            consumers=tuple(ConsumerRow.from_json(row) for row in data.get("consumers", ())),
        )


def build_summary(
    results: Iterable[ItemResult], *, exit_code: int, unreachable: Mapping[str, str], **info: Any
) -> Summary:
    """The summary of a run's test results: one row per destination version and suite."""
    results = list(results)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for result in results:
        key = (result.destination, result.version, result.suite)
        row = rows.setdefault(
            key,
            {
                **dict.fromkeys(COUNTED, 0),
                "duration": 0.0,
                "failures": [],
                "warnings": [],
                "notes": [],
                "not_run_reason": "",
            },
        )
        if result.outcome:
            row[result.outcome] += 1
        row["not_checked_budget"] += result.outcome == "skipped" and result.skip_kind == "budget"
        row["duration"] = round(row["duration"] + result.duration, 3)
        row["warnings"] += result.warnings
        row["notes"] += result.notes
        if result.outcome == "failed":
            row["failures"].append(Failure(result.nodeid, result.kind, result.message, result.evidence))
        if result.outcome == "not_run" and not row["not_run_reason"]:
            row["not_run_reason"] = result.message
    ordered = [
        Row(
            *key,
            **{
                name: value
                for name, value in rows[key].items()
                if name not in ("failures", "warnings", "notes")
            },
            failures=tuple(rows[key]["failures"]),
            warnings=tuple(rows[key]["warnings"]),
            notes=tuple(rows[key]["notes"]),
        )
        for key in sorted(rows)
    ]
    return Summary.of(
        ordered, exit_code=exit_code, unreachable=unreachable, consumers=consumer_rows(results), **info
    )


# The per-row counts summary.json totals (and `report merge` adds up).
COUNTED = ("passed", "failed", "skipped", "not_run", "not_checked_budget")


def join_usage(parts: Iterable[Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per-version usage (summary.json's `targets`) of several processes or shards of one run as one:
    requests and tokens summed, the slowest answer kept, the first known document fetch."""
    joined: dict[str, dict[str, Any]] = {}
    for usage in parts:
        for target_id, mine in usage.items():
            if target_id not in joined:
                joined[target_id] = dict(mine)
                continue
            both = joined[target_id]
            for key in ("requests", "tokens_fetched", "auth_grants"):
                both[key] = both.get(key, 0) + mine.get(key, 0)
            slowest = [v for v in (both.get("max_elapsed"), mine.get("max_elapsed")) if v is not None]
            both["max_elapsed"] = max(slowest) if slowest else None
            for key in ("spec", "spec_needed_token", "fuzz_seed"):
                if both.get(key) is None:
                    both[key] = mine.get(key)
    return joined


def write_json(path: Path, data: Any) -> None:
    """Write `data` as JSON at `path` atomically; every string is passed through `redact` first."""
    write_atomic(path, redact(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")


def write_exchanges(
    path: Path, exchanges: Iterable[Exchange], mark: Callable[[Exchange], str] | None = None
) -> None:
    """One JSON line per recorded request (already redacted when recorded; redacted again for safety);
    `mark` names the finding an exchange belongs to (its `finding`), or "".

    The file is redacted as a whole: a fuzz run records thousands of exchanges, and one pass over the text
    costs a fraction of one per line. (No mask spans lines: every line ends with the object's `}`.)
    """
    lines = "".join(json.dumps(_marked(exchange, mark), ensure_ascii=False) + "\n" for exchange in exchanges)
    write_atomic(path, redact(lines))


def _marked(exchange: Exchange, mark: Callable[[Exchange], str] | None) -> dict[str, Any]:
    finding = mark(exchange) if mark is not None else ""
    return {**vars(exchange), "finding": finding} if finding else vars(exchange)


_KINDS = ("violation", "unreachable", "error")
_ROW_FIELDS = ("destination", "version", "suite", *COUNTED, "duration", "not_run_reason")
