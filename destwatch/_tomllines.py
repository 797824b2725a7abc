"""TOML helpers `tomllib` lacks: line numbers for keys (a config error must name its line), and values
written back as TOML (targets.toml text, and the values config errors quote)."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["TomlLines", "toml_value"]

_HEADER = re.compile(r"^\s*\[(?!\[)\s*(?P<path>[^\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*(?P<path>[^\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*(?P<path>(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_PART = re.compile(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""")


class TomlLines:
    """Maps key paths (`("destinations", "x", "base_url")`) to the 1-based line that defines them. An
    array of tables counts its elements from 0: `[[query]]`'s second element is `("query", "1")`."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        # The element each array of tables is at, so `[query.relies_on]` lands in the current `[[query]]`.
        arrays: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            element = _ARRAY_HEADER.match(line)
            if element:
                path = _within(_parts(element.group("path")), arrays)
                arrays[path] = arrays.get(path, -1) + 1
                table = (*path, str(arrays[path]))
                self._lines.setdefault(table, number)
                continue
            header = _HEADER.match(line)
            if header:
                table = _within(_parts(header.group("path")), arrays)
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                self._lines.setdefault(table + _parts(key.group("path")), number)

    def line_of(self, path: tuple[str, ...]) -> int | None:
        """The line of `path`, or of its closest enclosing key or table; None when nothing matches."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return None


def _within(path: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> tuple[str, ...]:
    """`path` with the current element's index after each array of tables it passes through."""
    placed: tuple[str, ...] = ()
    for part in path:
        placed = (*placed, part)
        if placed in arrays and placed != path:
            placed = (*placed, str(arrays[placed]))
    return placed


def _parts(path: str) -> tuple[str, ...]:
    return tuple(
        next(group for group in match.groups() if group is not None) for match in _PART.finditer(path)
    )


def toml_value(value: Any) -> str:
    """`value` spelled as TOML: booleans, numbers, strings, arrays and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string, escapes included.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{toml_value(key)} = {toml_value(item)}" for key, item in value.items()) + " }"
        )
    return str(value)
