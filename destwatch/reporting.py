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

from rich.console import Console
from rich.table import Table
from rich.text import Text

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
    "render_summary",
    "warning_line",
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


def render_summary(summary: Mapping[str, Any], console: Console) -> None:
    """The terminal table: one row per destination version and suite, then one line per unreachable version,
    failure and warning, and the totals."""
    rows = summary["rows"]
    table = Table(title="destwatch", title_justify="left", show_lines=False)
    columns = [("target", "bold"), ("suite", ""), ("pass", "green"), ("fail", "red"), ("skip", "yellow")]
    columns.append(("warn", "yellow"))
    shows_not_run = any(row.get("not_run") for row in rows)
    if shows_not_run:
        columns.append(("not run", "red"))
    # Only the failure's words may wrap: a version's name or a count split over two lines reads as two.
    for column, style in columns:
        table.add_column(column, style=style, no_wrap=True)
    shows_failures = any(row["failures"] for row in rows)
    if shows_failures:
        table.add_column("first failure", overflow="fold")
    for row in rows:
        counts = [row["passed"], row["failed"], row["skipped"], len(row.get("warnings", []))]
        counts += [row["not_run"]] if shows_not_run else []
        first = [Text(row["failures"][0]["message"] if row["failures"] else "")] if shows_failures else []
        table.add_row(f"{row['destination']}/{row['version']}", row["suite"], *map(str, counts), *first)
    console.print(table)
    for item in summary["unreachable"]:
        # One line per version, however many of its tests the lost connection stopped.
        not_run = f"; {item['tests_not_run']} tests not run" if item["tests_not_run"] else ""
        console.print(Text(f"unreachable: {item['reason']}{not_run}", style="bold red"), soft_wrap=True)
    for row in rows:
        for failure in row["failures"]:
            console.print(Text(_failure_line(failure), style="red"), soft_wrap=True)
    for warning in summary.get("warnings", []):
        console.print(Text(warning_line(warning), style="yellow"), soft_wrap=True)
    notes = summary.get("notes", [])
    if notes:
        console.print(
            Text(f"{len(notes)} note(s), e.g. document differences between versions: see summary.json"),
            soft_wrap=True,
        )
    seeds = {
        t: usage["fuzz_seed"] for t, usage in summary.get("targets", {}).items() if usage.get("fuzz_seed")
    }
    if seeds:
        listed = ", ".join(f"{target} {seed}" for target, seed in sorted(seeds.items()))
        console.print(Text(f"fuzz seeds: {listed} (replay: destwatch run --seed N)"), soft_wrap=True)
    totals = summary["totals"]
    if not (totals["passed"] or totals["failed"] or totals["skipped"]):
        console.print(Text("no test ran: a run that tests nothing is not a pass", style="bold red"))
    extra = [
        f"{totals[key]} {name}"
        for key, name in (
            ("warnings", "warnings"),
            ("not_run", "not run"),
            ("not_checked_budget", "not checked: budget"),
        )
        if totals.get(key)
    ]
    console.print(
        Text(
            f"{summary['result']} (exit {summary['exit_code']}): {totals['passed']} passed, "
            f"{totals['failed']} failed, {totals['skipped']} skipped"
            + "".join(f", {part}" for part in extra),
            style="bold green" if summary["exit_code"] == 0 else "bold red",
        )
    )


def warning_line(warning: Mapping[str, Any]) -> str:
    """A warning in one line: its id, version, clause, and the setting that would make it a rule."""
    return (
        f"warning {warning['id']} {warning['target']}: {warning['clause']} "
        f"(ours, not Occtoo's: set {warning['setting']} to make it a rule)"
    )


def _failure_line(failure: Mapping[str, str]) -> str:
    if failure["kind"] == "error":
        return f"destwatch error: {failure['test']}: {failure['message']} — please report"
    return f"FAILED {failure['test']}: {failure['message']}"


_KINDS = ("violation", "unreachable", "error")
