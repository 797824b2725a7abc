"""Files of accepted findings, each entry with who accepted it, why and until when: one reader for both.

`validate`'s waivers.toml (`[[waiver]]`, a change id or glob) and the gate's baseline (`[[finding]]`, a
fingerprint) are the same kind of file: a list of TOML tables with required keys, one of them a date
(`expires`) from which the entry no longer applies. Every mistake is a `ConfigError` naming the file, the
entry's line, its key and the fix.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from destwatch.errors import ConfigError

__all__ = ["expired", "load_entries"]


def expired(expires: datetime.date, today: datetime.date) -> bool:
    """An entry applies up to the day before `expires`: from that day on it no longer does."""
    return today >= expires


def load_entries(
    path: Path, *, table: str, keys: Mapping[str, type], optional: Mapping[str, type] | None = None, what: str
) -> list[dict[str, Any]]:
    """The `[[table]]` entries of `path`, each holding every one of `keys` (a non-empty text or a date, as
    typed) and perhaps some of `optional`; `what` names the file in messages ("the waivers")."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} ({exc.strerror or exc})", file=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path, fix="fix the TOML syntax") from None
    starts = _entry_lines(text, table)
    unknown = sorted(set(raw) - {table})
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r}",
            file=path,
            line=_key_line(text, 0, unknown[0]),
            key=unknown[0],
            fix=f"list {what} as [[{table}]] tables",
        )
    entries = raw.get(table, [])
    allowed = {**keys, **(optional or {})}
    for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        start = starts[index] if index < len(starts) else None
        where = {"file": path, "line": start}
        for name, kind in keys.items():
            value = entry.get(name) if isinstance(entry, dict) else None
            if not isinstance(value, kind) or (kind is str and not value):
                example = "2027-03-31" if kind is datetime.date else '"..."'
                raise ConfigError(
                    f"{name} is missing or not a {'date' if kind is datetime.date else 'text'}",
                    **{**where, "line": _key_line(text, start, name) or start},
                    key=f"{table}[{index}].{name}",
                    fix=f"write {name} = {example}",
                )
        for name, value in entry.items():
            if name not in allowed:
                raise ConfigError(
                    f"unknown key {name!r}",
                    **{**where, "line": _key_line(text, start, name) or start},
                    key=f"{table}[{index}].{name}",
                    fix=f"valid keys: {', '.join(allowed)}",
                )
            if not isinstance(value, allowed[name]):
                raise ConfigError(
                    f"{name} is not a {allowed[name].__name__}",
                    **{**where, "line": _key_line(text, start, name) or start},
                    key=f"{table}[{index}].{name}",
                    fix=f"write {name} as a TOML {allowed[name].__name__}",
                )
    return [dict(entry) for entry in (entries if isinstance(entries, list) else [entries])]


def _entry_lines(text: str, table: str) -> list[int]:
    header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
    return [number for number, line in enumerate(text.splitlines(), start=1) if header.match(line)]


def _key_line(text: str, start: int | None, name: str) -> int | None:
    """The line of `name` in the entry starting at line `start` (0: before any table)."""
    key = re.compile(rf"^\s*{re.escape(name)}\s*=")
    for number, line in enumerate(text.splitlines()[start or 0 :], start=(start or 0) + 1):
        if line.lstrip().startswith("["):
            return None
        if key.match(line):
            return number
    return None
