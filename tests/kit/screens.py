"""Every HTML page destwatch writes, built from fixed data in a folder: the gate's page passed and failed,
the status site (index and a version), validate's verdict GO and NO-GO and the suites' page inside the
NO-GO one. The screenshot test and `scripts/screenshots.py` (docs/images/) render the same pages.

`quote` is applied to every text a destination, a person or targets.toml puts on a page (names, reasons,
messages, evidence, change sentences, waivers...): the escaping and redaction tests pass markup and secrets
through it; for the screenshots it leaves them as they are.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destwatch.gate.page import write_gate_report
from destwatch.gate.summary import Summary
from destwatch.monitor.history import History
from destwatch.monitor.outcomes import CycleReport, Outcome, State, StepResult, VersionReport
from destwatch.status import load_status, write_site
from destwatch.validate.changes import Change, Severity
from destwatch.validate.live import Latency
from destwatch.validate.page import write_pages
from destwatch.validate.report import Validation, write_reports
from destwatch.validate.verdict import decide
from destwatch.validate.waivers import Waiver

__all__ = ["EPOCH", "Quote", "Screen", "build_pages"]

Quote = Callable[[str], str]
# 2026-11-30T08:00:00Z, as in kit.monitoring: the status pages' "now".
EPOCH = 1_796_025_600.0
TODAY = datetime.date(2026, 12, 1)


@dataclass(frozen=True)
class Screen:
    path: Path
    verdict: str
    """The element that says how things stand (a CSS selector)."""


def build_pages(folder: Path, quote: Quote = str) -> dict[str, Screen]:
    """Write every page under `folder`; name -> the page and its verdict element."""
    screens = {}
    for name, failed in (("gate-passed", False), ("gate-failed", True)):
        reports = folder / name
        summary = gate_summary(quote, failed=failed)
        _gate_files(reports, summary)
        screens[name] = Screen(write_gate_report(Summary.from_json(summary), reports), "#verdict")
    status = folder / "status"
    write_site(_status(folder, quote), status)
    screens["status-index"] = Screen(status / "index.html", "#banner")
    (detail,) = (status / "versions").glob("*v2.html")
    screens["status-version"] = Screen(detail, "section.version .pill.state")
    for name, go, candidate in (("validate-go", True, "v2"), ("validate-no-go", False, "v3")):
        outcome = validation(quote, go=go)
        screens[name] = Screen(_validation_files(folder / name, outcome, candidate, quote), "#verdict")
    # The suites' page inside the NO-GO validation (the last one written).
    suites = folder / "validate-no-go" / "validation" / outcome.suites_reports / "index.html"
    screens["validate-suites"] = Screen(suites, "#within")
    return screens


def gate_summary(
    quote: Quote = str, *, failed: bool, versions: tuple[str, ...] = ("v2", "v3")
) -> dict[str, Any]:
    """A summary.json as the gate writes it: two versions of productCatalog, four suites; failed, with a
    violation's evidence, warnings (a check of ours left unset) and the notes of expected differences."""
    destination = quote("productCatalog")
    rows = []
    suites = (quote("auth"), quote("filters"), quote("shape"), quote("smoke"))
    for version in versions:
        for suite, passed in zip(suites, (17, 52, 34, 6), strict=True):
            rows.append(
                {
                    "destination": destination,
                    "version": quote(version),
                    "suite": suite,
                    "passed": passed,
                    "failed": 0,
                    "skipped": 1 if passed == 17 else 0,
                    "not_checked_budget": 0,
                    "duration": round(passed * 0.07, 2),
                    "failures": [],
                }
            )
    warnings = []
    notes = []
    if failed:
        rows[5].update(passed=51, failed=1, failures=[_violation(quote)])
        warnings = [
            {
                "id": quote("W1"),
                "target": quote("productCatalog/v3"),
                "suite": quote("filters"),
                "test": quote("filters/test_language.py::test_localized_properties_differ_between_languages"),
                "clause": quote("language: a localized property differs between two languages"),
                "setting": quote('localized_properties = ["title"]'),
                "evidence": {
                    "detail": quote("title is the same in en and de on all 20 items sampled"),
                    "request": quote(
                        "curl -X GET -H 'authorization: Bearer [redacted]' "
                        "'http://127.0.0.1:8000/northwind/productCatalog/v3/products?language=de&top=20'"
                    ),
                    "counterexample": [quote("NW-10003: title 'Everyday Shirt Cedar' in en and de")],
                },
            },
            {
                "id": quote("W2"),
                "target": quote("productCatalog/v2"),
                "suite": quote("shape"),
                "test": quote("shape/test_top.py::test_top_above_the_maximum_is_refused"),
                "clause": quote("top: a top above the maximum is refused with a 4xx"),
                "setting": quote("max_top_refused = true"),
                "evidence": {"detail": quote("top=1001 answered 200 with 1000 results")},
            },
        ]
        notes = [
            {
                "target": quote("productCatalog/v2 → productCatalog/v3"),
                "text": quote(
                    "products: property 'brand' only in productCatalog/v2\n"
                    "products: property 'brandName' only in productCatalog/v3"
                ),
            }
        ]
        # Each warning and note also in the row of the test that found it, as the gate writes them.
        rows[5]["warnings"], rows[2]["warnings"] = [warnings[0]], [warnings[1]]
        rows[5]["notes"] = notes
    totals = {
        key: sum(row[key] for row in rows) for key in ("passed", "failed", "skipped", "not_checked_budget")
    }
    return {
        "exit_code": 1 if failed else 0,
        # Not quoted: a summary's result is its exit code's word (`Summary.result`), never read from a file.
        "result": "contract violations" if failed else "passed",
        "started": quote("2026-11-30T08:00:00Z"),
        "duration": 31.4,
        "seed": quote("20261128"),
        "fault": quote("mustnot-ignored") if failed else None,
        "totals": {**totals, "warnings": len(warnings)},
        "rows": rows,
        "unreachable": [],
        "warnings": warnings,
        "notes": notes,
        "targets": {
            quote(f"productCatalog/{version}"): {
                "base_url": quote(f"http://127.0.0.1:8000/northwind/productCatalog/{version}"),
                "requests": requests,
                "tokens_fetched": 3,
                "max_elapsed": elapsed,
                "fuzz_seed": quote("20261128"),
            }
            for version, requests, elapsed in (("v2", 1432, 0.087), ("v3", 1398, 0.064))
            if version in versions
        },
    }


def _violation(quote: Quote) -> dict[str, Any]:
    return {
        "test": quote("filters/test_must.py::test_must_excludes[productCatalog/v3/products]"),
        "kind": quote("violation"),
        "message": quote("mustNot: no result has an excluded value"),
        "detail": quote("asked POST mustNot color=Cedar; 3 of 20 results have color Cedar"),
        "request": quote(
            "curl -X POST -H 'authorization: Bearer [redacted]' -H 'content-type: application/json' "
            '-d \'{"top": 20, "filter": [{"mustNot": {"color": ["Cedar"]}}]}\' '
            "http://127.0.0.1:8000/northwind/productCatalog/v3/products"
        ),
        "counterexample": [quote("NW-10007: color Cedar"), quote("NW-10012: color Cedar")],
    }


def _gate_files(reports: Path, summary: dict[str, Any]) -> None:
    """The files the gate's page links, beside it."""
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (reports / "junit.xml").write_text("<testsuites/>\n", encoding="utf-8")


@dataclass(frozen=True)
class _Probed:
    """A version the monitor probes, and the words its cycles report (each quoted once)."""

    destination: str
    version: str
    endpoint: str
    refused: str
    changed: str

    @property
    def target(self) -> str:
        return f"{self.destination}/{self.version}"


def _status(folder: Path, quote: Quote) -> Any:
    """Four days of cycles every half hour for two versions; productCatalog/v2 down for 90 minutes
    yesterday (connection refused), degraded now (its document changed, its answers slower)."""
    rng = random.Random(7)
    refused = "connection refused (GET http://127.0.0.1:8000/northwind/productCatalog/v2/products)"
    changed = "document: changed since the last cycle (2 paths)"
    probed = [
        _Probed(quote("productCatalog"), "v2", quote("products"), quote(refused), quote(changed)),
        # Never down nor degraded: it reports no reason.
        _Probed(quote("googleMarketplace"), "v1", quote("feed"), "", ""),
    ]
    history = History.open(folder / "monitor.db")
    every = 1800
    start = EPOCH - 4 * 86400
    for number in range(int((EPOCH - start) // every)):
        ts = start + number * every
        reports = []
        for version in probed:
            down = version.version == "v2" and EPOCH - 86400 <= ts < EPOCH - 86400 + 5400
            degraded = version.version == "v2" and ts >= EPOCH - 3 * every
            reports.append(_cycle(version, rng, down=down, degraded=degraded))
        history.record(CycleReport(ts, tuple(reports), 1.0))
    try:
        return load_status(
            history,
            [version.target for version in probed],
            now=EPOCH,
            availability_objective=99.9,
            latency_objective=0.5,
        )
    finally:
        history.close()


def _cycle(probed: _Probed, rng: random.Random, *, down: bool, degraded: bool) -> VersionReport:
    steps = [StepResult("document", Outcome.OK, latency=0.01)]
    for step, method in (("get", "GET"), ("post", "POST"), ("empty", "GET")):
        latency = None if down else rng.uniform(0.03, 0.12) * (3 if degraded else 1)
        outcome = Outcome.FAILED if down else Outcome.OK
        steps.append(
            StepResult(step, outcome, probed.refused if down else "", probed.endpoint, method, latency)
        )
    latencies = [s.latency for s in steps[1:] if s.latency is not None]
    if down:
        state, reasons = State.DOWN, (f"{probed.endpoint} GET: {probed.refused}",)
    elif degraded:
        state, reasons = State.DEGRADED, (probed.changed,)
    else:
        state, reasons = State.UP, ()
    return VersionReport(
        probed.target,
        probed.destination,
        probed.version,
        state,
        reasons,
        tuple(steps),
        4,
        20,
        0.5,
        max(latencies, default=None),
    )


def validation(quote: Quote = str, *, go: bool) -> Validation:
    """GO: v1 → v2 adds an endpoint and a property. NO-GO: v2 → v3 renames a property (not waived), drops a
    parameter (waived), a live difference whose waiver expired, and a waiver that matched nothing."""
    destination = quote("productCatalog")
    unused = Waiver(quote("facet-renamed:*"), quote("the facet rename is announced"), quote("Ada"), TODAY)
    if go:
        changes = [
            Change(
                quote("endpoint-added:variants"), Severity.COMPATIBLE, quote("a new endpoint `/variants`")
            ),
            Change(
                quote("property-added:products.rating"),
                Severity.COMPATIBLE,
                quote("`/products`: a new result property `rating`"),
            ),
        ]
        waivers = [unused]
        baseline, candidate = quote("v1"), quote("v2")
    else:
        changes = [
            Change(
                quote("property-renamed:products.brand->brandName"),
                Severity.BREAKING,
                quote("`/products`: the result property `brand` is now `brandName` (same values)"),
                quote("read, filter, sort and facet on `brandName` instead of `brand`"),
            ),
            Change(
                quote("get-parameter-removed:periodSince"),
                Severity.BREAKING,
                quote("on every endpoint: the GET parameter `periodSince` is gone"),
                quote("GET `periodSince` is gone: use POST `period.since`"),
            ),
            Change(
                quote("difference:products.total"),
                Severity.BREAKING,
                quote("`/products` (top=100): the total is 1200 on v2 and 1187 on v3"),
                source="live",
            ),
            Change(
                quote("latency-regression:productCatalog"),
                Severity.MAYBE_BREAKING,
                quote("p95 of the same queries rose from 21 ms to 38 ms"),
                source="live",
            ),
        ]
        waivers = [
            Waiver(
                quote("get-parameter-removed:periodSince"),
                quote("no consumer uses GET periodSince (checked in the access logs)"),
                quote("Grace Hopper"),
                datetime.date(2027, 3, 31),
            ),
            Waiver(
                quote("difference:products.*"),
                quote("the catalogue was trimmed on purpose"),
                quote("Ada"),
                datetime.date(2026, 11, 1),
            ),
            unused,
        ]
        baseline, candidate = quote("v2"), quote("v3")
    verdict = decide(changes, waivers, today=TODAY, notes=[quote("compared on 32 queries of each version")])
    return Validation(
        destination,
        baseline,
        candidate,
        verdict,
        {
            f"{destination}/{baseline}": Latency(0.0041, 0.0206, 32),
            f"{destination}/{candidate}": Latency(0.0052, 0.0381, 32),
        },
        {f"{destination}/{baseline}": 32, f"{destination}/{candidate}": 32},
        suites_reports=f"suites-{destination}-{candidate}/",
    )


def _validation_files(reports: Path, outcome: Validation, candidate: str, quote: Quote) -> Path:
    """What `destwatch validate` leaves: its reports and pages, the suites' reports inside them (passed, in
    either verdict), and the gate's page of the same folder, which then links the verdict."""
    gate = gate_summary(quote, failed=False)
    _gate_files(reports, gate)
    write_gate_report(Summary.from_json(gate), reports)
    suites = gate_summary(quote, failed=False, versions=(candidate,))
    _gate_files(reports / "validation" / outcome.suites_reports, suites)
    outcome = dataclasses.replace(outcome, suites=suites["totals"])
    write_reports(outcome, reports / "validation")
    return write_pages(outcome, reports)
