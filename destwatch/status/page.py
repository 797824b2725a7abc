"""The status pages: `index.html` (every version at a glance) and one detail page per version (latency per
endpoint, its incidents and SLOs, its badges)."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from destwatch._durations import format_duration
from destwatch.monitor.outcomes import State
from destwatch.monitor.slo import VersionSlo
from destwatch.status.badges import version_badges
from destwatch.status.html import chart_spec, document, duration, ms, percent, text, when
from destwatch.status.model import Day, Incident, Status, VersionStatus

__all__ = ["UPTIME_WINDOWS", "detail_page", "status_page"]

UPTIME_WINDOWS = ("24h", "7d", "30d")
_WINDOW_WORDS = {"1h": "1 h", "24h": "24 h", "7d": "7 d", "30d": "30 d"}


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
    parts = [
        "<h1>destwatch status</h1>",
        _meta(status),
        f'<div class="banner {banner[0]}" id="banner">{text(banner[1])}</div>',
    ]
    charts = []
    for version in status.versions:
        element = f"chart-{version.slug}"
        parts.append(_card(version, status, element, detail=f"versions/{version.slug}.html"))
        if version.latency.times:
            charts.append(
                chart_spec(
                    element,
                    f"{version.target}: slowest data answer",
                    version.latency,
                    status.latency_objective,
                )
            )
    parts.append('<h2 id="incidents">Incidents</h2>')
    parts.append(_incidents([i for v in status.versions for i in v.incidents], status.now, with_target=True))
    parts.append('<h2 id="slo">Service level objectives</h2>')
    parts.append(_objectives(status))
    for version in status.versions:
        parts.append(f"<h3>{text(version.target)}</h3>{_slo_table(version.slo)}")
    parts.append(_badge_usage(status.versions, prefix="badges/"))
    return document("destwatch status", "\n".join(parts), charts=charts)


def detail_page(version: VersionStatus, status: Status) -> str:
    """One version: its card, then p50/p95 per data step, its incidents, SLOs and badges."""
    parts = [
        f'<p><a href="../index.html">&larr; all versions</a></p><h1>{text(version.target)}</h1>',
        _meta(status),
        _card(version, status, f"chart-{version.slug}", detail=None),
        '<h2 id="endpoints">Latency per endpoint</h2>',
    ]
    charts = []
    if version.latency.times:
        charts.append(
            chart_spec(
                f"chart-{version.slug}",
                f"{version.target}: slowest data answer",
                version.latency,
                status.latency_objective,
            )
        )
    if not version.endpoints:
        parts.append('<p class="empty">no data answer recorded in the last 30 days</p>')
    for number, series in enumerate(version.endpoints):
        element = f"chart-endpoint-{number}"
        parts.append(f'<div class="chart" id="{element}" data-series="{text(series.name)}"></div>')
        charts.append(chart_spec(element, series.name, series, status.latency_objective))
    parts.append('<h2 id="incidents">Incidents</h2>')
    parts.append(_incidents(version.incidents, status.now, with_target=False))
    parts.append('<h2 id="slo">Service level objectives</h2>')
    parts.append(_objectives(status))
    parts.append(_slo_table(version.slo))
    parts.append(_badge_usage([version], prefix="../badges/"))
    return document(f"destwatch status: {version.target}", "\n".join(parts), charts=charts)


def _meta(status: Status) -> str:
    return (
        f'<p class="meta">generated {when(status.now)} from the monitor history; objectives: availability '
        f"{status.availability_objective:g} % of cycles not down, latency p95 ≤ "
        f"{ms(status.latency_objective)} (each cycle's slowest data answer)</p>"
    )


def _card(version: VersionStatus, status: Status, element: str, *, detail: str | None) -> str:
    latest = version.latest
    state, pill = (latest.state.value, latest.state.value) if latest is not None else ("no data", "none")
    since = f"last cycle {when(latest.ts)}" if latest is not None else "no cycle recorded yet"
    reasons = "".join(f"<li>{text(reason)}</li>" for reason in (latest.reasons if latest else ()))
    cells = "".join(
        f'<td class="num uptime" data-window="{name}">{percent(version.slo.window(name).availability)}</td>'
        for name in UPTIME_WINDOWS
    )
    heads = "".join(f'<th class="num">uptime {_WINDOW_WORDS[name]}</th>' for name in UPTIME_WINDOWS)
    p95 = version.slo.window("24h").p95
    link = f'<p><a href="{detail}">latency per endpoint, incidents and SLOs</a></p>' if detail else ""
    chart = (
        f'<div class="chart" id="{element}"></div>'
        if version.latency.times
        else '<p class="empty">no latency sample in the last 30 days</p>'
    )
    return (
        f'<section class="card version" id="{version.slug}" data-target="{text(version.target)}" '
        f'data-state="{state}">'
        f'<h2>{text(version.target)} <span class="pill state {pill}">{state}</span></h2>'
        f'<p class="meta">{since}</p>'
        + (f'<ul class="reasons">{reasons}</ul>' if reasons else "")
        + f'<table class="uptime"><tr>{heads}<th class="num">p95 24 h</th></tr>'
        f'<tr>{cells}<td class="num">{ms(p95)}</td></tr></table>'
        f'<div class="days" aria-label="uptime of the last {len(version.days)} days">'
        + "".join(_day(day, status) for day in version.days)
        + f'</div><div class="daylegend"><span>{len(version.days)} days ago</span><span>today</span></div>'
        + chart
        + link
        + "</section>"
    )


def _day(day: Day, status: Status) -> str:
    uptime = day.uptime
    date = when(day.start)[:10]
    if uptime is None:
        return f'<span class="day" data-day="{date}" title="{date}: no data"></span>'
    if uptime * 100 >= status.availability_objective:
        color = "good"
    elif uptime >= 0.99:
        color = "warn"
    elif uptime >= 0.95:
        color = "orange"
    else:
        color = "bad"
    lines = [f"{date}: {percent(uptime)} up ({day.cycles} cycles, {day.down} down)"]
    lines += [
        f"{when(i.start)[11:16]}-{when(i.end)[11:16] if i.end else 'now'} UTC "
        f"({duration(i.duration(status.now))}): {i.step}: {i.reason}"
        for i in day.incidents
    ]
    title = text("\n".join(lines))
    return (
        f'<span class="day {color}" data-day="{date}" data-uptime="{uptime:.5f}" '
        f'data-incidents="{len(day.incidents)}" title="{title}"></span>'
    )


def _incidents(incidents: Sequence[Incident], now: float, *, with_target: bool) -> str:
    if not incidents:
        return '<p class="empty" id="no-incidents">no incident in the last 90 days</p>'
    heads = (["version"] if with_target else []) + [
        "start",
        "end",
        "duration",
        "cycles",
        "failed step",
        "reason",
    ]
    rows = []
    for incident in sorted(incidents, key=lambda i: i.start, reverse=True):
        cells = ([text(incident.target)] if with_target else []) + [
            when(incident.start),
            when(incident.end) if incident.end is not None else "ongoing",
            duration(incident.duration(now)),
            str(incident.cycles),
            text(incident.step),
            text(incident.reason),
        ]
        rows.append('<tr class="incident">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in heads)
    return f'<table class="incidents"><tr>{head}</tr>{"".join(rows)}</table>'


def _objectives(status: Status) -> str:
    return (
        '<p class="meta">Budget left: 1 - the share of bad cycles ÷ the share the objective allows (100 % '
        "untouched, 0 spent, below 0 overspent). Burn rate: the share of bad cycles ÷ the allowed share (1 "
        "spends the budget in exactly the window). Alerts follow the SRE workbook: both windows of a pair at "
        "or above the rate.</p>"
    )


def _slo_table(slo: VersionSlo) -> str:
    heads = [
        "window",
        "cycles",
        "availability",
        "budget left",
        "burn rate",
        "p95",
        "latency budget left",
        "latency burn rate",
    ]
    rows = []
    for window in slo.windows:
        cells = [
            _WINDOW_WORDS[window.window],
            str(window.cycles),
            percent(window.availability),
            percent(window.availability_budget_left, digits=1),
            _burn(window.availability_budget_left),
            ms(window.p95),
            percent(window.latency_budget_left, digits=1),
            _burn(window.latency_budget_left),
        ]
        rows.append(
            f'<tr data-window="{window.window}">'
            + "".join(f'<td class="num">{c}</td>' for c in cells)
            + "</tr>"
        )
    alerts = []
    for burn in slo.burns:
        rule = burn.rule
        firing = [
            name
            for name, on in (("availability", burn.availability_firing), ("latency", burn.latency_firing))
            if on
        ]
        alerts.append(
            "<tr>"
            + "".join(
                f"<td>{cell}</td>"
                for cell in (
                    f"{rule.name} ({rule.severity})",
                    f"{format_duration(rule.long)} &amp; {format_duration(rule.short)}",
                    f"{rule.rate:g}x",
                    _rates(burn.availability),
                    _rates(burn.latency),
                    ", ".join(firing) or "no",
                )
            )
            + "</tr>"
        )
    head = "".join(f'<th class="num">{name}</th>' for name in heads)
    alert_head = "".join(
        f"<th>{name}</th>"
        for name in ("burn alert", "windows", "rate", "availability burn", "latency burn", "firing")
    )
    return (
        f'<table class="slo"><tr>{head}</tr>{"".join(rows)}</table>'
        f'<table class="burns"><tr>{alert_head}</tr>{"".join(alerts)}</table>'
    )


def _badge_usage(versions: Sequence[VersionStatus], *, prefix: str) -> str:
    parts = ['<h2 id="badges">Badges</h2>', '<p class="meta">SVG files beside this page, for READMEs:</p>']
    for version in versions:
        badges = version_badges(version)
        # As data: images, so each badge keeps its own SVG ids (inline SVGs would share one namespace).
        shown = "".join(
            f'<img alt="{name[:-4]}" src="data:image/svg+xml;base64,{_base64(svg)}">'
            for name, svg in badges.items()
        )
        markdown = "\n".join(f"![{name[:-4]}]({prefix}{name})" for name in badges)
        parts.append(
            f'<p class="badges" data-target="{text(version.target)}">{shown}</p><pre>{text(markdown)}</pre>'
        )
    return "".join(parts)


def _base64(svg: str) -> str:
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _burn(left: float | None) -> str:
    # budget left = 1 - burn rate (slo.py): the rate is what the window spent, relative to its allowance.
    return "-" if left is None else f"{1 - left:.2f}x"


def _rates(rates: tuple[float | None, float | None]) -> str:
    return " / ".join("-" if rate is None else f"{rate:.2f}x" for rate in rates)


def _names(versions: Sequence[VersionStatus]) -> str:
    return ", ".join(v.target for v in versions)
