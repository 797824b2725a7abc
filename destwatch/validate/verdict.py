"""Go or no-go: every change held against the waivers on a given day.

NO-GO when any blocking change is not waived: a breaking change, a difference no document change
explains, or a violation of the contract suites on the candidate. A waiver that has expired no longer
applies and is listed as such; a waiver that matched nothing is a warning.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from destwatch.validate.changes import Change, Severity
from destwatch.validate.waivers import Waiver, match

__all__ = ["Verdict", "decide"]


@dataclass(frozen=True)
class Verdict:
    go: bool
    changes: tuple[Change, ...]
    blocking: tuple[Change, ...]
    waived: tuple[tuple[Change, Waiver], ...]
    expired: tuple[tuple[Change, Waiver], ...]
    unused: tuple[Waiver, ...]
    today: datetime.date
    notes: tuple[str, ...] = field(default=())

    @property
    def word(self) -> str:
        return "GO" if self.go else "NO-GO"


def decide(
    changes: Sequence[Change], waivers: Sequence[Waiver], *, today: datetime.date, notes: Sequence[str] = ()
) -> Verdict:
    blocking, waived, expired = [], [], []
    used: set[int] = set()
    for change in changes:
        waiver = match(change, waivers)
        if waiver is not None:
            used.add(id(waiver))
        if change.severity is not Severity.BREAKING:
            continue
        if waiver is None:
            blocking.append(change)
        elif waiver.expired(today):
            blocking.append(change)
            expired.append((change, waiver))
        else:
            waived.append((change, waiver))
    unused = tuple(waiver for waiver in waivers if id(waiver) not in used)
    return Verdict(
        go=not blocking,
        changes=tuple(changes),
        blocking=tuple(blocking),
        waived=tuple(waived),
        expired=tuple(expired),
        unused=unused,
        today=today,
        notes=tuple(notes),
    )
