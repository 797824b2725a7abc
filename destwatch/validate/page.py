"""The validation's verdict page, `reports/validation/index.html`, in the gate's layout (the templates of
`destwatch.pages`: every text redacted and escaped): the verdict, what blocks it, the other differences,
the suites on the candidate, latency of the same queries, and every waiver with what became of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from destwatch._files import write_atomic
from destwatch.gate.page import VALIDATION_PAGE, Within, write_gate_report
from destwatch.gate.summary import Summary
from destwatch.pages import render
from destwatch.validate.changes import Severity
from destwatch.validate.consumer_report import consumer_page, reads
from destwatch.validate.report import Validation, counts, sections

__all__ = ["validation_page", "write_pages"]


def write_pages(validation: Validation, reports: Path) -> Path:
    """The verdict page (`reports/validation/index.html`); the suites' page written again as a part of this
    validation; the gate's page of `reports/`, when there is one, written again so it links the verdict
    whichever ran first. The verdict page's path."""
    page = reports / VALIDATION_PAGE
    write_atomic(page, validation_page(validation))
    if validation.suites_reports:
        suites = page.parent / validation.suites_reports
        summary = _summary(suites)
        if summary is not None:
            write_gate_report(summary, suites, within=_within(validation, back=f"../{page.name}"))
    gate = _summary(reports)
    if gate is not None and (reports / "index.html").is_file():
        write_gate_report(gate, reports)
    return page


def validation_page(validation: Validation) -> str:
    verdict = validation.verdict
    blocking = {c.id for c in verdict.blocking}
    return render(
        "validation.html.j2",
        heading=_heading(validation),
        verdict=verdict.word,
        go=verdict.go,
        counts=counts(validation),
        checked=verdict.today.isoformat(),
        static_only=validation.static_only,
        notes=verdict.notes,
        candidate=f"{validation.destination}/{validation.candidate}",
        links=[
            (f"{validation.name}.md", "the report in Markdown"),
            (f"{validation.name}.json", "the report as JSON"),
            (f"{validation.name}.junit.xml", "JUnit XML"),
        ],
        blocking=[
            (anchor, heading, changes, empty)
            for (heading, changes), (anchor, empty) in zip(
                sections(validation).items(),
                (
                    ("breaking", "no breaking change"),
                    ("differences", "no unexplained difference"),
                    ("violations", "no violation"),
                ),
                strict=True,
            )
        ],
        other=[c for c in verdict.changes if c.id not in blocking and c.severity is not Severity.BREAKING],
        consumers=_consumers(validation),
        suites=validation.suites,
        suites_page=f"{validation.suites_reports}index.html" if validation.suites_reports else "",
        suites_absent=_suites_absent(validation),
        latency=[
            (
                version,
                f"{latency.p50 * 1000:.1f} ms",
                f"{latency.p95 * 1000:.1f} ms",
                validation.requests.get(version, latency.count),
            )
            for version, latency in validation.latency.items()
        ],
        waivers=_waivers(validation),
        migration=list(
            dict.fromkeys(
                c.migration for c in verdict.changes if c.migration and c.severity is not Severity.COMPATIBLE
            )
        ),
    )


def _consumers(validation: Validation) -> list[dict[str, Any]]:
    """Each consumer's verdict as the page shows it: its queries, what breaks it, and its own page."""
    where = (validation.destination, validation.baseline, validation.candidate)
    return [
        {
            "name": judged.consumer.name,
            "owner": judged.consumer.owner,
            "verdict": judged.verdict.word,
            "go": judged.verdict.go,
            "blocking": judged.verdict.blocking,
            "queries": [(q.name, q.method, q.endpoint, reads(q)) for q in judged.consumer.queries],
            "page": consumer_page(*where, judged.consumer.name),
        }
        for judged in validation.consumers
    ]


def _within(validation: Validation, *, back: str) -> Within:
    """How the suites' page inside this validation names it and leads back to the verdict page."""
    return Within(
        validation=_heading(validation),
        candidate=validation.candidate,
        verdict=validation.verdict.word,
        go=validation.verdict.go,
        back=back,
    )


def _summary(folder: Path) -> Summary | None:
    """The summary.json of a gate's reports folder (another run may have written it), or None when there is
    none to read."""
    try:
        data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        return Summary.from_json(data) if isinstance(data, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _heading(validation: Validation) -> str:
    return f"destwatch validate {validation.destination} {validation.baseline} → {validation.candidate}"


def _suites_absent(validation: Validation) -> str:
    if validation.static_only:
        return "the candidate is not deployed (static validation: its document only)"
    return "--no-suites"


def _waivers(validation: Validation) -> list[tuple[str, Any, str, str]]:
    """Each waiver with its state: used (it waived a breaking change), expired (it no longer applies, the
    change blocks), unused (it matched no change)."""
    verdict = validation.verdict
    rows = [(c.id, w, "used", "used: waives it") for c, w in verdict.waived]
    rows += [(c.id, w, "expired", "expired: no longer applies") for c, w in verdict.expired]
    rows += [(w.change, w, "unused", "unused: matched no change") for w in verdict.unused]
    return rows
