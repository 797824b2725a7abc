"""The gate's run in Markdown, for a CI job's summary (`destwatch run --summary "$GITHUB_STEP_SUMMARY"`):
the verdict, one row per version with what it proved, and what each version left unproven, and why."""

from __future__ import annotations

from pathlib import Path

from destwatch.coverage.ledger import STATE_WORDS, STATES, VersionCoverage
from destwatch.gate.summary import Summary
from destwatch.redact import redact

__all__ = ["render_markdown", "write_markdown"]

# Items listed per version and state: a summary is read, not searched (coverage.json holds them all).
_LISTED = 10


def render_markdown(summary: Summary) -> str:
    totals = summary.totals
    lines = [
        f"## destwatch: {summary.result} (exit {int(summary.exit_code)})",
        "",
        f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped",
        "",
    ]
    lines += [f"- {_cell(failure.test)}: {_cell(failure.message)}" for failure in summary.failures[:_LISTED]]
    lines += _consumers(summary)
    if summary.coverage:
        lines += [
            "",
            "### Contract coverage",
            "",
            "| version | proven | " + " | ".join(STATE_WORDS[s] for s in STATES[1:]) + " | bar |",
        ]
        lines.append("| --- " * (len(STATES) + 2) + "|")
        lines += [_row(version) for version in summary.coverage]
        for version in summary.coverage:
            lines += _unproven(version)
    return redact("\n".join(lines)) + "\n"


def write_markdown(path: Path, summary: Summary) -> None:
    """Append the run to `path` (GitHub appends every step's summary to one file the same way)."""
    with path.open("a", encoding="utf-8") as out:
        out.write(render_markdown(summary))


def _consumers(summary: Summary) -> list[str]:
    """One row per consumer and version: its verdict and counts, and the first query that failed."""
    if not summary.consumers:
        return []
    messages = {failure.test: failure.message for failure in summary.failures}
    header = "| consumer | version | result | passed | failed | not run | first failure |"
    lines = ["", "### Consumers", "", header]
    lines.append("| --- " * 7 + "|")
    for row in summary.consumers:
        first = row.first_failure(messages)
        counts = [str(row.count(name)) for name in ("passed", "failed", "not_run")]
        cells = [row.consumer, row.target, row.state, *counts, first]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines


def _row(version: VersionCoverage) -> str:
    counts = version.counts()
    proven = f"{counts['proven']}/{len(version.entries)} ({version.proven_fraction:.0%})"
    misses = version.below_bar()
    bar = "below: " + "; ".join(misses) if misses else ("met" if version.bar.set else "unset")
    cells = [version.target, proven, *(str(counts[state]) for state in STATES[1:]), bar]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _unproven(version: VersionCoverage) -> list[str]:
    lines: list[str] = []
    for state in STATES[1:]:
        entries = [entry for entry in version.entries if entry.state == state]
        if not entries:
            continue
        title = f"{_cell(version.target)}: {len(entries)} {STATE_WORDS[state]}"
        lines += ["", f"<details><summary>{title}</summary>", ""]
        lines += [f"- `{_cell(entry.item.key)}`: {_cell(entry.reason)}" for entry in entries[:_LISTED]]
        if len(entries) > _LISTED:
            lines.append(f"- and {len(entries) - _LISTED} more (reports/coverage.json)")
        lines += ["", "</details>"]
    if version.newly_unproven:
        shown = ", ".join(f"`{_cell(key)}`" for key in version.newly_unproven[:_LISTED])
        lines += ["", f"{_cell(version.target)}: newly unproven since the last run: {shown}"]
    return lines


def _cell(text: str) -> str:
    # Markdown and HTML from a destination's values must stay text.
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
