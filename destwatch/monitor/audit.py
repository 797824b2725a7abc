"""The auditable SLO report (`destwatch monitor --report --window 30d --format md --as-of ...`).

Every figure comes from the history and `--as-of` alone, so the same history and the same `--as-of` give a
byte-identical report: no clock is read, versions are in name order, numbers have a fixed number of decimals.
The report states its accounting rules (`RULES`) in every format.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from destwatch.monitor.history import History
from destwatch.monitor.outcomes import State

__all__ = ["FORMATS", "GAP_FACTOR", "RULES", "WINDOWS", "Audit", "VersionAudit", "audit", "render"]

WINDOWS = {"30d": 30 * 86400, "90d": 90 * 86400, "365d": 365 * 86400}
FORMATS = ("md", "json", "csv")
SCHEMA = "destwatch.slo-report/1"
# A span between two recorded cycles longer than this many times their median spacing is a gap.
GAP_FACTOR = 3
RULES = (
    "A cycle is one probe of one destination version; each is recorded with one state.",
    "down: a step failed (no answer, a wrong status, a broken envelope, a refused token...). Only down "
    "cycles spend the availability budget.",
    "degraded: every step passed, but one was slower than degraded_after, the document changed or a "
    "certificate is near expiry. Counted as available.",
    "throttled: the only failures were 429 answers that outlasted their honoured Retry-After (or steps not "
    "sent before it passed). Counted as available, and against throttled_objective when one is set.",
    "maintenance: the cycle started inside a maintenance window (targets.toml or `destwatch monitor "
    "maintenance start`). Not counted in any figure: neither available nor down.",
    "availability = (counted cycles - down cycles) / counted cycles, where counted cycles are the recorded "
    "cycles outside maintenance; shown in percent with 4 decimals, truncated, never rounded up.",
    "Missing cycles are not counted either way: a span between two recorded cycles longer than "
    f"{GAP_FACTOR} times their median spacing is a gap, reported with its total time, so what was not "
    "observed is visible instead of silently up or down.",
    "The window is [as_of - window, as_of): cycles at as_of or later are left out.",
)


@dataclass(frozen=True)
class VersionAudit:
    target: str
    recorded: int
    counted: int
    up: int
    degraded: int
    down: int
    throttled: int
    maintenance: int
    availability: str | None
    """Percent with 4 decimals, truncated ("99.9312"); None without counted cycles."""
    objective_met: bool | None
    first_cycle: str | None
    last_cycle: str | None
    median_spacing_seconds: float | None
    gaps: int
    gap_seconds: float


@dataclass(frozen=True)
class Audit:
    window: str
    as_of: float
    availability_objective: float
    versions: tuple[VersionAudit, ...]

    @property
    def start(self) -> float:
        return self.as_of - WINDOWS[self.window]


def audit(
    history: History, targets: Sequence[str], *, window: str, as_of: float, availability_objective: float
) -> Audit:
    """Every named version's figures over `window` ending at `as_of`."""
    since = as_of - WINDOWS[window]
    versions = tuple(
        _version(history, target, since, as_of, availability_objective) for target in sorted(targets)
    )
    return Audit(window, as_of, availability_objective, versions)


def _version(history: History, target: str, since: float, until: float, objective: float) -> VersionAudit:
    by_state = history.states(target, since, until)
    times = history.timestamps(target, since, until=until)
    recorded = sum(by_state.values())
    maintenance = by_state.get(State.MAINTENANCE.value, 0)
    counted = recorded - maintenance
    down = by_state.get(State.DOWN.value, 0)
    spacing, gaps, gap_seconds = _gaps(times)
    availability = _truncated_percent(counted - down, counted) if counted else None
    return VersionAudit(
        target=target,
        recorded=recorded,
        counted=counted,
        up=by_state.get(State.UP.value, 0),
        degraded=by_state.get(State.DEGRADED.value, 0),
        down=down,
        throttled=by_state.get(State.THROTTLED.value, 0),
        maintenance=maintenance,
        availability=availability,
        objective_met=None if not counted else (counted - down) * 100 >= objective * counted,
        first_cycle=_iso(times[0]) if times else None,
        last_cycle=_iso(times[-1]) if times else None,
        median_spacing_seconds=spacing,
        gaps=gaps,
        gap_seconds=gap_seconds,
    )


def _gaps(times: Sequence[float]) -> tuple[float | None, int, float]:
    """The median spacing of consecutive cycles, and the gaps: how many, and the time they span."""
    spacings = [later - earlier for earlier, later in itertools.pairwise(times)]
    if not spacings:
        return None, 0, 0.0
    median = statistics.median(spacings)
    long = [spacing for spacing in spacings if spacing > GAP_FACTOR * median]
    return round(median, 3), len(long), round(sum(long), 3)


def _truncated_percent(good: int, total: int) -> str:
    """good / total in percent with 4 decimals, exact (integer arithmetic), truncated."""
    tenths_of_millis = good * 1_000_000 // total
    whole, decimals = divmod(tenths_of_millis, 10_000)
    return f"{whole}.{decimals:04d}"


def render(report: Audit, form: str) -> str:
    """The report as Markdown, JSON or CSV text (ending in a newline)."""
    return {"md": _markdown, "json": _json, "csv": _csv}[form](report)


def _header(report: Audit) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "window": report.window,
        "from": _iso(report.start),
        "as_of": _iso(report.as_of),
        "availability_objective_percent": report.availability_objective,
    }


def _json(report: Audit) -> str:
    body = {
        **_header(report),
        "accounting_rules": list(RULES),
        "versions": [asdict(version) for version in report.versions],
    }
    return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


_COLUMNS = tuple(VersionAudit.__dataclass_fields__)


def _csv(report: Audit) -> str:
    out = io.StringIO()
    for key, value in _header(report).items():
        out.write(f"# {key}: {value}\n")
    for rule in RULES:
        out.write(f"# rule: {rule}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for version in report.versions:
        writer.writerow(["" if value is None else value for value in asdict(version).values()])
    return out.getvalue()


def _markdown(report: Audit) -> str:
    lines = [
        f"# SLO report: {report.window} to {_iso(report.as_of)}",
        "",
        f"Window [{_iso(report.start)}, {_iso(report.as_of)}); availability objective "
        f"{report.availability_objective:g} %.",
        "",
        "| version | availability % | objective met | counted | up | degraded | throttled | down | "
        "maintenance | gaps | gap time |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for v in report.versions:
        met = "-" if v.objective_met is None else ("yes" if v.objective_met else "no")
        lines.append(
            f"| {v.target} | {v.availability or '-'} | {met} | {v.counted} | {v.up} | {v.degraded} | "
            f"{v.throttled} | {v.down} | {v.maintenance} | {v.gaps} | {v.gap_seconds:g} s |"
        )
    lines += ["", "## Accounting rules", ""] + [f"- {rule}" for rule in RULES]
    return "\n".join(lines) + "\n"


def _iso(ts: float) -> str:
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
