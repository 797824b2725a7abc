"""SVG badges for READMEs, in the flat style of shields.io, drawn here (no badge service is asked).

Per version: `uptime 7d`, `p95 24h` and its state. Text widths are estimated from the character count
(Verdana 11 px averages about 7 px a character), which is how shields.io sized badges for years.
"""

from __future__ import annotations

from html import escape

from destwatch.monitor.outcomes import State
from destwatch.status.model import VersionStatus

__all__ = ["COLORS", "badge", "version_badges"]

COLORS = {"good": "#2e9e44", "warn": "#d4a106", "bad": "#d9453a", "none": "#9f9f9f"}
_STATE_COLOR = {
    State.UP: "good",
    State.DEGRADED: "warn",
    State.DOWN: "bad",
    State.THROTTLED: "warn",
    State.MAINTENANCE: "warn",
}
_CHAR = 7
_PAD = 10


def badge(label: str, value: str, color: str) -> str:
    """One badge: `label` on grey, `value` on `color` (a name of COLORS)."""
    left = len(label) * _CHAR + _PAD
    right = len(value) * _CHAR + _PAD
    width = left + right
    fill = COLORS[color]
    label, value = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label}: {value}"><title>{label}: {value}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="11"><text x="{left / 2:g}" y="14">{label}</text>'
        f'<text x="{left + right / 2:g}" y="14">{value}</text></g></svg>\n'
    )


def version_badges(version: VersionStatus) -> dict[str, str]:
    """File name -> SVG for the version's three badges (`productCatalog-v1-uptime-7d.svg`, ...)."""
    slo = version.slo
    week = slo.window("7d")
    if week.availability is None:
        uptime = badge("uptime 7d", "no data", "none")
    else:
        met = week.availability * 100 >= slo.availability_objective
        uptime = badge("uptime 7d", f"{week.availability * 100:.2f} %", "good" if met else "bad")
    day = slo.window("24h")
    if day.p95 is None:
        p95 = badge("p95 24h", "no data", "none")
    else:
        p95 = badge(
            "p95 24h", f"{day.p95 * 1000:.0f} ms", "good" if day.p95 <= slo.latency_objective else "bad"
        )
    latest = version.latest
    state = (
        badge(version.target, latest.state.value, _STATE_COLOR[latest.state])
        if latest is not None
        else badge(version.target, "no data", "none")
    )
    return {
        f"{version.slug}-uptime-7d.svg": uptime,
        f"{version.slug}-p95-24h.svg": p95,
        f"{version.slug}-state.svg": state,
    }
