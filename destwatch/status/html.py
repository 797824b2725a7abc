"""The HTML every page shares: one self-contained document (styles and scripts inline), escaping and
redaction of every text that goes in, times and numbers in words."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from html import escape
from typing import Any

from destwatch._durations import format_span
from destwatch.redact import redact
from destwatch.status.assets import uplot_css, uplot_js
from destwatch.status.model import LatencySeries

__all__ = ["chart_spec", "document", "duration", "ms", "percent", "text", "when"]

_STYLE = """
:root { --good: #2e9e44; --warn: #d4a106; --orange: #e8833a; --bad: #d9453a; --none: #d8dde3;
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 14px; }
.banner { padding: 10px 14px; border-radius: 6px; font-weight: 600; color: #fff; margin: 12px 0 18px; }
.banner.good { background: var(--good); } .banner.warn { background: var(--warn); }
.banner.bad { background: var(--bad); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.card h2 { margin-top: 0; display: flex; gap: 10px; align-items: center; }
.pill { display: inline-block; padding: 1px 10px; border-radius: 999px; color: #fff; font-size: 13px;
  font-weight: 600; }
.pill.up, .pill.passed, .pill.good { background: var(--good); }
.pill.degraded, .pill.warn { background: var(--warn); }
.pill.down, .pill.bad, .pill.failed { background: var(--bad); } .pill.none { background: #9f9f9f; }
.reasons { margin: 6px 0 10px; padding-left: 20px; color: var(--bad); }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--paper); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.days { display: flex; gap: 2px; margin: 10px 0 2px; }
.day { flex: 1 1 0; height: 30px; border-radius: 2px; background: var(--none); min-width: 3px; }
.day.good { background: var(--good); } .day.warn { background: var(--warn); }
.day.orange { background: var(--orange); } .day.bad { background: var(--bad); }
.daylegend { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; }
.chart { margin: 12px 0 4px; min-height: 60px; }
.empty { color: var(--muted); font-style: italic; }
pre { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  white-space: pre-wrap; word-break: break-all; margin: 4px 0; font-size: 12.5px; }
.failure { border-left: 4px solid var(--bad); padding: 4px 12px; margin: 10px 0; }
.failure .clause { font-weight: 600; }
.badges img { margin-right: 6px; vertical-align: middle; }
a { color: #0969da; }
"""

# Draws every chart the page's data block lists (ids, times in seconds, p50/p95 in seconds, the objective).
_CHARTS = """
(function () {
  var specs = JSON.parse(document.getElementById("dw-charts").textContent);
  window.dwCharts = [];
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    var ms = function (v) { return v === null ? null : v * 1000; };
    var bound = spec.objective * 1000;
    var chart = new uPlot({
      title: spec.title,
      width: Math.max(320, el.clientWidth),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      scales: { y: { range: function (u, min, max) { return [0, Math.max(max || 0, bound) * 1.1]; } } },
      axes: [{ label: "time (UTC)" }, { label: "ms" }],
      series: [
        {},
        { label: "p50", stroke: "#3b7dd8", width: 2 },
        { label: "p95", stroke: "#e8833a", width: 2 },
        { label: "objective (p95)", stroke: "#d9453a", width: 1.5, dash: [6, 4], points: { show: false } }
      ]
    }, [spec.t, spec.p50.map(ms), spec.p95.map(ms), spec.t.map(function () { return bound; })], el);
    window.dwCharts.push(chart);
  });
})();
"""


def document(title: str, body: str, *, charts: Sequence[dict[str, Any]] = ()) -> str:
    """A whole page. With `charts`, uPlot and the drawing script are inlined after the body."""
    head = f"<style>{_STYLE}</style>"
    script = ""
    if charts:
        head += f"<style>{uplot_css()}</style>"
        data = json.dumps(list(charts), separators=(",", ":")).replace("</", "<\\/")
        script = (
            f'<script type="application/json" id="dw-charts">{redact(data)}</script>'
            f"<script>{uplot_js()}</script><script>{_CHARTS}</script>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Nothing may leave the page: no fetch, no image, font or script from elsewhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{text(title)}</title>{head}</head>\n<body><main>{body}</main>{script}</body></html>\n"
    )


def chart_spec(element: str, title: str, series: LatencySeries, objective: float) -> dict[str, Any]:
    return {
        "id": element,
        "title": title,
        "objective": objective,
        "t": [round(ts) for ts in series.times],
        "p50": [_rounded(value) for value in series.p50],
        "p95": [_rounded(value) for value in series.p95],
    }


def text(value: object) -> str:
    """Any text for the page: redacted, then escaped."""
    return escape(redact(str(value)))


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float) -> str:
    return format_span(seconds)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def percent(value: float | None, *, digits: int = 3) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f} %"


def _rounded(value: float | None) -> float | None:
    # A tenth of a millisecond is finer than any chart shows, and keeps the page light.
    return None if value is None else round(value, 4)
