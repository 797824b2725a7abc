"""One finding of a validation: a change between two versions, with a stable id, a severity and words."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Change", "Severity"]


class Severity(enum.StrEnum):
    """How a change affects the consumers of the version in use."""

    BREAKING = "breaking"
    """A consumer that works today can fail or get wrong data on the candidate."""
    MAYBE_BREAKING = "maybe-breaking"
    """Some consumers may notice (a smaller page, a slower answer, a value that may now be null)."""
    COMPATIBLE = "compatible"
    """Nothing a consumer does today changes (an addition)."""


@dataclass(frozen=True)
class Change:
    """A change between two versions: `id` is stable across runs (waivers name it), e.g.
    `property-removed:products.brand`; `sentence` says it for consumers, `migration` what to do instead."""

    id: str
    severity: Severity
    sentence: str
    migration: str = ""
    # Where the change was found: "document" (the diff) or "live" (the differential).
    source: str = "document"
    # What live traffic proved of a document change: the candidate's coverage of its items, a rename seen in
    # the data ("" when nothing was sent live).
    proof: str = ""
