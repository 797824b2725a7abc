"""What the monitor prints: a cycle (`--once`), and the SLO report (`--report`), as tables or JSON."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from destwatch.monitor.alerts import AlertState
from destwatch.monitor.history import CoverageRow, History, Latest
from destwatch.monitor.outcomes import CycleReport, State
from destwatch.monitor.slo import VersionSlo, WindowSlo, compute
from destwatch.redact import redact

__all__ = ["SloReport", "cycle_json", "load_report", "print_cycle", "print_report", "report_json"]

_STYLE = {
    State.UP: "green",
    State.DEGRADED: "yellow",
    State.DOWN: "bold red",
    State.THROTTLED: "magenta",
    State.MAINTENANCE: "blue",
}


def cycle_json(cycle: CycleReport) -> dict[str, Any]:
    """A cycle as JSON: per version its state, reasons, requests and every step."""
    return {
        "started": _iso(cycle.started),
        "duration": round(cycle.duration, 4),
        "down": [version.target for version in cycle.down],
        "versions": [
            {
                "target": version.target,
                "state": version.state.value,
                "reasons": [redact(reason) for reason in version.reasons],
                "requests": version.requests,
                "request_budget": version.budget,
                "slowest_data_answer": version.latency,
                "duration": round(version.duration, 4),
                "steps": [
                    {
                        "step": step.step,
                        "endpoint": step.endpoint,
                        "method": step.method,
                        "outcome": step.outcome.value,
                        "status": step.status,
                        "latency": step.latency,
                        "detail": redact(step.detail),
                    }
                    for step in version.steps
                ],
            }
            for version in cycle.versions
        ],
    }


def print_cycle(console: Console, cycle: CycleReport) -> None:
    table = Table(title=f"destwatch monitor, cycle at {_iso(cycle.started)}", title_justify="left")
    for column in ("version", "state", "requests", "slowest", "reasons"):
        table.add_column(column, overflow="fold")
    for version in cycle.versions:
        table.add_row(
            version.target,
            Text(version.state.value, style=_STYLE[version.state]),
            f"{version.requests}/{version.budget}",
            _ms(version.latency),
            Text("\n".join(redact(reason) for reason in version.reasons) or "-"),
        )
    console.print(table)
    down = cycle.down
    if down:
        console.print(Text(f"down: {', '.join(v.target for v in down)}", style="bold red"))
    else:
        console.print(Text(f"nothing is down ({len(cycle.versions)} versions, {cycle.duration:.2f} s)"))


class SloReport:
    """Every version's SLOs, latest state and alert, read from the history."""

    def __init__(
        self,
        slos: Sequence[VersionSlo],
        latest: Mapping[str, Latest | None],
        alerts: Mapping[str, AlertState],
        *,
        now: float,
        coverage: Mapping[str, CoverageRow | None] | None = None,
    ) -> None:
        self.slos = list(slos)
        self.latest = latest
        self.alerts = alerts
        self.now = now
        # What the last gate run that kept its coverage in this history proved of each version.
        self.coverage = coverage or {}


def load_report(
    history: History,
    targets: Sequence[str],
    *,
    now: float,
    availability_objective: float,
    latency_objective: float,
) -> SloReport:
    slos = [
        compute(
            target,
            history,
            now=now,
            availability_objective=availability_objective,
            latency_objective=latency_objective,
        )
        for target in targets
    ]
    latest = {target: history.latest(target) for target in targets}
    alerts = {target: history.alert(target) for target in targets}
    coverage = {target: history.coverage(target) for target in targets}
    return SloReport(slos, latest, alerts, now=now, coverage=coverage)


def report_json(report: SloReport) -> dict[str, Any]:
    versions = []
    for slo in report.slos:
        latest = report.latest.get(slo.target)
        alert = report.alerts.get(slo.target)
        versions.append(
            {
                "target": slo.target,
                "state": latest.state.value if latest else None,
                "last_cycle": _iso(latest.ts) if latest else None,
                "reasons": [redact(reason) for reason in latest.reasons] if latest else [],
                "alert": {
                    "firing": bool(alert and alert.firing),
                    "down_since": _iso(alert.since) if alert and alert.since else None,
                    "consecutive_failures": alert.failures if alert else 0,
                },
                "coverage": _coverage_json(report.coverage.get(slo.target)),
                "windows": [_window_json(window) for window in slo.windows],
                "burn_rates": [
                    {
                        "alert": burn.rule.name,
                        "severity": burn.rule.severity,
                        "long_window": burn.rule.long,
                        "short_window": burn.rule.short,
                        "threshold": burn.rule.rate,
                        "availability": list(burn.availability),
                        "latency": list(burn.latency),
                        "availability_firing": burn.availability_firing,
                        "latency_firing": burn.latency_firing,
                    }
                    for burn in slo.burns
                ],
            }
        )
    first = report.slos[0] if report.slos else None
    return {
        "generated_at": _iso(report.now),
        "objectives": {
            "availability_percent": first.availability_objective if first else None,
            "latency_p95_seconds": first.latency_objective if first else None,
        },
        "versions": versions,
    }


def print_report(console: Console, report: SloReport) -> None:
    if not report.slos:
        console.print("no destination version selected")
        return
    first = report.slos[0]
    objective = f"{first.availability_objective:g} %"
    latency = f"p95 ≤ {_ms(first.latency_objective)}"
    table = Table(
        title=f"destwatch monitor: SLOs at {_iso(report.now)} (availability {objective}, latency {latency})",
        title_justify="left",
    )
    for column in (
        "version",
        "window",
        "cycles",
        "availability",
        "budget left",
        "p95",
        "latency budget left",
    ):
        table.add_column(column, overflow="fold")
    for slo in report.slos:
        for position, window in enumerate(slo.windows):
            table.add_row(
                slo.target if position == 0 else "",
                window.window,
                str(window.cycles),
                _percent(window.availability, digits=3),
                _percent(window.availability_budget_left, digits=1),
                _ms(window.p95),
                _percent(window.latency_budget_left, digits=1),
            )
    console.print(table)
    burns = Table(
        title="burn rates (SRE workbook: an alert fires when both windows burn at least the rate; "
        "fast and slow page, ticket does not)",
        title_justify="left",
    )
    for column in ("version", "alert", "windows", "rate", "availability", "latency", "firing"):
        burns.add_column(column, overflow="fold")
    for slo in report.slos:
        for position, burn in enumerate(slo.burns):
            rule = burn.rule
            firing = [
                name
                for name, on in (("availability", burn.availability_firing), ("latency", burn.latency_firing))
                if on
            ]
            burns.add_row(
                slo.target if position == 0 else "",
                rule.name,
                f"{_span(rule.long)} & {_span(rule.short)}",
                f"{rule.rate:g}",
                _rates(burn.availability),
                _rates(burn.latency),
                Text(", ".join(firing) or "no", style="bold red" if firing else ""),
            )
    console.print(burns)
    for slo in report.slos:
        latest = report.latest.get(slo.target)
        alert = report.alerts.get(slo.target)
        proved = report.coverage.get(slo.target)
        if proved is not None:
            console.print(Text(f"{slo.target}: coverage {proved.words()} (gate run at {_iso(proved.ts)})"))
        if latest is None:
            console.print(Text(f"{slo.target}: no cycle recorded yet"))
            continue
        line = Text(f"{slo.target}: ")
        line.append(latest.state.value, style=_STYLE[latest.state])
        line.append(f" at {_iso(latest.ts)}")
        if alert is not None and alert.firing:
            line.append(f"; alert firing since {_iso(alert.since)}", style="bold red")
        if latest.reasons:
            line.append(f" ({'; '.join(redact(reason) for reason in latest.reasons)})")
        console.print(line)


def _coverage_json(proved: CoverageRow | None) -> dict[str, Any] | None:
    if proved is None:
        return None
    return {
        "gate_run": _iso(proved.ts),
        "items": proved.items,
        "proven": proved.proven,
        "failed": proved.failed,
        "exercised": proved.exercised,
        "not_covered": proved.not_covered,
    }


def _window_json(window: WindowSlo) -> dict[str, Any]:
    return {
        "window": window.window,
        "cycles": window.cycles,
        "down": window.down,
        "availability": window.availability,
        "availability_budget_left": window.availability_budget_left,
        "latency_samples": window.latency_samples,
        "slow": window.slow,
        "p95_seconds": window.p95,
        "latency_budget_left": window.latency_budget_left,
    }


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _percent(value: float | None, *, digits: int) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f} %"


def _rates(rates: tuple[float | None, float | None]) -> str:
    return " / ".join("-" if rate is None else f"{rate:.1f}x" for rate in rates)


def _span(seconds: float) -> str:
    if seconds % 86400 == 0:
        return f"{seconds / 86400:g}d"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}m"
