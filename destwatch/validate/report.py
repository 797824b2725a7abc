"""The validation's outputs: Markdown for a pull request or `$GITHUB_STEP_SUMMARY`, JSON, JUnit, terminal.

The verdict comes first, then what blocks it (breaking changes, unexplained differences, suite
violations), the waivers applied and expired, the other changes, migration notes for consumers and the
latency of both versions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from rich.console import Console
from rich.text import Text

from destwatch._files import write_atomic
from destwatch.exit_codes import ExitCode
from destwatch.redact import redact
from destwatch.validate.changes import Change, Severity
from destwatch.validate.consumers import ConsumerVerdict
from destwatch.validate.live import Latency
from destwatch.validate.verdict import Verdict

__all__ = [
    "Validation",
    "counts",
    "render_terminal",
    "sections",
    "to_json",
    "to_junit",
    "to_markdown",
    "write_reports",
]


@dataclass(frozen=True)
class Validation:
    """Everything a validation found, for the reports."""

    destination: str
    baseline: str
    candidate: str
    verdict: Verdict
    latency: Mapping[str, Latency]
    requests: Mapping[str, int]
    static_only: bool = False
    # The gate's totals on the candidate (passed, failed, skipped...) and where its reports are.
    suites: Mapping[str, int] | None = None
    suites_reports: str = ""
    # Each consumer's own verdict (consumer files of the version in use), beside the validation's.
    consumers: tuple[ConsumerVerdict, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.destination}-{self.baseline}-{self.candidate}"


def sections(validation: Validation) -> dict[str, list[Change]]:
    """What blocks the verdict, by where it was found: the diff, the live differential, the suites."""
    blocking = validation.verdict.blocking
    return {
        "Breaking changes": [c for c in blocking if c.source == "document"],
        "Unexplained differences (the same queries, live)": [c for c in blocking if c.source == "live"],
        f"Contract suite violations on {validation.candidate}": [c for c in blocking if c.source == "suite"],
    }


def to_markdown(validation: Validation) -> str:
    verdict = validation.verdict
    title = f"# destwatch validate: {validation.destination} {validation.baseline} → {validation.candidate}"
    lines = [f"{title}: **{verdict.word}**", ""]
    lines.append(
        f"{counts(validation)}; checked {verdict.today.isoformat()}"
        + (" (static: the candidate's document only)" if validation.static_only else "")
    )
    if validation.suites is not None:
        totals = validation.suites
        lines += [
            "",
            f"Contract suites on {validation.destination}/{validation.candidate}: {totals.get('passed', 0)} "
            f"passed, {totals.get('failed', 0)} failed, {totals.get('skipped', 0)} skipped "
            f"(reports: `{validation.suites_reports}`)",
        ]
    lines += [f"> {note}" for note in verdict.notes]
    for heading, changes in sections(validation).items():
        if changes:
            lines += ["", f"## {heading}", "", "| change | what it means |", "| --- | --- |"]
            lines += [f"| `{c.id}` | {_cell(_said(c))} |" for c in changes]
    if verdict.waived or verdict.expired or verdict.unused:
        lines += [
            "",
            "## Waivers",
            "",
            "| change | waiver | approved by | expires | state |",
            "| --- | --- | --- | --- | --- |",
        ]
        rows = [(f"`{c.id}`", w, "applied") for c, w in verdict.waived]
        rows += [(f"`{c.id}`", w, "**expired**: no longer applies") for c, w in verdict.expired]
        rows += [(f"`{w.change}`", w, "unused (matched nothing)") for w in verdict.unused]
        lines += [
            f"| {change} | {_cell(w.reason)} | {_cell(w.approved_by)} | {w.expires} | {state} |"
            for change, w, state in rows
        ]
    blocking_ids = {c.id for c in verdict.blocking}
    other = [c for c in verdict.changes if c.id not in blocking_ids and c.severity is not Severity.BREAKING]
    if other:
        lines += ["", "## Other changes", "", "| change | severity | what it means |", "| --- | --- | --- |"]
        lines += [f"| `{c.id}` | {c.severity.value} | {_cell(_said(c))} |" for c in other]
    if validation.consumers:
        lines += [
            "",
            "## Consumers",
            "",
            "| consumer | owner | verdict | what breaks it |",
            "| --- | --- | --- | --- |",
        ]
        for judged in validation.consumers:
            breaks = "; ".join(c.sentence for c in judged.verdict.blocking) or "nothing"
            lines.append(
                f"| `{judged.consumer.name}` | {_cell(judged.consumer.owner)} | {judged.verdict.word} | "
                f"{_cell(breaks)} |"
            )
    notes = [c.migration for c in verdict.changes if c.migration and c.severity is not Severity.COMPATIBLE]
    if notes:
        lines += ["", "## Migration notes for consumers", ""] + [f"- {note}" for note in dict.fromkeys(notes)]
    if validation.latency:
        lines += [
            "",
            "## Latency of the same queries",
            "",
            "| version | p50 | p95 | requests |",
            "| --- | --- | --- | --- |",
        ]
        for version, latency in validation.latency.items():
            lines.append(
                f"| {version} | {latency.p50 * 1000:.1f} ms | {latency.p95 * 1000:.1f} ms | "
                f"{validation.requests.get(version, latency.count)} |"
            )
    return redact("\n".join(lines) + "\n")


def counts(validation: Validation) -> str:
    """The verdict in numbers: "1 breaking change(s), 0 unexplained difference(s), 0 suite violation(s) not
    waived"."""
    breaking, differences, violations = (len(changes) for changes in sections(validation).values())
    return (
        f"{breaking} breaking change(s), {differences} unexplained difference(s), "
        f"{violations} suite violation(s) not waived"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_json(validation: Validation) -> dict[str, Any]:
    verdict = validation.verdict
    waived = {c.id: w for c, w in verdict.waived}
    expired = {c.id: w for c, w in verdict.expired}
    blocking = {c.id for c in verdict.blocking}
    return {
        "destination": validation.destination,
        "from": validation.baseline,
        "to": validation.candidate,
        "verdict": verdict.word,
        "go": verdict.go,
        "static_only": validation.static_only,
        "checked": verdict.today.isoformat(),
        "changes": [
            {
                "id": c.id,
                "severity": c.severity.value,
                "source": c.source,
                "sentence": c.sentence,
                "migration": c.migration,
                "proof": c.proof,
                "blocking": c.id in blocking,
                "waived_by": waived[c.id].approved_by if c.id in waived else None,
                "waiver_expired": expired[c.id].expires.isoformat() if c.id in expired else None,
            }
            for c in verdict.changes
        ],
        "unused_waivers": [w.change for w in verdict.unused],
        "latency": {
            version: {"p50": latency.p50, "p95": latency.p95, "count": latency.count}
            for version, latency in validation.latency.items()
        },
        "requests": dict(validation.requests),
        "suites": dict(validation.suites) if validation.suites is not None else None,
        "notes": list(verdict.notes),
        "consumers": [
            {
                "name": judged.consumer.name,
                "owner": judged.consumer.owner,
                "verdict": judged.verdict.word,
                "blocking": [{"id": c.id, "sentence": c.sentence} for c in judged.verdict.blocking],
            }
            for judged in validation.consumers
        ],
    }


def to_junit(validation: Validation) -> str:
    """One test case per change: a blocking one fails, the others pass (waived ones say so)."""
    verdict = validation.verdict
    blocking = {c.id for c in verdict.blocking}
    waived = {c.id: w for c, w in verdict.waived}
    suite = ElementTree.Element(
        "testsuite",
        name=f"destwatch validate {validation.destination} {validation.baseline}->{validation.candidate}",
        tests=str(len(verdict.changes)),
        failures=str(len(blocking)),
    )
    for change in verdict.changes:
        case = ElementTree.SubElement(suite, "testcase", classname=change.severity.value, name=change.id)
        if change.id in blocking:
            failure = ElementTree.SubElement(case, "failure", message=change.sentence)
            failure.text = change.migration
        elif change.id in waived:
            ElementTree.SubElement(case, "system-out").text = f"waived by {waived[change.id].approved_by}"
    return redact(ElementTree.tostring(ElementTree.ElementTree(suite).getroot(), encoding="unicode"))


def write_reports(validation: Validation, folder: Path) -> dict[str, Path]:
    paths = {
        "markdown": folder / f"{validation.name}.md",
        "json": folder / f"{validation.name}.json",
        "junit": folder / f"{validation.name}.junit.xml",
    }
    write_atomic(paths["markdown"], to_markdown(validation))
    write_atomic(paths["json"], redact(json.dumps(to_json(validation), indent=2, ensure_ascii=False)) + "\n")
    write_atomic(paths["junit"], to_junit(validation))
    return paths


def render_terminal(validation: Validation, console: Console, *, reports: Sequence[str] = ()) -> None:
    """What the validation found, the suites' result, where the reports are, and the verdict last: the line
    a reader's eye lands on, and the one the exit code follows."""
    verdict = validation.verdict
    for change in verdict.blocking:
        console.print(Text(f"  blocking {change.id}: {redact(change.sentence)}", style="red"), soft_wrap=True)
    for change, waiver in verdict.expired:
        console.print(
            Text(f"  waiver for {change.id} expired on {waiver.expires}", style="red"), soft_wrap=True
        )
    for change, waiver in verdict.waived:
        console.print(
            Text(f"  waived {change.id} ({waiver.approved_by}, until {waiver.expires})"), soft_wrap=True
        )
    for waiver in verdict.unused:
        console.print(
            Text(f"  warning: the waiver {waiver.change!r} matched no change", style="yellow"), soft_wrap=True
        )
    others = [c for c in verdict.changes if c.severity is not Severity.BREAKING]
    for change in others:
        console.print(Text(f"  {change.severity.value} {change.id}: {redact(_said(change))}"), soft_wrap=True)
    if validation.suites is not None:
        totals = validation.suites
        console.print(
            Text(
                f"contract suites on {validation.destination}/{validation.candidate}: "
                f"{totals.get('passed', 0)} passed, {totals.get('failed', 0)} failed, "
                f"{totals.get('skipped', 0)} skipped"
                + (f", {totals['warnings']} warning(s)" if totals.get("warnings") else "")
            ),
            soft_wrap=True,
        )
    for path in reports:
        console.print(Text(f"report: {path}"), soft_wrap=True)
    console.print(
        Text(
            f"{validation.destination} {validation.baseline} → {validation.candidate}: {verdict.word} "
            f"(exit {int(ExitCode.OK if verdict.go else ExitCode.VIOLATIONS)})",
            style="bold green" if verdict.go else "bold red",
        ),
        soft_wrap=True,
    )


def _said(change: Change) -> str:
    """A change's sentence, with what live traffic proved of it when anything was sent."""
    return f"{change.sentence} (live traffic: {change.proof})" if change.proof else change.sentence
