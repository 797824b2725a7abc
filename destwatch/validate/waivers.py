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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from destwatch._accepted import expired, load_entries
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
        return expired(self.expires, today)

    def covers(self, change: Change) -> bool:
        return fnmatch.fnmatchcase(change.id, self.change)


def load_waivers(path: Path) -> list[Waiver]:
    """The waivers of `path`; `ConfigError` (file, line, key, fix) for any mistake."""
    entries = load_entries(path, table="waiver", keys=_KEYS, what="the waivers")
    return [Waiver(**entry) for entry in entries]


def match(change: Change, waivers: Sequence[Waiver]) -> Waiver | None:
    """The first waiver whose pattern names `change` (expired or not)."""
    return next((waiver for waiver in waivers if waiver.covers(change)), None)
