"""The gate's report as one page: `reports/index.html` beside summary.json, written wherever summary.json is
(the pytest plugin's session end, `destwatch report merge`, a validation's suites). Rendered from
`templates/gate.html.j2`, so every text is redacted and escaped (see `destwatch.pages`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destwatch._files import write_atomic
from destwatch.coverage.ledger import VersionCoverage
from destwatch.gate.summary import Summary
from destwatch.gate.terminal import baseline_lines
from destwatch.notices import PROVEN
from destwatch.pages import render

__all__ = ["VALIDATION_PAGE", "Within", "gate_page", "write_gate_report"]

VALIDATION_PAGE = "validation/index.html"
"""Where `destwatch validate` writes its verdict page, relative to the reports folder."""

_LINKS = (
    (VALIDATION_PAGE, "Validation verdict", "destwatch validate: go or no-go for a new version"),
    ("allure-results/", "Allure results", "render with `allure serve allure-results`"),
    ("junit.xml", "JUnit XML", ""),
    ("summary.json", "summary.json", ""),
    ("exchanges.jsonl", "every request sent", "one JSON line each, redacted"),
)


@dataclass(frozen=True)
class Within:
    """The validation a gate run belongs to: its page is then titled as that validation's suites, says the
    validation's verdict beside the suites' own result, and links back to the verdict page."""

    validation: str
    """`destwatch validate productCatalog v2 → v3`."""
    candidate: str
    """The version the suites ran on: `v3`."""
    verdict: str
    go: bool
    back: str
    """The verdict page, relative to the suites' page."""


def write_gate_report(summary: Summary, reports: Path, *, within: Within | None = None) -> Path:
    """Write `index.html` for `summary` into the reports folder; its path."""
    path = reports / "index.html"
    write_atomic(path, gate_page(summary, reports, within=within))
    return path


def gate_page(summary: Summary, reports: Path, *, within: Within | None = None) -> str:
    """The page of `summary` (rendered from its summary.json form, which the templates read)."""
    return _page(summary.to_json(), reports, within, [_coverage(version) for version in summary.coverage])


def _coverage(version: VersionCoverage) -> dict[str, Any]:
    """A version's coverage as the page shows it: its totals, then a drill-down per endpoint."""
    endpoints: dict[str, list[dict[str, str]]] = {}
    for entry in version.entries:
        endpoints.setdefault(entry.item.endpoint, []).append(entry.to_json())
    return {
        **version.to_json(),
        "percent": f"{version.proven_fraction:.0%}",
        "bar_text": "; ".join(misses)
        if (misses := version.below_bar())
        else "met"
        if version.bar.set
        else "unset",
        "endpoints": [
            {"name": name, "items": items, "proven": sum(item["state"] == PROVEN for item in items)}
            for name, items in endpoints.items()
        ],
    }


def _page(
    summary: Mapping[str, Any], reports: Path, within: Within | None, coverage: list[dict[str, Any]]
) -> str:
    rows = summary.get("rows", [])
    facts = [
        ("started", summary.get("started")),
        ("duration", f"{summary['duration']:.1f} s" if summary.get("duration") is not None else None),
        ("seed", summary.get("seed")),
        ("fault", summary.get("fault")),
        ("variant", summary.get("variant")),
        ("shards", ", ".join(summary["shards"]) if summary.get("shards") else None),
    ]
    return render(
        "gate.html.j2",
        heading=f"{within.validation}: suites on {within.candidate}" if within else "destwatch gate",
        within=within,
        summary=summary,
        state="passed" if summary.get("exit_code") == 0 else "failed",
        facts=[(name, value) for name, value in facts if value not in (None, "")],
        totals=summary.get("totals", {}),
        links=[link for link in _LINKS if (reports / link[0]).exists()],
        unreachable=summary.get("unreachable", []),
        rows=rows,
        consumers=summary.get("consumers") or [],
        # Absent from summaries written before the gate reported warnings and notes.
        warnings=summary.get("warnings") or [],
        notes=summary.get("notes") or [],
        usage=sorted(summary.get("targets", {}).items()),
        failures=[(row, failure) for row in rows for failure in row["failures"]],
        baseline=baseline_lines(summary["baseline"]) if summary.get("baseline") else [],
        coverage=coverage,
    )
