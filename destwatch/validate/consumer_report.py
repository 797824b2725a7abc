"""Per-consumer verdicts as their owners read them: one Markdown page per consumer, and one terminal line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from destwatch._files import write_atomic
from destwatch.consumers.model import ConsumerQuery
from destwatch.redact import redact
from destwatch.validate.consumer_walk import WALK_PAGES
from destwatch.validate.consumers import ConsumerVerdict

__all__ = ["consumer_markdown", "consumer_page", "reads", "render_consumer_lines", "write_consumer_pages"]


def consumer_markdown(judged: ConsumerVerdict, destination: str, baseline: str, candidate: str) -> str:
    consumer, verdict = judged.consumer, judged.verdict
    count = len(consumer.queries)
    lines = [
        f"# {consumer.name}: can it switch from {destination} {baseline} to {candidate}? **{verdict.word}**",
        "",
        f"Owner: {consumer.owner}. Checked {verdict.today.isoformat()} on its own "
        f"{count} quer{'y' if count == 1 else 'ies'} (`{Path(consumer.path).name}`).",
        "",
    ]
    if verdict.blocking:
        lines += ["## What breaks it", "", "| change | what it means |", "| --- | --- |"]
        lines += [f"| `{change.id}` | {_cell(change.sentence)} |" for change in verdict.blocking]
        lines.append("")
    if verdict.waived:
        lines += ["## Waived", ""]
        lines += [
            f"- `{change.id}`: {waiver.reason} ({waiver.approved_by})" for change, waiver in verdict.waived
        ]
        lines.append("")
    others = [change for change in verdict.changes if change not in verdict.blocking]
    others = [change for change in others if all(change is not waived for waived, _ in verdict.waived)]
    if others:
        lines += ["## Noted, not blocking", ""] + [f"- {change.sentence}" for change in others] + [""]
    if not verdict.changes:
        lines += ["Nothing it sends or reads differs on the candidate.", ""]
    lines += ["## Its queries", ""]
    for query in consumer.queries:
        said = reads(query, lambda name: f"`{name}`")
        lines.append(f"- **{query.name}**: {query.method} `{query.endpoint}`; reads {said}")
    return redact("\n".join(lines) + "\n")


def reads(query: ConsumerQuery, code: Callable[[str], str] = str) -> str:
    """What the query's consumer reads of its answer, in words (`code` marks a name up)."""
    relies = query.relies
    said = ", ".join(
        [*(code(name) for name in relies.properties), *(f"facet {code(name)}" for name in relies.facets)]
        + ([code("total")] if relies.total else [])
        + (["the sort order"] if relies.sort else [])
        + (
            [f"{relies.paging} paging (compared over at most {WALK_PAGES} pages)"]
            if relies.paging != "none"
            else []
        )
    )
    return said or "the results"


def consumer_page(destination: str, baseline: str, candidate: str, name: str) -> str:
    """Where a consumer's page is, relative to the validation's folder."""
    return f"consumers/{destination}-{baseline}-{candidate}-{name}.md"


def write_consumer_pages(
    verdicts: Sequence[ConsumerVerdict], folder: Path, destination: str, baseline: str, candidate: str
) -> list[Path]:
    """`folder/consumers/D-vA-vB-NAME.md` per consumer."""
    pages = []
    for judged in verdicts:
        path = folder / consumer_page(destination, baseline, candidate, judged.consumer.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, consumer_markdown(judged, destination, baseline, candidate))
        pages.append(path)
    return pages


def render_consumer_lines(verdicts: Sequence[ConsumerVerdict], console: Console) -> None:
    """One line per consumer: its verdict and, when no-go, what breaks it."""
    for judged in verdicts:
        verdict = judged.verdict
        style = "green" if verdict.go else "bold red"
        console.print(f"consumer {escape(judged.consumer.name)}: [{style}]{verdict.word}[/{style}]")
        for change in verdict.blocking:
            console.print(f"  {escape(redact(change.sentence))}", highlight=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
