"""Alert grouping, as Alertmanager's `group_by`: the events of one cycle that share an event and the values
of `[monitor] group_by` are sent as one notification naming every version in it.

Keys: `host` (the host and port of the version's URL), `destination`, `target` (no grouping). The default,
`["host"]`: when a host goes down, one alert names every version on it, and their resolution is grouped the
same way. A group of one is sent exactly as an ungrouped alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from destwatch.config import VersionTarget
from destwatch.redact import redact

__all__ = ["GROUP_KEYS", "Pending", "group", "labels_of"]

GROUP_KEYS = ("host", "destination", "target")
# One alert event waiting for its cycle's grouping: the version, the event and its payload.
Pending = tuple[str, str, dict[str, Any]]


def labels_of(target: VersionTarget) -> dict[str, str]:
    """The values a version is grouped by."""
    return {"host": urlsplit(target.base_url).netloc, "destination": target.destination, "target": target.id}


def group(
    pending: Sequence[Pending], labels: Mapping[str, Mapping[str, str]], group_by: Sequence[str]
) -> list[Pending]:
    """One notification per event and group, in the order the groups first appear."""
    groups: dict[tuple[str, ...], list[Pending]] = {}
    for item in pending:
        target, event, body = item
        values = tuple(labels.get(target, {}).get(key, "") for key in group_by)
        groups.setdefault((event, body.get("alert", "down"), *values), []).append(item)
    merged = []
    for key, items in groups.items():
        if len(items) == 1:
            merged.append(items[0])
            continue
        values = dict(zip(group_by, key[2:], strict=True))
        merged.append(_merged(items, values))
    return merged


def _merged(items: Sequence[Pending], values: Mapping[str, str]) -> Pending:
    targets = [target for target, _, _ in items]
    event = items[0][1]
    first = items[0][2]
    where = ", ".join(f"{key} {value}" for key, value in values.items()) or "every version"
    label = f"{len(targets)} versions on {where}"
    verb = first["summary"].removeprefix(targets[0]).split(":")[0].strip().replace("is ", "are ", 1)
    reasons = [f"{target}: {reason}" for target, _, body in items for reason in body["reasons"]]
    since = [body["down_since"] for _, _, body in items if body.get("down_since")]
    body = {
        **first,
        "target": redact(label),
        "targets": targets,
        "group": dict(values),
        "destination": None,
        "version": None,
        "summary": redact(f"{label} {verb}: {', '.join(targets)}"),
        "reasons": reasons,
        "down_since": min(since) if since else None,
        "downtime_seconds": max((body.get("downtime_seconds") or 0 for _, _, body in items), default=None),
        "consecutive_failures": max(body["consecutive_failures"] for _, _, body in items),
    }
    return ", ".join(targets), event, body
