"""What a check records beside its verdict: warnings (an expectation of ours broken where the target has not
made it a rule) and notes (facts worth one line in the report, such as two versions' documents differing).

The gate's pytest plugin records them per test (`recording`) and carries them into every report. Outside a
recording (a suite function called by hand), a warning falls back to Python's `warnings`, and a note is
dropped: nothing that matters is lost, since a note never changes a verdict.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ContractWarning", "ExpectationWarning", "Note", "Notices", "note", "recording", "warn"]


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


# One test runs at a time in a process; the threads it starts (requests sent side by side) record into it.
_current: Notices | None = None


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
