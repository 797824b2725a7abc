"""The gate's baseline: findings a team has accepted for a while, so the gate fails only on new ones.

```toml
[[finding]]
fingerprint = "F1a93b126fa49"          # from summary.json, junit.xml, the page or reports/findings/
reason = "union of must values is being fixed by the destination's owner"
ticket = "https://tracker.example/DEST-42"
accepted_by = "Ada Lovelace"
expires = 2027-03-31                   # a TOML date; from that day on the finding counts as new again
target = "productCatalog/v2"           # the rest is written by `destwatch baseline create`, for people
test = "filters/test_must.py::test_must_values_are_alternatives[productCatalog/v2/products]"
clause = "must: two values of one property give the union of their single-value results"
```

The file is read as `validate`'s waivers.toml is (`destwatch._accepted`): the same kind of entries, the
same expiry rule and the same errors; an entry names a finding's fingerprint where a waiver names a
change id. A baselined finding still shows in every report, marked; only the exit code ignores it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from destwatch._accepted import expired, load_entries
from destwatch._files import write_atomic
from destwatch._tomllines import toml_value
from destwatch.exit_codes import ExitCode
from destwatch.gate.summary import Failure, Row, Summary

__all__ = ["BASELINE_PROPERTY", "Accepted", "Baseline", "apply_baseline", "baseline_text", "mark_junit"]

# The junit.xml property of a baselined finding's test case (accepted or expired), or of a fixed entry's.
BASELINE_PROPERTY = "destwatch.baseline"

_KEYS = {"fingerprint": str, "reason": str, "ticket": str, "accepted_by": str, "expires": datetime.date}
_ABOUT = {"target": str, "test": str, "clause": str}


@dataclass(frozen=True)
class Accepted:
    """One accepted finding."""

    fingerprint: str
    reason: str
    ticket: str
    accepted_by: str
    expires: datetime.date
    target: str = ""
    test: str = ""
    clause: str = ""

    def mark(self, today: datetime.date) -> dict[str, str]:
        """What reports show beside the finding."""
        status = "expired" if expired(self.expires, today) else "accepted"
        fields = {"reason": self.reason, "ticket": self.ticket, "accepted_by": self.accepted_by}
        return {"status": status, **fields, "expires": self.expires.isoformat()}


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[Accepted, ...]

    @classmethod
    def load(cls, path: Path) -> Baseline:
        """The baseline at `path`; `ConfigError` (file, line, key, fix) for any mistake."""
        entries = load_entries(path, table="finding", keys=_KEYS, optional=_ABOUT, what="the baseline")
        return cls(path, tuple(Accepted(**entry) for entry in entries))


def apply_baseline(
    summary: Summary, baseline: Baseline, *, ran: Iterable[tuple[str, str]], today: datetime.date
) -> Summary:
    """`summary` with each baselined finding marked, the entries that no longer occur listed as fixed, and
    exit 0 instead of 1 when every violation is accepted. `ran` holds (target, test) of each test that ran
    to its end: an entry whose test did not run is neither found nor fixed."""
    by_fingerprint = {entry.fingerprint: entry for entry in baseline.entries}
    rows = tuple(_marked(row, by_fingerprint, today) for row in summary.rows)
    found = {failure.evidence.get("fingerprint") for row in rows for failure in row.failures}
    finished = set(ran)
    fixed = [
        entry
        for entry in baseline.entries
        if entry.fingerprint not in found and (entry.target, entry.test) in finished
    ]
    violations = [failure for row in rows for failure in row.failures if failure.kind == "violation"]
    statuses = [failure.evidence.get("baseline", {}).get("status", "new") for failure in violations]
    code = summary.exit_code
    if code == ExitCode.VIOLATIONS and all(status == "accepted" for status in statuses):
        code = ExitCode.OK
    unchecked = [e.fingerprint for e in baseline.entries if e.fingerprint not in found and e not in fixed]
    report = {
        "file": str(baseline.path),
        **{status: statuses.count(status) for status in ("accepted", "expired", "new")},
        "fixed": [_about(entry) for entry in fixed],
        "not_checked": len(unchecked),
        # Their fingerprints: `report merge` counts an entry not checked only if no shard checked it.
        "unchecked": unchecked,
    }
    return replace(summary, exit_code=code, rows=rows, baseline=report)


def mark_junit(path: Path, summary: Summary) -> None:
    """Mark junit.xml (pytest writes it before the baseline applies) as the baseline marked `summary`: each
    baselined finding's test case gets the property `destwatch.baseline` = accepted or expired, each fixed
    entry's test case `fixed` and a `destwatch.baseline.fixed` property saying to remove it."""
    if summary.baseline is None or not path.is_file():
        return
    tree = ElementTree.parse(path)
    marks = {
        failure.evidence["fingerprint"]: failure.evidence["baseline"]["status"]
        for row in summary.rows
        for failure in row.failures
        if "baseline" in failure.evidence
    }
    fixed = {_junit_name(entry["test"]): entry for entry in summary.baseline.get("fixed", ())}
    for case in tree.iter("testcase"):
        properties = {prop.get("name"): prop.get("value") for prop in case.iter("property")}
        status = marks.get(properties.get("fingerprint") or "")
        entry = fixed.get((case.get("classname", ""), case.get("name", "")))
        if status is not None:
            _add_property(case, BASELINE_PROPERTY, status)
        elif entry is not None and properties.get("target") == entry["target"]:
            _add_property(case, BASELINE_PROPERTY, "fixed")
            note = f"{entry['fingerprint']} no longer occurs; remove it from {summary.baseline['file']}"
            _add_property(case, f"{BASELINE_PROPERTY}.fixed", note)
    write_atomic(path, ElementTree.tostring(tree.getroot(), encoding="unicode", xml_declaration=True))


def _junit_name(test: str) -> tuple[str, str]:
    """The (classname, name) pytest's junit.xml gives a test named as summary.json names it."""
    module, _, name = test.partition("::")
    return module.removesuffix(".py").replace("/", "."), name


def _add_property(case: ElementTree.Element, name: str, value: str) -> None:
    properties = case.find("properties")
    if properties is None:
        properties = ElementTree.SubElement(case, "properties")
        # JUnit readers expect a test case's properties before its outcome.
        case.remove(properties)
        case.insert(0, properties)
    ElementTree.SubElement(properties, "property", name=name, value=value)


def baseline_text(
    summary: Summary,
    *,
    reason: str,
    ticket: str,
    accepted_by: str,
    expires: datetime.date,
    skip: Iterable[str] = (),
) -> str:
    """Baseline entries accepting every finding of `summary` (each fingerprint once, none of `skip`), as
    TOML; "" when there is none."""
    chunks = []
    seen = set(skip)
    for row in summary.rows:
        for failure in row.failures:
            fingerprint = failure.evidence.get("fingerprint")
            if failure.kind != "violation" or not fingerprint or fingerprint in seen:
                continue
            seen.add(fingerprint)
            entry = {
                "fingerprint": fingerprint,
                "reason": reason,
                "ticket": ticket,
                "accepted_by": accepted_by,
                "expires": expires,
                "target": row.target,
                "test": failure.test,
                "clause": failure.message,
            }
            lines = [f"{key} = {_toml(value)}" for key, value in entry.items()]
            chunks.append("[[finding]]\n" + "\n".join(lines) + "\n")
    return "\n".join(chunks)


def _marked(row: Row, entries: dict[str, Accepted], today: datetime.date) -> Row:
    failures = tuple(_mark(failure, entries, today) for failure in row.failures)
    return replace(row, failures=failures)


def _mark(failure: Failure, entries: dict[str, Accepted], today: datetime.date) -> Failure:
    entry = entries.get(failure.evidence.get("fingerprint", ""))
    if entry is None or failure.kind != "violation":
        return failure
    return replace(failure, evidence={**failure.evidence, "baseline": entry.mark(today)})


def _about(entry: Accepted) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ("fingerprint", "target", "test", "clause")}


def _toml(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else toml_value(value)
