"""A gate run's coverage: each tested version's ledger from its items' evidence, coverage.json, the history
kept across runs, and whether the run met its owners' bar.

The history (`coverage-history.jsonl`) is the one report file a run appends to instead of replacing: it is
what "newly unproven since the last run" is read from. Where a monitor's history already exists
(targets.toml's `[monitor] history`), each version's counts are kept there too, beside its uptime.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from destwatch.config import VersionTarget
from destwatch.coverage.ledger import FAILED, NOT_COVERED, Bar, Outcome, VersionCoverage, ledger
from destwatch.errors import ConfigError, DestwatchError
from destwatch.gate.summary import ItemResult, write_json
from destwatch.monitor.history import CoverageRow, History
from destwatch.notices import EXERCISED, PROVEN
from destwatch.redact import redact

__all__ = [
    "HISTORY",
    "REPORT",
    "coverage_of",
    "keep_in_monitor_history",
    "newly_unproven",
    "read_report",
    "with_trend",
    "write_coverage",
]

REPORT = "coverage.json"
HISTORY = "coverage-history.jsonl"
_OUTCOMES = ("skipped", "failed")


def coverage_of(
    results: Iterable[ItemResult],
    targets: Sequence[VersionTarget],
    document: Callable[[VersionTarget], Mapping[str, Any]],
) -> tuple[VersionCoverage, ...]:
    """The coverage of every version some test ran on; `document(target)` gives its OpenAPI document (a
    version whose document could not be had has no items, so it is left out)."""
    rows: dict[str, list[list[str]]] = {}
    for result in results:
        if result.outcome != "not_run":
            rows.setdefault(result.target, []).extend(result.coverage)
    found = []
    for target in targets:
        if target.id not in rows:
            continue
        try:
            spec = document(target)
        except DestwatchError:
            continue
        evidence = [row[1:] for row in rows[target.id] if row[0] == target.id and row[4] not in _OUTCOMES]
        outcomes = [
            Outcome(row[1], row[2], row[4] == "failed", row[5])
            for row in rows[target.id]
            if row[0] == target.id and row[4] in _OUTCOMES
        ]
        bar = Bar(target.settings.min_proven, tuple(target.settings.require_proven or ()))
        found.append(ledger(target.id, spec, evidence, outcomes, bar))
    return tuple(found)


def with_trend(reports: Path, coverage: Sequence[VersionCoverage]) -> tuple[VersionCoverage, ...]:
    """Each version with what it proved in its last run in `reports` and did not prove now."""
    previous = _last_runs(reports / HISTORY)
    return tuple(
        replace(version, newly_unproven=tuple(newly_unproven(previous.get(version.target), version)))
        for version in coverage
    )


def write_coverage(reports: Path, coverage: Sequence[VersionCoverage], *, started: str | None) -> None:
    """coverage.json, and one line per version appended to the history."""
    write_json(reports / REPORT, {"versions": [version.to_json() for version in coverage]})
    lines = [json.dumps(_history_line(version, started), ensure_ascii=False) + "\n" for version in coverage]
    if lines:
        with (reports / HISTORY).open("a", encoding="utf-8") as out:
            out.write(redact("".join(lines)))


def keep_in_monitor_history(history: Path, coverage: Sequence[VersionCoverage], *, now: float) -> str | None:
    """Each version's counts appended to the monitor's history at `history` when that file exists (a gate
    run never creates one); why not, when it exists but cannot take them."""
    if not coverage or not history.is_file():
        return None
    rows = []
    for version in coverage:
        counts = version.counts()
        rows.append(
            CoverageRow(
                version.target, now, counts[PROVEN], counts[FAILED], counts[EXERCISED], counts[NOT_COVERED]
            )
        )
    try:
        kept = History.open(history, create=False)
    except ConfigError as exc:
        return f"coverage not kept in the monitor history: {exc}"
    try:
        kept.record_coverage(rows)
    finally:
        kept.close()
    return None


def read_report(path: Path) -> list[VersionCoverage]:
    """The versions a coverage.json holds (`report merge` joins shards' this way); none if it is absent."""
    if not path.exists():
        return []
    return [VersionCoverage.from_json(version) for version in json.loads(path.read_text())["versions"]]


def newly_unproven(previous: Mapping[str, Any] | None, now: VersionCoverage) -> list[str]:
    """The items proven by the version's last run that this run did not prove."""
    if previous is None:
        return []
    proven_now = {entry.item.key for entry in now.entries if entry.state == PROVEN}
    return [key for key in previous.get("proven", ()) if key not in proven_now]


def _history_line(version: VersionCoverage, started: str | None) -> dict[str, Any]:
    return {
        "target": version.target,
        "started": started or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "proven_fraction": round(version.proven_fraction, 4),
        "counts": version.counts(),
        "proven": [entry.item.key for entry in version.entries if entry.state == PROVEN],
    }


def _last_runs(history: Path) -> dict[str, Mapping[str, Any]]:
    """Each version's last line of the history; a line that cannot be read (a run cut off while appending)
    is passed over."""
    last: dict[str, Mapping[str, Any]] = {}
    if not history.exists():
        return last
    for line in history.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("target"), str):
            last[entry["target"]] = entry
    return last
