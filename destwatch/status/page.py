"""The status pages: `index.html` (every version at a glance) and one detail page per version (latency per
endpoint, its incidents and SLOs, its badges), rendered from `templates/status.html.j2` and
`templates/version.html.j2`. This module turns a `Status` into the words and numbers they show."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from destwatch._durations import format_duration, format_span
from destwatch.monitor.outcomes import State
from destwatch.monitor.slo import VersionSlo
from destwatch.pages import clock, day, ms, percent, render, when
from destwatch.status.badges import version_badges
from destwatch.status.model import Day, Incident, LatencySeries, Status, VersionStatus

__all__ = ["UPTIME_WINDOWS", "chart_spec", "detail_page", "status_page"]

UPTIME_WINDOWS = ("24h", "7d", "30d")
_WINDOW_WORDS = {"1h": "1 h", "24h": "24 h", "7d": "7 d", "30d": "30 d"}
_INCIDENT_HEADS = ("start", "end", "duration", "cycles", "failed step", "reason")
_MAINTENANCE_HEADS = ("", "start", "end", "versions", "reason", "declared in")


def status_page(status: Status) -> str:
    """Every version: state and reasons, uptime, the 90-day bar, latency; then incidents and SLOs."""
    down = [v for v in status.versions if v.latest is not None and v.latest.state is State.DOWN]
    degraded = [v for v in status.versions if v.latest is not None and v.latest.state is State.DEGRADED]
    if down:
        banner = ("bad", f"{len(down)} of {len(status.versions)} versions down: {_names(down)}")
    elif degraded:
        banner = ("warn", f"{len(degraded)} of {len(status.versions)} versions degraded: {_names(degraded)}")
    else:
        banner = ("good", f"all {len(status.versions)} versions up")
    charted = [v for v in status.versions if v.latency.times]
    return render(
        "status.html.j2",
        status=status,
        banner=banner,
        cards=[_card(v, status, detail=f"versions/{v.slug}.html") for v in status.versions],
        incident_heads=("version", *_INCIDENT_HEADS),
        incidents=_incidents([i for v in status.versions for i in v.incidents], status.now, with_target=True),
        maintenance_heads=_MAINTENANCE_HEADS,
        maintenance=_maintenance(status),
        slos=[{"target": v.target, **_slo(v.slo)} for v in status.versions],
        badges=[_badges(v, prefix="badges/") for v in status.versions],
        charts=[_latency_chart(v, status) for v in charted],
    )


def _maintenance(status: Status) -> list[tuple[str, ...]]:
    """Each window as a row: past, now or planned, its times, what it covers, why, where it was declared."""
    rows = []
    for occurrence in status.maintenance:
        if occurrence.start > status.now:
            tense = "planned"
        elif occurrence.end is None or occurrence.end > status.now:
            tense = "now"
        else:
            tense = "past"
        end = when(occurrence.end) if occurrence.end is not None else "until ended"
        covered = ", ".join("every version" if t == "*" else t for t in occurrence.window.targets)
        rows.append(
            (tense, when(occurrence.start), end, covered, occurrence.window.reason, occurrence.window.source)
        )
    return rows


def detail_page(version: VersionStatus, status: Status) -> str:
    """One version: its card, then p50/p95 per data step, its incidents, SLOs and badges."""
    endpoints = [(f"chart-endpoint-{number}", series) for number, series in enumerate(version.endpoints)]
    charts = [_latency_chart(version, status)] if version.latency.times else []
    charts += [
        chart_spec(element, series.name, series, status.latency_objective) for element, series in endpoints
    ]
    return render(
        "version.html.j2",
        status=status,
        card=_card(version, status, detail=None),
        endpoints=[(element, series.name) for element, series in endpoints],
        incident_heads=_INCIDENT_HEADS,
        incidents=_incidents(version.incidents, status.now, with_target=False),
        slo=_slo(version.slo),
        badges=[_badges(version, prefix="../badges/")],
        charts=charts,
    )


def chart_spec(element: str, title: str, series: LatencySeries, objective: float) -> dict[str, Any]:
    """What `charts.js` draws into the element `element`: times in seconds, p50/p95 in seconds."""
    return {
        "id": element,
        "title": title,
        "objective": objective,
        "t": [round(ts) for ts in series.times],
        "p50": [_rounded(value) for value in series.p50],
        "p95": [_rounded(value) for value in series.p95],
    }


def _latency_chart(version: VersionStatus, status: Status) -> dict[str, Any]:
    return chart_spec(
        f"chart-{version.slug}",
        f"{version.target}: slowest data answer",
        version.latency,
        status.latency_objective,
    )


def _card(version: VersionStatus, status: Status, *, detail: str | None) -> dict[str, Any]:
    latest = version.latest
    state, pill = (latest.state.value, latest.state.value) if latest is not None else ("no data", "none")
    return {
        "slug": version.slug,
        "target": version.target,
        "state": state,
        "pill": pill,
        "since": f"last cycle {when(latest.ts)}" if latest is not None else "no cycle recorded yet",
        "reasons": latest.reasons if latest is not None else (),
        "uptime": [
            (name, _WINDOW_WORDS[name], percent(version.slo.window(name).availability))
            for name in UPTIME_WINDOWS
        ],
        "p95": ms(version.slo.window("24h").p95),
        "days": [_day(d, status) for d in version.days],
        "chart": f"chart-{version.slug}" if version.latency.times else None,
        "detail": detail,
        "coverage": _coverage(version),
    }


def _coverage(version: VersionStatus) -> str | None:
    proved = version.coverage
    return None if proved is None else f"contract coverage {proved.words()} (gate run {when(proved.ts)})"


def _day(cell: Day, status: Status) -> dict[str, Any]:
    """One cell of the 90-day bar: its color by uptime, and a title listing the day's incidents."""
    uptime = cell.uptime
    date = day(cell.start)
    if uptime is None:
        return {"date": date, "color": "", "uptime": None, "incidents": 0, "title": f"{date}: no data"}
    if uptime * 100 >= status.availability_objective:
        color = "good"
    elif uptime >= 0.99:
        color = "warn"
    elif uptime >= 0.95:
        color = "orange"
    else:
        color = "bad"
    lines = [f"{date}: {percent(uptime)} up ({cell.cycles} cycles, {cell.down} down)"]
    lines += [
        f"{clock(i.start)}-{clock(i.end) if i.end else 'now'} UTC "
        f"({format_span(i.duration(status.now))}): {i.step}: {i.reason}"
        for i in cell.incidents
    ]
    return {
        "date": date,
        "color": color,
        "uptime": f"{uptime:.5f}",
        "incidents": len(cell.incidents),
        "title": "\n".join(lines),
    }


def _incidents(incidents: Sequence[Incident], now: float, *, with_target: bool) -> list[list[str]]:
    """The incident table's cells, newest first."""
    return [
        [
            *([incident.target] if with_target else []),
            when(incident.start),
            when(incident.end) if incident.end is not None else "ongoing",
            format_span(incident.duration(now)),
            str(incident.cycles),
            incident.step,
            incident.reason,
        ]
        for incident in sorted(incidents, key=lambda i: i.start, reverse=True)
    ]


def _slo(slo: VersionSlo) -> dict[str, Any]:
    """The SLO table's cells per window, and the burn-rate alerts' cells."""
    windows = [
        (
            window.window,
            [
                _WINDOW_WORDS[window.window],
                str(window.cycles),
                percent(window.availability),
                percent(window.availability_budget_left, digits=1),
                _burn(window.availability_budget_left),
                ms(window.p95),
                percent(window.latency_budget_left, digits=1),
                _burn(window.latency_budget_left),
            ],
        )
        for window in slo.windows
    ]
    burns = []
    for burn in slo.burns:
        rule = burn.rule
        firing = [
            name
            for name, on in (("availability", burn.availability_firing), ("latency", burn.latency_firing))
            if on
        ]
        burns.append(
            [
                f"{rule.name} ({rule.severity})",
                f"{format_duration(rule.long)} & {format_duration(rule.short)}",
                f"{rule.rate:g}x",
                _rates(burn.availability),
                _rates(burn.latency),
                ", ".join(firing) or "no",
            ]
        )
    return {"windows": windows, "burns": burns}


def _badges(version: VersionStatus, *, prefix: str) -> dict[str, Any]:
    """The version's badges as data: images, and the Markdown that shows the files in a README."""
    badges = version_badges(version)
    return {
        "target": version.target,
        "images": [(name[:-4], f"data:image/svg+xml;base64,{_base64(svg)}") for name, svg in badges.items()],
        "markdown": "\n".join(f"![{name[:-4]}]({prefix}{name})" for name in badges),
    }


def _base64(svg: str) -> str:
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _burn(left: float | None) -> str:
    # budget left = 1 - burn rate (slo.py): the rate is what the window spent, relative to its allowance.
    return "-" if left is None else f"{1 - left:.2f}x"


def _rates(rates: tuple[float | None, float | None]) -> str:
    return " / ".join("-" if rate is None else f"{rate:.2f}x" for rate in rates)


def _rounded(value: float | None) -> float | None:
    # A tenth of a millisecond is finer than any chart shows, and keeps the page light.
    return None if value is None else round(value, 4)


def _names(versions: Sequence[VersionStatus]) -> str:
    return ", ".join(v.target for v in versions)
