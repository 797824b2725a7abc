"""A gate run as parallel CI jobs: planned (`job_matrix`, `destwatch targets --matrix`), then joined
(`merge_reports`, `destwatch report merge SHARD... --into DIR`) into the report one run writes.

A CI system runs the gate as parallel jobs, one destination version (or destination) each, every job with
its own reports folder. The merge joins their summary.json (rows,
totals, unreachable versions, per-version usage), coverage.json (each item in its strongest state), JUnit
files, Allure results, exchanges and documents,
and the joined exit code is the most urgent of the shards' (see `ExitCode.most_urgent`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from destwatch._files import write_atomic
from destwatch.config import Targets
from destwatch.coverage.ledger import VersionCoverage
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.consumer_rows import joined_consumer_rows
from destwatch.gate.coverage import REPORT, read_report
from destwatch.gate.page import write_gate_report
from destwatch.gate.summary import Row, Summary, join_usage, write_json

__all__ = ["job_matrix", "merge_reports"]


def job_matrix(config: Targets, *, by: str = "version") -> dict[str, list[dict[str, str]]]:
    """One CI job per destination version (or destination): what it selects and where it reports."""
    if by not in ("version", "destination"):
        raise ConfigError(f"unknown value {by!r}", key="--by", fix="pass version or destination")
    names = config.version_names()
    if by == "destination":
        names = list(dict.fromkeys(name.split("/")[0] for name in names))
    jobs = [(name, name.replace("/", "-")) for name in names]
    return {"include": [{"target": name, "name": slug, "reports": f"reports/{slug}"} for name, slug in jobs]}


def merge_reports(shards: Sequence[Path], into: Path) -> Summary:
    """Join the shards' reports into `into`; returns the joined summary. `ConfigError` when a shard holds
    no summary.json (its job did not run, or the folder is wrong)."""
    if not shards:
        raise ConfigError("no shard folders given", key="SHARD", fix="pass the reports folders of the jobs")
    summaries = [_summary(shard) for shard in shards]
    into.mkdir(parents=True, exist_ok=True)
    summary = replace(_joined(summaries, [shard.name for shard in shards]), coverage=_coverage(shards))
    write_json(into / "coverage.json", {"versions": [version.to_json() for version in summary.coverage]})
    write_json(into / "summary.json", summary.to_json())
    write_atomic(into / "junit.xml", _joined_junit([shard / "junit.xml" for shard in shards]))
    exchanges = [shard / "exchanges.jsonl" for shard in shards if (shard / "exchanges.jsonl").is_file()]
    write_atomic(into / "exchanges.jsonl", "".join(path.read_text(encoding="utf-8") for path in exchanges))
    for folder in ("allure-results", "specs", "findings"):
        for shard in shards:
            if (shard / folder).is_dir():
                # Allure names every result by a fresh UUID, specs and findings hold their version in their
                # names (a fingerprint is made of it): nothing collides.
                shutil.copytree(shard / folder, into / folder, dirs_exist_ok=True)
    write_gate_report(summary, into)  # last: it links the files above that exist
    return summary


def _summary(shard: Path) -> Summary:
    """The shard's summary, read from its summary.json (the one place a summary is read from disk)."""
    path = shard / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "no summary.json: not the reports folder of a finished `destwatch run`",
            file=shard,
            fix="pass each job's --reports folder (download the artifacts first)",
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"summary.json cannot be read ({exc})", file=shard) from None
    if not isinstance(data, dict) or not {"exit_code", "rows"} <= set(data):
        raise ConfigError("summary.json is not a destwatch summary", file=shard)
    return Summary.from_json(data)


def _joined(summaries: list[Summary], names: list[str]) -> Summary:
    rows: dict[tuple[str, str, str], Row] = {}
    for summary in summaries:
        for row in summary.rows:
            key = (row.destination, row.version, row.suite)
            rows[key] = rows[key].joined(row) if key in rows else row
    first = summaries[0]
    return Summary.of(
        [rows[key] for key in sorted(rows)],
        exit_code=ExitCode.most_urgent(summary.exit_code for summary in summaries),
        unreachable={item.target: item.reason for summary in summaries for item in summary.unreachable},
        started=min(summary.started or "" for summary in summaries),
        # The shards ran side by side: the slowest one is the wall time of the whole.
        duration=max(summary.duration or 0.0 for summary in summaries),
        seed=first.seed,
        fault=first.fault,
        variant=first.variant,
        targets=join_usage(summary.targets for summary in summaries),
        shards=tuple(names),
        baseline=_joined_baseline(summaries),
        consumers=joined_consumer_rows(summary.consumers for summary in summaries),
    )


def _joined_baseline(summaries: list[Summary]) -> dict[str, Any] | None:
    """What the shards' baselines did, as one: each shard checks only its versions, so an entry is fixed
    when one shard found it fixed, and not checked only when no shard checked it."""
    parts = [summary.baseline for summary in summaries if summary.baseline is not None]
    if not parts:
        return None
    fixed = {entry["fingerprint"]: entry for part in parts for entry in part["fixed"]}
    unchecked = set.intersection(*(set(part.get("unchecked", ())) for part in parts)) - set(fixed)
    joined: dict[str, Any] = {"file": parts[0]["file"]}
    joined |= {key: sum(part[key] for part in parts) for key in ("accepted", "expired", "new")}
    joined |= {"fixed": list(fixed.values()), "not_checked": len(unchecked), "unchecked": sorted(unchecked)}
    return joined


def _coverage(shards: Sequence[Path]) -> tuple[VersionCoverage, ...]:
    """Each version's coverage over the shards (shards by destination may each hold part of a version)."""
    joined: dict[str, VersionCoverage] = {}
    for shard in shards:
        for version in read_report(shard / REPORT):
            known = joined.get(version.target)
            joined[version.target] = known.joined(version) if known is not None else version
    return tuple(joined[target] for target in sorted(joined))


def _joined_junit(paths: list[Path]) -> str:
    root = ElementTree.Element("testsuites", name="destwatch")
    for path in paths:
        if not path.is_file():
            continue
        found = ElementTree.parse(path).getroot()
        for suite in [found] if found.tag == "testsuite" else found.iter("testsuite"):
            root.append(suite)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
