"""Durations as people write them: `"60s"`, `"10m"`, `"1h30m"`, `"500ms"`, `"7d"`, or plain seconds.

targets.toml (`[monitor] renotify = "1h"`) and the command line (`--every 60s`) read them the same way.
"""

from __future__ import annotations

import math
import re

__all__ = ["format_duration", "format_span", "parse_duration"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_EXAMPLES = '"500ms", "60s", "10m", "1h30m", "7d" or a number of seconds'


def parse_duration(value: str | float | int) -> float:
    """Seconds in `value`; `ValueError` saying what a duration looks like otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write {_EXAMPLES}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            parts = _PART.findall(text)
            if not parts or "".join(number + unit for number, unit in parts) != text:
                raise ValueError(f"{value!r} is not a duration; write {_EXAMPLES}") from None
            seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{value!r} is not a duration; write {_EXAMPLES}")
    return seconds


def format_duration(seconds: float) -> str:
    """`seconds` in the largest whole unit that fits: 3600 -> "1h", 90 -> "90s", 0.25 -> "250ms"."""
    if seconds and seconds < 1:
        return f"{seconds * 1000:g}ms"
    for unit in ("d", "h", "m"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def format_span(seconds: float) -> str:
    """How long something lasted, in words people read: "45 s", "3 min 0 s", "2 h 5 min"."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
