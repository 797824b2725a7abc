"""Run results as files and a terminal table: `summary.json`, `exchanges.jsonl` and the rich summary.

The plugin feeds `ItemResult`s in; this module only formats and writes (atomically: a CI system never
reads a half-written report).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from destwatch._files import write_atomic
from destwatch.exit_codes import ExitCode
from destwatch.http import Exchange
from destwatch.redact import redact

__all__ = [
    "COUNTED",
    "ItemResult",
    "assemble_summary",
    "build_summary",
    "join_usage",
    "write_exchanges",
    "write_json",
]

# "not_run": the test could not run its check (its version unreachable, or out of time); counted once.
Outcome = Literal["passed", "failed", "skipped", "not_run"]
_NO_TARGET = "-"


@dataclass
class ItemResult:
    """The final outcome of one test item; `kind` says what a failure was."""

    nodeid: str
    destination: str = _NO_TARGET
    version: str = _NO_TARGET
    suite: str = _NO_TARGET
    outcome: Outcome = "passed"
    kind: Literal["", "violation", "unreachable", "error"] = ""
    message: str = ""
    duration: float = 0.0
    skip_kind: Literal["", "not-applicable", "budget"] = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    """A violation's `detail`, `request` (redacted curl) and `counterexample`, when it has them."""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"{self.destination}/{self.version}"


@dataclass
class _Row:
    destination: str
    version: str
    suite: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_run: int = 0
    not_checked_budget: int = 0
    duration: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    # The first reason a test of this row could not run (its version unreachable, or out of time).
    not_run_reason: str = ""


def build_summary(
    results: Iterable[ItemResult],
    *,
    exit_code: int,
    unreachable: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary.json document: totals, one row per destination version and suite, failures listed."""
    rows: dict[tuple[str, str, str], _Row] = {}
    for result in results:
        key = (result.destination, result.version, result.suite)
        row = rows.setdefault(key, _Row(*key))
        setattr(row, result.outcome, getattr(row, result.outcome) + 1)
        row.not_checked_budget += result.outcome == "skipped" and result.skip_kind == "budget"
        row.duration = round(row.duration + result.duration, 3)
        row.warnings += result.warnings
        row.notes += result.notes
        if result.outcome == "failed":
            row.failures.append(
                {"test": result.nodeid, "kind": result.kind, "message": result.message, **result.evidence}
            )
        if result.outcome == "not_run" and not row.not_run_reason:
            row.not_run_reason = result.message
    return assemble_summary(
        [asdict(rows[key]) for key in sorted(rows)], exit_code=exit_code, unreachable=unreachable, extra=extra
    )


def assemble_summary(
    ordered: list[dict[str, Any]],
    *,
    exit_code: int,
    unreachable: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary.json document from its rows (one per destination version and suite, in order)."""
    reasons = dict(unreachable)
    not_run: dict[str, int] = {}
    for row in ordered:
        if row["not_run"]:
            target = f"{row['destination']}/{row['version']}"
            reasons.setdefault(target, row["not_run_reason"])
            not_run[target] = not_run.get(target, 0) + row["not_run"]
    totals = {name: sum(row[name] for row in ordered) for name in COUNTED}
    totals.update(
        {kind: sum(1 for row in ordered for f in row["failures"] if f["kind"] == kind) for kind in _KINDS}
    )
    warnings = [warning for row in ordered for warning in row["warnings"]]
    totals["warnings"] = len(warnings)
    # The same note (two versions' documents differ) comes from every test that compared them: once here.
    notes = list({(n["target"], n["text"]): n for row in ordered for n in row["notes"]}.values())
    return {
        "exit_code": int(exit_code),
        "result": ExitCode(exit_code).verdict,
        "totals": totals,
        "unreachable": [
            {"target": target, "reason": reason, "tests_not_run": not_run.get(target, 0)}
            for target, reason in sorted(reasons.items())
        ],
        "warnings": warnings,
        "notes": notes,
        "rows": ordered,
        **(extra or {}),
    }


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


def write_exchanges(path: Path, exchanges: Iterable[Exchange]) -> None:
    """One JSON line per recorded request (already redacted when recorded; redacted again for safety).

    The file is redacted as a whole: a fuzz run records thousands of exchanges, and one pass over the text
    costs a fraction of one per line. (No mask spans lines: every line ends with the object's `}`.)
    """
    lines = "".join(json.dumps(vars(exchange), ensure_ascii=False) + "\n" for exchange in exchanges)
    write_atomic(path, redact(lines))


_KINDS = ("violation", "unreachable", "error")
