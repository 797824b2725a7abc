"""Each coverage item of a version in one state, from the evidence a run recorded, and the owners' bar.

States, strongest first:
- `proven`: a check passed on data that could have failed it (`reason` says what the data was);
- `failed`: a check of its kind failed on its endpoint: the run failed, and coverage never hides that;
- `exercised`: sent, its answer's envelope checked, no effect observable;
- `not covered`: with the reason (the clause that skipped and why, the budget, or that nothing sent it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from destwatch.coverage.items import KINDS, Item, items_of
from destwatch.notices import BARE, EXERCISED, PROVEN, merged

__all__ = [
    "FAILED",
    "NOT_COVERED",
    "STATES",
    "STATE_WORDS",
    "Bar",
    "Entry",
    "Outcome",
    "VersionCoverage",
    "ledger",
]

FAILED = "failed"
NOT_COVERED = "not covered"
STATES = (PROVEN, FAILED, EXERCISED, NOT_COVERED)
_RANK = {state: rank for rank, state in enumerate(STATES)}
_NOTHING_SENT = "no check sent it"


@dataclass(frozen=True)
class Outcome:
    """A test that checks one kind of item on one endpoint and did not pass: it skipped or failed."""

    endpoint: str
    kind: str
    failed: bool
    reason: str


@dataclass(frozen=True)
class Entry:
    item: Item
    state: str
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "endpoint": self.item.endpoint,
            "kind": self.item.kind,
            "name": self.item.name,
            "state": self.state,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Entry:
        return cls(Item(data["endpoint"], data["kind"], data["name"]), data["state"], data.get("reason", ""))


@dataclass(frozen=True)
class Bar:
    """What a version's owner requires to be proven (targets.toml `min_proven`, `require_proven`)."""

    min_proven: float | None = None
    require_proven: tuple[str, ...] = ()

    @property
    def set(self) -> bool:
        return self.min_proven is not None or bool(self.require_proven)

    def to_json(self) -> dict[str, Any]:
        return {"min_proven": self.min_proven, "require_proven": list(self.require_proven)}


@dataclass(frozen=True)
class VersionCoverage:
    """One version's coverage: an entry per item of its document, and its bar."""

    target: str
    entries: tuple[Entry, ...] = ()
    bar: Bar = field(default_factory=Bar)
    # Item keys the version's previous run proved and this one did not (from the reports' history).
    newly_unproven: tuple[str, ...] = ()

    def counts(self, kind: str | None = None) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for entry in self.entries:
            if kind is None or entry.item.kind == kind:
                counts[entry.state] += 1
        return counts

    @property
    def kinds(self) -> list[str]:
        """The kinds this version's document has items of, in `KINDS` order."""
        present = {entry.item.kind for entry in self.entries}
        return [kind for kind in KINDS if kind in present]

    @property
    def proven_fraction(self) -> float:
        return self.counts()[PROVEN] / len(self.entries) if self.entries else 1.0

    def below_bar(self) -> list[str]:
        """Why this version proved less than its bar, one phrase each (empty: it met the bar, or has none)."""
        misses = []
        minimum = self.bar.min_proven
        if minimum is not None and self.proven_fraction < minimum:
            misses.append(f"{self.proven_fraction:.0%} proven, below min_proven {minimum:.0%}")
        for kind in self.bar.require_proven:
            unproven = [e.item for e in self.entries if e.item.kind == kind and e.state != PROVEN]
            if unproven:
                shown = ", ".join(f"{item.endpoint} {item.name}" for item in unproven[:3])
                more = f" and {len(unproven) - 3} more" if len(unproven) > 3 else ""
                misses.append(f"require_proven {kind}: {shown}{more} not proven")
        return misses

    def line(self) -> str:
        """One line for the terminal and the Markdown summary."""
        counts = self.counts()
        parts = [f"{counts[PROVEN]}/{len(self.entries)} proven ({self.proven_fraction:.0%})"]
        parts += [f"{counts[state]} {STATE_WORDS[state]}" for state in STATES[1:] if counts[state]]
        return f"{self.target}: " + ", ".join(parts)

    def joined(self, other: VersionCoverage) -> VersionCoverage:
        """The same version's coverage from another shard: each item in the stronger state."""
        best = {entry.item: entry for entry in self.entries}
        for entry in other.entries:
            known = best.get(entry.item)
            if known is None or _RANK[entry.state] < _RANK[known.state]:
                best[entry.item] = entry
        entries = tuple(sorted(best.values(), key=_order))
        proven = {entry.item.key for entry in entries if entry.state == PROVEN}
        lost = [key for key in (*self.newly_unproven, *other.newly_unproven) if key not in proven]
        return VersionCoverage(self.target, entries, self.bar, tuple(dict.fromkeys(lost)))

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "proven_fraction": round(self.proven_fraction, 4),
            "counts": self.counts(),
            "by_kind": {kind: self.counts(kind) for kind in self.kinds},
            "bar": self.bar.to_json(),
            "below_bar": self.below_bar(),
            "newly_unproven": list(self.newly_unproven),
            "items": [entry.to_json() for entry in self.entries],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VersionCoverage:
        bar = data.get("bar") or {}
        return cls(
            data["target"],
            tuple(Entry.from_json(item) for item in data.get("items", ())),
            Bar(bar.get("min_proven"), tuple(bar.get("require_proven") or ())),
            tuple(data.get("newly_unproven") or ()),
        )


# Each state as reports say it.
STATE_WORDS = {PROVEN: "proven", FAILED: "failed", EXERCISED: "exercised only", NOT_COVERED: "not covered"}


def ledger(
    target: str,
    document: Mapping[str, Any],
    evidence: Iterable[Sequence[str]],
    outcomes: Iterable[Outcome] = (),
    bar: Bar = Bar(),
) -> VersionCoverage:
    """`target`'s coverage: `evidence` holds (endpoint, kind, name, level, how) as the checks recorded it
    (from tests that did not fail), `outcomes` the tests of a kind that skipped or failed."""
    items = items_of(document)
    known: dict[tuple[str, str, str], tuple[str, str]] = {}
    for endpoint, kind, name, level, how in evidence:
        key = (endpoint, kind, name)
        known[key] = merged(known.get(key), (level, how))
    _promote(items, known)
    first: dict[tuple[str, str, bool], str] = {}
    for outcome in outcomes:
        first.setdefault((outcome.endpoint, outcome.kind, outcome.failed), outcome.reason)
    entries = (_entry(item, known.get((item.endpoint, item.kind, item.name)), first) for item in items)
    return VersionCoverage(target, tuple(sorted(entries, key=_order)), bar)


def _entry(item: Item, found: tuple[str, str] | None, outcomes: Mapping[tuple[str, str, bool], str]) -> Entry:
    if found is not None and found[0] == PROVEN:
        return Entry(item, PROVEN, found[1])
    failure = outcomes.get((item.endpoint, item.kind, True))
    if failure is not None:
        return Entry(item, FAILED, failure)
    # A clause of the item's kind that ran and could not tell says why it is exercised only; one that
    # skipped leaves it not covered (the probe's having sent it elsewhere proves no clause).
    skipped = outcomes.get((item.endpoint, item.kind, False))
    level, how = found or (None, "")
    if level == EXERCISED and (how not in BARE or skipped is None):
        return Entry(item, EXERCISED, how)
    if skipped is not None:
        return Entry(item, NOT_COVERED, skipped)
    return Entry(item, NOT_COVERED, how or _NOTHING_SENT)


# A request parameter or body field is proven where the feature it carries is: a sort direction, a paging
# mode, a language, a filter (GET: the property filter the parameter is).
_CARRIES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "sortAsc": ("sort", lambda name: name.endswith(" asc")),
    "sortDesc": ("sort", lambda name: name.endswith(" desc")),
    "skip": ("paging", lambda name: name == "skip"),
    "after": ("paging", lambda name: name == "after"),
    "language": ("languages", lambda name: True),
    "filter": ("filters", lambda name: True),
}


def _promote(items: Iterable[Item], known: dict[tuple[str, str, str], tuple[str, str]]) -> None:
    proven = [key for key, (level, _) in known.items() if level == PROVEN]
    for item in items:
        if item.kind not in ("parameters", "body_fields"):
            continue
        kind, carries = _CARRIES.get(item.name, ("filters", f"must.{item.name}".__eq__))
        carrier = next((n for e, k, n in proven if e == item.endpoint and k == kind and carries(n)), None)
        if carrier is not None:
            known[(item.endpoint, item.kind, item.name)] = (PROVEN, f"carries {carrier}, proven")


def _order(entry: Entry) -> tuple[str, int]:
    # Endpoints by name, kinds in `KINDS` order, items as the document lists them (sorted is stable).
    return (entry.item.endpoint, KINDS.index(entry.item.kind))
