"""Candidate versions: productCatalog v4, a copy of v2 with at most one version fault (`destwatch validate`).

Before consumers switch from the version in use (v2) to a new one, `destwatch validate` compares the two: a
document diff, and the same logical queries asked of both. To prove it, the reference serves a candidate
v4: v2's configuration (endpoints, style, data, languages) under its own name, destination id and demo
application, with one realistic regression that a document diff alone cannot see, or that takes Occtoo's
semantics to understand. `clean` changes nothing, so a validation must say go.

A candidate changes v4's configuration when its regression is a documented one (`document_changes`: the
document and the server's validation come from that configuration, as for any version), and is otherwise a
version fault the server asks about through a `CandidateSwitch` (`candidate.on(DROPS_ITEMS)`), as it asks a
`FaultSwitch` about the seeded faults. Nothing else differs; v1-v3 and googleMarketplace stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from destwatch.reference.model import REFERENCE, Application, Customer, Endpoint, OAuthApplication, Version

__all__ = [
    "CANDIDATES",
    "CANDIDATE_DEFAULT_TOP",
    "CANDIDATE_DESTINATION",
    "CANDIDATE_DESTINATION_ID",
    "CANDIDATE_OF",
    "CANDIDATE_VERSION",
    "CLEAN",
    "DEFAULT_PAGE_25",
    "DROPS_ITEMS",
    "FACET_RENAMED",
    "MAX_TOP_500",
    "NO_CANDIDATE",
    "PAGES_OVERLAP",
    "PRICE_IN_CENTS",
    "SLOW_3X",
    "SLOW_DELAY",
    "TIES_REVERSED",
    "TITLE_NOT_LOCALIZED",
    "Candidate",
    "CandidateSwitch",
    "candidate_customer",
    "drops",
]

CANDIDATE_DESTINATION = "productCatalog"
CANDIDATE_OF = "v2"
CANDIDATE_VERSION = "v4"
CANDIDATE_DESTINATION_ID = "3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c05"
_APPLICATIONS = (
    Application("demo-client-v4", "demo-secret-v4"),
    Application("demo-second-client-v4", "demo-second-secret-v4"),
)
_OAUTH_APPLICATIONS = (
    OAuthApplication("demo-oauth-v4", "demo-oauth-secret-v4"),
    OAuthApplication("demo-second-oauth-v4", "demo-second-oauth-secret-v4"),
)

# What `slow-3x` adds to every v4 data request. A v2 page takes a few milliseconds on loopback, so this puts
# v4's p95 latency several times over v2's, well past a 1.5x threshold, without slowing a test run down.
SLOW_DELAY = 0.040
# What `default-page-25` answers without `top`; the document keeps saying 50.
CANDIDATE_DEFAULT_TOP = 25
# `max-top-500`'s largest `top`.
_MAX_TOP = 500
# `facet-renamed`: the products facet renamed, and its new `propertyId`.
_RENAMED_FACET = ("category", "productCategory")


@dataclass(frozen=True)
class Candidate:
    name: str
    # One line: what v4 does differently from v2.
    description: str
    # Whether v4's document differs from v2's beyond names and ids.
    document_changes: bool


def _catalogue(*candidates: Candidate) -> dict[str, Candidate]:
    return {candidate.name: candidate for candidate in candidates}


CLEAN = Candidate("clean", "nothing: v4 answers and documents exactly what v2 does", False)
DROPS_ITEMS = Candidate(
    "drops-items",
    "v4 silently drops every item whose product number ends in 7 (one in ten), from totals and facet counts "
    "too",
    False,
)
PRICE_IN_CENTS = Candidate(
    "price-in-cents",
    "v4 answers `price` in cents (x100, still a number), and range filters on it compare cents",
    False,
)
DEFAULT_PAGE_25 = Candidate(
    "default-page-25",
    f"without `top`, v4 answers {CANDIDATE_DEFAULT_TOP} results; its document still says the default is 50",
    False,
)
TIES_REVERSED = Candidate(
    "ties-reversed", "under an explicit sort, v4 breaks ties by `id` descending instead of ascending", False
)
MAX_TOP_500 = Candidate(
    "max-top-500", f"v4's largest `top` is {_MAX_TOP} (document `maximum: {_MAX_TOP}`, enforced)", True
)
FACET_RENAMED = Candidate(
    "facet-renamed",
    "v4's `products` facet `category` is `productCategory` in answers and the document (the property keeps "
    "its name)",
    True,
)
TITLE_NOT_LOCALIZED = Candidate(
    "title-not-localized",
    "v4 answers `title` in English whatever the language (other localized values stay localized)",
    False,
)
PAGES_OVERLAP = Candidate(
    "pages-overlap",
    "v4's later pages start one item early (`after` includes its cursor, `skip` skips one fewer); every "
    "first page is v2's",
    False,
)
SLOW_3X = Candidate(
    "slow-3x",
    f"every v4 data request takes {SLOW_DELAY * 1000:.0f} ms longer than v2's (on loopback, several times "
    "as long)",
    False,
)

CANDIDATES: dict[str, Candidate] = _catalogue(
    CLEAN,
    DROPS_ITEMS,
    PRICE_IN_CENTS,
    DEFAULT_PAGE_25,
    TIES_REVERSED,
    MAX_TOP_500,
    FACET_RENAMED,
    TITLE_NOT_LOCALIZED,
    SLOW_3X,
    PAGES_OVERLAP,
)


@dataclass(frozen=True)
class CandidateSwitch:
    """The version fault one destination version runs with: its candidate's, or none."""

    active: Candidate | None = None

    @classmethod
    def of(cls, version: Version) -> CandidateSwitch:
        return cls(version.candidate) if version.candidate is not None else NO_CANDIDATE

    def on(self, candidate: Candidate) -> bool:
        # Identity, as `FaultSwitch.on`: only the catalogue's own constants switch server behaviour.
        return self.active is candidate


NO_CANDIDATE = CandidateSwitch()


def drops(item_id: str) -> bool:
    """Whether `drops-items` drops the item: its product number ends in 7 (`NW-10007`, `NW-10017-2`).

    The product number, not the last digit of the id: a variant id ends in 1-3, and a product's variants go
    with it, so one item in ten goes from every endpoint.
    """
    return item_id.split("-")[1].endswith("7")


# -- v4's configuration ------------------------------------------------------------------------------------


def _max_top_500(version: Version) -> Version:
    return replace(version, style=replace(version.style, max_top=_MAX_TOP))


def _facet_renamed(version: Version) -> Version:
    facet, renamed = _RENAMED_FACET
    products = next((e for e in version.endpoints if e.id == "products"), None)
    if products is None or facet not in {f.property for f in products.facets}:
        raise ValueError(
            f"candidate {FACET_RENAMED.name!r} has nothing to rename: productCatalog {CANDIDATE_OF} "
            f"`products` has no `{facet}` facet"
        )

    def renamed_in(endpoint: Endpoint) -> Endpoint:
        if endpoint is not products:
            return endpoint
        facets = tuple(replace(f, alias=renamed) if f.property == facet else f for f in endpoint.facets)
        return replace(endpoint, facets=facets)

    return replace(version, endpoints=tuple(renamed_in(endpoint) for endpoint in version.endpoints))


# The candidates whose regression is in v4's configuration, so in its document too; the others are version
# faults of the server. `test_ref_candidates.py` holds `document_changes` to exactly these.
_RECONFIGURED: dict[Candidate, Callable[[Version], Version]] = {
    MAX_TOP_500: _max_top_500,
    FACET_RENAMED: _facet_renamed,
}


def _candidate_version(v2: Version, candidate: Candidate) -> Version:
    """v2's configuration as v4: its own name, destination id and demo applications, and the candidate."""
    v4 = replace(
        v2,
        name=CANDIDATE_VERSION,
        destination_id=CANDIDATE_DESTINATION_ID,
        applications=_APPLICATIONS,
        oauth_applications=_OAUTH_APPLICATIONS,
        candidate=candidate,
    )
    reconfigure = _RECONFIGURED.get(candidate)
    return reconfigure(v4) if reconfigure else v4


def _check_applicable(candidate: Candidate, base: Customer) -> None:
    # A candidate whose regression the base cannot show would serve a clean v4 under a faulty name.
    if candidate is TITLE_NOT_LOCALIZED and not base.data.localized:
        raise ValueError(
            f"candidate {candidate.name!r} changes nothing here: the catalogue localizes no value"
        )


def candidate_customer(name: str | None, base: Customer = REFERENCE) -> Customer:
    """`base` plus productCatalog v4, a copy of its v2 as candidate `name` serves it ("" or None: `base`
    itself); an unknown name is a `ValueError` listing the names, and so is a candidate `base` cannot show."""
    if not name:
        return base
    if name not in CANDIDATES:
        raise ValueError(f"unknown candidate {name!r}; known candidates: {', '.join(CANDIDATES)}")
    candidate = CANDIDATES[name]
    destination = base.destination(CANDIDATE_DESTINATION)
    v2 = destination.version(CANDIDATE_OF) if destination else None
    if destination is None or v2 is None:
        raise ValueError(f"customer {base.name!r} has no {CANDIDATE_DESTINATION} {CANDIDATE_OF} to copy")
    if destination.version(CANDIDATE_VERSION) is not None or base.by_destination_id(CANDIDATE_DESTINATION_ID):
        raise ValueError(f"customer {base.name!r} already serves {CANDIDATE_DESTINATION} {CANDIDATE_VERSION}")
    _check_applicable(candidate, base)
    extended = replace(destination, versions=(*destination.versions, _candidate_version(v2, candidate)))
    return replace(
        base,
        destinations=tuple(extended if d is destination else d for d in base.destinations),
    )
