"""waivers.toml: changes a team has accepted, each with a reason, an approver and an expiry date.

```toml
[[waiver]]
change = "property-renamed:products.brand->brandName"   # a change id, or a glob ("difference:products.*")
reason = "consumers migrated in PR #42"
approved_by = "Ada Lovelace"
expires = 2027-03-31                                    # a TOML date; from that day on it no longer applies
```
"""

from __future__ import annotations

import datetime
import fnmatch
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from destwatch._tomllines import TomlLines
from destwatch.errors import ConfigError
from destwatch.validate.changes import Change

__all__ = ["Waiver", "load_waivers", "match"]

_KEYS = {"change": str, "reason": str, "approved_by": str, "expires": datetime.date}


@dataclass(frozen=True)
class Waiver:
    change: str
    reason: str
    approved_by: str
    expires: datetime.date

    def expired(self, today: datetime.date) -> bool:
        return today >= self.expires

    def covers(self, change: Change) -> bool:
        return fnmatch.fnmatchcase(change.id, self.change)


def load_waivers(path: Path) -> list[Waiver]:
    """The waivers of `path`; `ConfigError` (file, line, key, fix) for any mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the waivers ({exc.strerror or exc})", file=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path, fix="fix the TOML syntax") from None
    lines = TomlLines(text)
    unknown = sorted(set(raw) - {"waiver"})
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r}",
            file=path,
            line=lines.line_of((unknown[0],)),
            key=unknown[0],
            fix="list waivers as [[waiver]] tables",
        )
    entries = raw.get("waiver", [])
    waivers = []
    for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        key = f"waiver[{index}]"
        for name, kind in _KEYS.items():
            value = entry.get(name) if isinstance(entry, dict) else None
            if not isinstance(value, kind) or (kind is str and not value):
                example = "2027-03-31" if kind is datetime.date else '"..."'
                raise ConfigError(
                    f"{name} is missing or not a {'date' if kind is datetime.date else 'text'}",
                    file=path,
                    line=lines.line_of(("waiver",)),
                    key=f"{key}.{name}",
                    fix=f"write {name} = {example}",
                )
        extra = sorted(set(entry) - set(_KEYS))
        if extra:
            raise ConfigError(
                f"unknown key {extra[0]!r}",
                file=path,
                line=lines.line_of(("waiver",)),
                key=f"{key}.{extra[0]}",
                fix=f"valid keys: {', '.join(_KEYS)}",
            )
        waivers.append(Waiver(entry["change"], entry["reason"], entry["approved_by"], entry["expires"]))
    return waivers


def match(change: Change, waivers: Sequence[Waiver]) -> Waiver | None:
    """The first waiver whose pattern names `change` (expired or not)."""
    return next((waiver for waiver in waivers if waiver.covers(change)), None)
