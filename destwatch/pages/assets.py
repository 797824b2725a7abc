"""The charting library the pages inline: uPlot, shipped in the package (`vendor/`, MIT, its LICENSE beside).

Why uPlot: a well-kept time-series library (leeoniya/uPlot, releases since 2019) of 51 kB minified with no
dependencies, drawing thousands of points on a canvas, with real axes, a legend and gaps for missing data;
the page inlines it, so it needs no server and asks nothing from the network. Vendored from the npm
registry (`npm pack uplot@1.6.32`: dist/uPlot.iife.min.js, dist/uPlot.min.css, LICENSE).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["UPLOT_VERSION", "uplot_css", "uplot_js"]

UPLOT_VERSION = "1.6.32"


@cache
def uplot_js() -> str:
    return _vendored("uPlot.iife.min.js")


@cache
def uplot_css() -> str:
    return _vendored("uPlot.min.css")


def _vendored(name: str) -> str:
    return files("destwatch.pages").joinpath("vendor", name).read_text(encoding="utf-8")
