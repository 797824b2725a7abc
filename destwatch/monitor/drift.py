"""Document drift: a version's OpenAPI document normalized and hashed, and the paths that changed.

Normalized means: keys sorted, and the version's own base URL replaced by `{base_url}` (a document names
its server, and the embedded reference's port changes with every start; that is no change of the
contract). The text is redacted before it is hashed or stored, so the history never holds a secret.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from destwatch.redact import redact

__all__ = ["changed_paths", "digest", "normalize"]

_BASE = "{base_url}"


def normalize(document: Mapping[str, Any], base_url: str) -> tuple[str, dict[str, Any]]:
    """The canonical text of `document` and the object it parses to."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if base_url:
        text = text.replace(json.dumps(base_url)[1:-1], _BASE)
    text = redact(text)
    return text, json.loads(text)


def digest(text: str) -> str:
    """A short, stable hash of a normalized document's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def changed_paths(old: Any, new: Any, *, limit: int = 8) -> list[str]:
    """Where `new` differs from `old`, as JSON-pointer-like paths (`/paths/~1products/get/parameters[top]`).

    List items that are objects with a `name` (parameters) or `propertyId` are matched by it, so a
    parameter added in the middle reads as one change, not a shifted list. At most `limit` paths, then
    `… and N more`.
    """
    found: list[str] = []
    _diff(old, new, "", found)
    if len(found) > limit:
        return [*found[:limit], f"… and {len(found) - limit} more"]
    return found


def _diff(old: Any, new: Any, path: str, found: list[str]) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}/{_escape(str(key))}"
            if key not in old:
                found.append(f"{where} (added)")
            elif key not in new:
                found.append(f"{where} (removed)")
            else:
                _diff(old[key], new[key], where, found)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_keyed, new_keyed = _keyed(old), _keyed(new)
        if old_keyed is not None and new_keyed is not None:
            _diff_keyed(old_keyed, new_keyed, path, found)
            return
        for index in range(max(len(old), len(new))):
            where = f"{path}/{index}"
            if index >= len(old):
                found.append(f"{where} (added)")
            elif index >= len(new):
                found.append(f"{where} (removed)")
            else:
                _diff(old[index], new[index], where, found)
        return
    if old != new:
        found.append(path or "/")


def _diff_keyed(old: dict[str, Any], new: dict[str, Any], path: str, found: list[str]) -> None:
    for key in [*old, *(k for k in new if k not in old)]:
        where = f"{path}[{key}]"
        if key not in old:
            found.append(f"{where} (added)")
        elif key not in new:
            found.append(f"{where} (removed)")
        else:
            _diff(old[key], new[key], where, found)


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    for name in ("name", "propertyId"):
        if items and all(isinstance(item, Mapping) and isinstance(item.get(name), str) for item in items):
            keyed = {item[name]: item for item in items}
            if len(keyed) == len(items):
                return keyed
    return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
