"""The gate's terminal table: one row per destination version and suite, then one line per unreachable
version, failure and warning, and the totals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from destwatch.gate.summary import Failure, Summary

__all__ = ["baseline_lines", "render_summary", "warning_line"]


def render_summary(summary: Summary, console: Console) -> None:
    """The terminal table: one row per destination version and suite, then one line per unreachable version,
    failure and warning, and the totals."""
    rows = summary.rows
    table = Table(title="destwatch", title_justify="left", show_lines=False)
    columns = [("target", "bold"), ("suite", ""), ("pass", "green"), ("fail", "red"), ("skip", "yellow")]
    columns.append(("warn", "yellow"))
    shows_not_run = any(row.not_run for row in rows)
    if shows_not_run:
        columns.append(("not run", "red"))
    # Only the failure's words may wrap: a version's name or a count split over two lines reads as two.
    for column, style in columns:
        table.add_column(column, style=style, no_wrap=True)
    shows_failures = any(row.failures for row in rows)
    if shows_failures:
        table.add_column("first failure", overflow="fold")
    for row in rows:
        counts = [row.passed, row.failed, row.skipped, len(row.warnings)]
        counts += [row.not_run] if shows_not_run else []
        first = [Text(row.failures[0].message if row.failures else "")] if shows_failures else []
        table.add_row(row.target, row.suite, *map(str, counts), *first)
    console.print(table)
    if summary.consumers:
        console.print(_consumer_table(summary))
    for item in summary.unreachable:
        # One line per version, however many of its tests the lost connection stopped.
        not_run = f"; {item.tests_not_run} tests not run" if item.tests_not_run else ""
        console.print(Text(f"unreachable: {item.reason}{not_run}", style="bold red"), soft_wrap=True)
    for failure in summary.failures:
        console.print(Text(_failure_line(failure), style="red"), soft_wrap=True)
    for warning in summary.warnings:
        console.print(Text(warning_line(warning), style="yellow"), soft_wrap=True)
    if summary.baseline is not None:
        for line in baseline_lines(summary.baseline):
            console.print(Text(line), soft_wrap=True)
    notes = summary.notes
    if notes:
        console.print(
            Text(f"{len(notes)} note(s), e.g. document differences between versions: see summary.json"),
            soft_wrap=True,
        )
    _coverage_lines(summary, console)
    seeds = {t: usage["fuzz_seed"] for t, usage in summary.targets.items() if usage.get("fuzz_seed")}
    if seeds:
        listed = ", ".join(f"{target} {seed}" for target, seed in sorted(seeds.items()))
        console.print(Text(f"fuzz seeds: {listed} (replay: destwatch run --seed N)"), soft_wrap=True)
    totals = summary.totals
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
            f"{summary.result} (exit {int(summary.exit_code)}): {totals['passed']} passed, "
            f"{totals['failed']} failed, {totals['skipped']} skipped"
            + "".join(f", {part}" for part in extra),
            style="bold green" if summary.exit_code == 0 else "bold red",
        )
    )


def _consumer_table(summary: Summary) -> Table:
    """One row per consumer and version it uses: its counts and the queries that failed (their clauses are
    the FAILED lines below); narrow enough for an 80-column CI log."""
    table = Table(title="consumers", title_justify="left", show_lines=False)
    counted = ["passed", "failed"] + (
        ["not_run"] if any(row.count("not_run") for row in summary.consumers) else []
    )
    columns = [("consumer", "bold"), ("target", ""), ("pass", "green"), ("fail", "red"), ("not run", "red")]
    for column, style in columns[: 2 + len(counted)]:
        table.add_column(column, style=style, no_wrap=True)
    table.add_column("failed queries", overflow="fold")
    for row in summary.consumers:
        failed = ", ".join(query.query for query in row.queries if query.failed)
        counts = [str(row.count(name)) for name in counted]
        table.add_row(row.consumer, row.target, *counts, Text(failed))
    return table


def _coverage_lines(summary: Summary, console: Console) -> None:
    """A line per version: how much of its document the run proved; its bar missed; what it lost."""
    for version in summary.coverage:
        console.print(Text(f"coverage {version.line()}"), soft_wrap=True)
        for miss in version.below_bar():
            console.print(Text(f"  below the bar: {miss}", style="bold red"), soft_wrap=True)
        lost = version.newly_unproven
        if lost:
            shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
            console.print(
                Text(f"  newly unproven since the last run: {shown}", style="yellow"), soft_wrap=True
            )


def warning_line(warning: Mapping[str, Any]) -> str:
    """A warning in one line: its id, version, clause, and the setting that would make it a rule."""
    if not warning["setting"]:
        said = f"warning {warning['id']} {warning['target']}: {warning['clause']}"
        return f"{said} (tolerated, as Occtoo's clients do)"
    return (
        f"warning {warning['id']} {warning['target']}: {warning['clause']} "
        f"(ours, not Occtoo's: set {warning['setting']} to make it a rule)"
    )


def baseline_lines(report: Mapping[str, Any]) -> list[str]:
    """What the baseline did: its counts, then one line per entry that no longer occurs."""
    lines = [
        f"baseline {report['file']}: {report['accepted']} accepted, {report['expired']} expired (counted as "
        f"new), {report['new']} new, {len(report['fixed'])} fixed"
        + (f", {report['not_checked']} not checked by this run" if report["not_checked"] else "")
    ]
    for entry in report["fixed"]:
        lines.append(
            f"fixed: {entry['fingerprint']} {entry['target']}: {entry['clause']} no longer occurs; "
            f"remove it from {report['file']}"
        )
    return lines


def _failure_line(failure: Failure) -> str:
    if failure.kind == "error":
        return f"destwatch error: {failure.test}: {failure.message} — please report"
    accepted = failure.evidence.get("baseline")
    if accepted is not None:
        until = "baselined until" if accepted["status"] == "accepted" else "its baseline entry expired on"
        return f"FAILED {failure.test}: {failure.message} [{until} {accepted['expires']}]"
    return f"FAILED {failure.test}: {failure.message}"
