"""Every HTML page destwatch writes (the gate's, the status site's, validate's) is rendered here, from the
Jinja2 templates shipped in the package (`templates/`), each extending one layout (`layout.html.j2`).

What reaches a page is text, never markup, and never a secret:
- autoescaping is on for every template;
- every value a template prints passes `finalize` first, which redacts it (`destwatch.redact.redact`), so
  autoescaping escapes the redacted text;
- the only markup not escaped is our own: the templates' macros (their values went through the same two
  steps) and the page's inline style and script (the vendored uPlot and `charts.js`). The built-in filters
  that would hand a value to the page as markup (`safe`, `escape`, `join`, `tojson`...) are not available
  to the templates at all, so no template can skip the redaction;
- the Content-Security-Policy allows the page's own style and script by their hashes and nothing else.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from destwatch.pages.assets import uplot_css, uplot_js
from destwatch.redact import redact

__all__ = ["clock", "day", "ms", "number", "percent", "render", "when"]

# The only built-in filter the templates keep: the markup-returning ones (safe, escape, join, replace,
# tojson, urlize, xmlattr, indent...) would hand a value to the page past `finalize`, unredacted.
_PLAIN_FILTERS = ("length",)


def render(template: str, *, charts: Sequence[Mapping[str, Any]] = (), **context: Any) -> str:
    """The page `template` (a file of `templates/`) for `context`. With `charts` (status pages), uPlot and
    the drawing script are inlined and the charts' data goes into the page's data block."""
    style = _static("style.css") + (uplot_css() if charts else "")
    script = f"{uplot_js()}\n{_static('charts.js')}" if charts else ""
    policy = [
        # Nothing may leave the page or come into it: no fetch, font, frame, form or base URL.
        "default-src 'none'",
        "img-src data:",  # the badges, drawn as data: images
        f"style-src {_hash(style)}",
        f"script-src {_hash(script)}" if script else "script-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    return (
        _environment()
        .get_template(template)
        .render(
            csp="; ".join(policy),
            page_style=Markup(style),
            page_script=Markup(script),
            charts=list(charts),
            **context,
        )
    )


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("destwatch.pages", "templates"),
        autoescape=True,
        finalize=_redacted,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters = {name: environment.filters[name] for name in _PLAIN_FILTERS}
    environment.filters.update(when=when, ms=ms, number=number, chart_data=chart_data)
    return environment


def _redacted(value: Any) -> Any:
    """Every value a template prints: redacted here, escaped by autoescaping after. Markup is ours (a
    macro's output, made of values that came through here, or the page's own style and script)."""
    if isinstance(value, Markup):
        return value
    return redact("" if value is None else str(value))


def chart_data(charts: Sequence[Mapping[str, Any]]) -> Markup:
    """The charts as JSON for the page's data block: every text redacted before it is encoded (a secret
    with a quote in it would hide behind JSON's escape after), then `<`, `>` and `&` as JSON escapes, so no
    value can end the block (`</script>`)."""
    data = json.dumps(_redact_texts(list(charts)), separators=(",", ":"))
    return Markup(data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _redact_texts(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redact_texts(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _redact_texts(item) for key, item in value.items()}
    return value


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def day(ts: float) -> str:
    """The UTC date of `ts`: 2026-11-30."""
    return when(ts)[:10]


def clock(ts: float) -> str:
    """The UTC time of day of `ts`: 08:01."""
    return when(ts)[11:16]


def number(value: float) -> str:
    """A number as short as it reads: 99.9, 99, 0.5."""
    return f"{value:g}"


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def percent(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f} %"


@cache
def _static(name: str) -> str:
    return files("destwatch.pages").joinpath("templates", name).read_text(encoding="utf-8")


def _hash(content: str) -> str:
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
