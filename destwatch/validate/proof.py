"""Whether live traffic proved each document change: the candidate's contract coverage (what the suites
proved of it) read for the items a change is about, and the live differential's renames.

A change a consumer will rely on (a new filter key, a renamed property) is worth less unproven: "new filter
key: exercised only" tells the owner the data could not show it works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from destwatch.coverage.ledger import STATE_WORDS, Entry, VersionCoverage
from destwatch.validate.changes import Change

__all__ = ["with_proof"]

# The coverage items a change is about, by its kind: (coverage kind, how its name reads as item names).
_ITEMS: Mapping[str, tuple[str, Sequence[str]]] = {
    "property-added": ("properties", ("{}",)),
    "property-became-nullable": ("properties", ("{}",)),
    "property-type-changed": ("properties", ("{}",)),
    "property-format-changed": ("properties", ("{}",)),
    "filter-key-added": ("filters", ("must.{}", "mustNot.{}")),
    "sort-key-added": ("sort", ("{} asc", "{} desc")),
    "facet-added": ("facets", ("{}",)),
    "get-parameter-added": ("parameters", ("{}",)),
    "body-field-added": ("body_fields", ("{}",)),
}


def with_proof(changes: Iterable[Change], coverage: VersionCoverage | None, *, live: bool) -> list[Change]:
    """`changes`, each document change saying what live traffic proved of it. `coverage` is the candidate's
    (None: its suites did not run); `live` whether the two versions were compared live at all."""
    if not live:
        return list(changes)
    by_key = {(e.item.endpoint, e.item.kind, e.item.name): e for e in coverage.entries} if coverage else None
    return [
        replace(change, proof=_proof(change, by_key)) if change.source == "document" else change
        for change in changes
    ]


def _proof(change: Change, entries: Mapping[tuple[str, str, str], Entry] | None) -> str:
    kind, _, where = change.id.partition(":")
    endpoint, _, name = where.partition(".")
    if kind in ("property-renamed", "facet-renamed"):
        # Only the live differential finds a rename: the same values under the new name for the same ids.
        after = name.split("->")[-1]
        seen = "property seen populated" if kind == "property-renamed" else "facet seen with the same counts"
        aspect = "properties" if kind == "property-renamed" else "facets"
        state = _state(entries or {}, endpoint, aspect, [after])
        return f"renamed {seen} on both versions for the same ids" + (f"; {state}" if state else "")
    if kind not in _ITEMS or not name:
        return ""
    if entries is None:
        return "not checked: the contract suites did not run on the candidate"
    coverage_kind, patterns = _ITEMS[kind]
    return _state(entries, endpoint, coverage_kind, [pattern.format(name) for pattern in patterns])


def _state(entries: Mapping[tuple[str, str, str], Entry], endpoint: str, kind: str, names: list[str]) -> str:
    """The weakest state of the items (a change is proven when all its items are), with its reason."""
    found = [entries[key] for key in ((endpoint, kind, name) for name in names) if key in entries]
    if not found:
        return ""
    weakest = max(found, key=lambda entry: list(STATE_WORDS).index(entry.state))
    words = STATE_WORDS[weakest.state]
    return f"{kind.replace('_', ' ')} {weakest.item.name}: {words}" + (
        f" ({weakest.reason})" if weakest.reason else ""
    )
