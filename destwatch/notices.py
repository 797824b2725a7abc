"""What a check records beside its verdict: warnings (an expectation of ours broken where the target has not
made it a rule), notes (facts worth one line in the report, such as two versions' documents differing) and
coverage evidence (what a check sent, and what it proved with data that could have failed it).

The gate's pytest plugin records them per test (`recording`) and carries them into every report. Outside a
recording (a suite function called by hand), a warning falls back to Python's `warnings`, and a note is
dropped: nothing that matters is lost, since a note never changes a verdict.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BARE",
    "EXERCISED",
    "PROVEN",
    "UNTESTABLE",
    "ContractWarning",
    "ExpectationWarning",
    "Note",
    "Notices",
    "RequestKey",
    "cover",
    "covering",
    "merged",
    "note",
    "recording",
    "relied_on",
    "rely",
    "used",
    "warn",
]

# Coverage evidence levels, weakest first: seen, but the data could not test it (its `how` says why); sent
# with its envelope checked; checked with data that could have failed it.
UNTESTABLE = "untestable"
EXERCISED = "exercised"
PROVEN = "proven"
_LEVELS = (UNTESTABLE, EXERCISED, PROVEN)
# What exercised evidence says when it knows no more than that the item was sent.
BARE = ("sent", "fuzzed")
# Internal: DESTWATCH_COVERAGE=off records no coverage, only to measure what recording it costs.
_COVERING = os.environ.get("DESTWATCH_COVERAGE") != "off"
# A request as a replay matches it (`destwatch.http.request_key`): version, method, path and query, body.
RequestKey = tuple[str, str, str, str]


class ExpectationWarning(UserWarning):
    """A break of one of destwatch's own expectations that the target has not made a rule."""


@dataclass(frozen=True)
class ContractWarning:
    """A clause the destination broke that does not fail the run: an expectation of ours while `setting` is
    not set to make it a rule, or (no `setting`) a deviation from Occtoo's documented form that destwatch
    tolerates as Occtoo's own clients do."""

    clause: str
    setting: str
    detail: str = ""
    request: str = ""
    counterexample: tuple[str, ...] = ()

    def evidence(self) -> dict[str, Any]:
        found = {"detail": self.detail, "request": self.request, "counterexample": list(self.counterexample)}
        return {key: value for key, value in found.items() if value}

    def render(self) -> str:
        lines = [self.clause, *(f"  {line}" for line in self.detail.splitlines())]
        if self.setting:
            lines.append(
                f"(destwatch's own expectation, not Occtoo's documented contract: set {self.setting} in "
                "targets.toml to make it a rule, or to stop checking it)"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class Note:
    """A fact about `target` the report lists once, however many tests came across it."""

    target: str
    text: str


@dataclass
class Notices:
    """What one test recorded."""

    warnings: list[ContractWarning] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # (target, endpoint, kind, item) -> (level, how): the strongest evidence per coverage item, kept once
    # however many answers showed it (a test sends hundreds of queries).
    evidence: dict[tuple[str, str, str, str], tuple[str, str]] = field(default_factory=dict)
    # Every request the test relied on, in order: sent by it, or answered earlier and reused from a cache of
    # the run (a sample, a plan, a token). A replay of the test may send these and no other.
    requests: dict[RequestKey, None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_evidence(self, key: tuple[str, str, str, str], level: str, how: str) -> None:
        with self._lock:
            self.evidence[key] = merged(self.evidence.get(key), (level, how))


# One test runs at a time in a process; the threads it starts (requests sent side by side) record into it.
_current: Notices | None = None
# The requests relied on while each cached value being built now is built (`relied_on`).
_building: list[list[RequestKey]] = []
_building_lock = threading.Lock()


@contextlib.contextmanager
def recording() -> Iterator[Notices]:
    """Record every warning and note made until the block ends."""
    global _current
    previous, _current = _current, Notices()
    try:
        yield _current
    finally:
        _current = previous


def warn(
    clause: str,
    *,
    setting: str,
    detail: str = "",
    request: str = "",
    counterexample: Sequence[str] = (),
) -> None:
    """Report a break of an expectation of ours; `setting` names what would make it a rule."""
    found = ContractWarning(clause, setting, detail, request, tuple(counterexample))
    if _current is None:
        warnings.warn(ExpectationWarning(found.render()), stacklevel=3)
        return
    _current.warnings.append(found)


def note(target: str, text: str) -> None:
    """A fact about `target` for the report (listed once); never a verdict."""
    if _current is not None:
        _current.notes.append(Note(target, text))


def cover(target: str, endpoint: str, kind: str, item: str, level: str = EXERCISED, how: str = "") -> None:
    """Evidence about one coverage item of `target` (see `destwatch.coverage`): `level` EXERCISED when it was
    sent and the answer's envelope checked, PROVEN when a check passed on data that could have failed it
    (`how` says what that data was); never a verdict."""
    if _current is not None and _COVERING:
        _current.add_evidence((target, endpoint, kind, item), level, how)


def used(key: RequestKey) -> None:
    """The current test relied on the request `key` (it sent it, or reuses what its answer built)."""
    with _building_lock:
        if _current is not None:
            _current.requests[key] = None
        for keys in _building:
            keys.append(key)


def rely(keys: Iterable[RequestKey]) -> None:
    """The current test reuses what `keys` built (a cached sample or plan, see `relied_on`)."""
    for key in keys:
        used(key)


@contextlib.contextmanager
def relied_on() -> Iterator[list[RequestKey]]:
    """The requests relied on until the block ends, to `rely` on again whenever what the block built is
    reused: a test reusing a plan another test built relies on the requests behind it."""
    keys: list[RequestKey] = []
    with _building_lock:
        _building.append(keys)
    try:
        yield keys
    finally:
        with _building_lock:
            _building[:] = [other for other in _building if other is not keys]


def covering() -> bool:
    """Whether coverage is recorded (always, but for measuring its cost)."""
    return _COVERING


def merged(known: tuple[str, str] | None, found: tuple[str, str]) -> tuple[str, str]:
    """Two pieces of evidence about one item as one: the stronger level; of two items merely exercised, the
    one saying why nothing more was seen (more telling than that it was sent)."""
    if known is None:
        return found
    strong, weak = sorted((known, found), key=_strength, reverse=True)
    if strong[0] == EXERCISED and strong[1] in BARE and weak[0] == UNTESTABLE:
        return (EXERCISED, weak[1])
    return strong


def _strength(evidence: tuple[str, str]) -> tuple[int, bool]:
    return _LEVELS.index(evidence[0]), evidence[1] not in BARE
