"""Each document change says what live traffic proved of it: the candidate's coverage of the items it is
about, or the rename the live differential saw; a static validation claims nothing."""

from __future__ import annotations

from destwatch.coverage.items import Item
from destwatch.coverage.ledger import Entry, VersionCoverage
from destwatch.validate.changes import Change, Severity
from destwatch.validate.proof import with_proof

C = Severity.COMPATIBLE
CANDIDATE = VersionCoverage(
    "productCatalog/v4",
    (
        Entry(Item("products", "filters", "must.season"), "exercised", "every sampled item holds season='x'"),
        Entry(Item("products", "filters", "mustNot.season"), "proven", "GET: dropped season='x'"),
        Entry(
            Item("products", "properties", "brandName"), "proven", "seen populated as its documented string"
        ),
        Entry(Item("products", "sort", "season asc"), "proven", "ordered"),
        Entry(Item("products", "sort", "season desc"), "proven", "ordered"),
    ),
)
CHANGES = [
    Change("filter-key-added:products.season", C, "`/products`: a new filter `season`"),
    Change("property-renamed:products.brand->brandName", Severity.BREAKING, "renamed"),
    Change("sort-key-added:products.season", C, "`/products`: a new sort key `season`"),
    Change("facet-added:products.season", C, "`/products`: a new facet `season`"),
    Change("latency-regressed:products", Severity.MAYBE_BREAKING, "slower", source="live"),
]


def test_each_document_change_says_what_live_traffic_proved() -> None:
    proofs = [change.proof for change in with_proof(CHANGES, CANDIDATE, live=True)]
    assert proofs == [
        "filters must.season: exercised only (every sampled item holds season='x')",
        "renamed property seen populated on both versions for the same ids; "
        "properties brandName: proven (seen populated as its documented string)",
        "sort season asc: proven (ordered)",
        # An item the candidate's coverage does not list: nothing to claim.
        "",
        "",
    ]


def test_without_the_suites_only_renames_are_proven_and_a_static_validation_claims_nothing() -> None:
    proofs = [change.proof for change in with_proof(CHANGES, None, live=True)]
    assert proofs[1] == "renamed property seen populated on both versions for the same ids"
    assert proofs[0] == "not checked: the contract suites did not run on the candidate"
    assert [change.proof for change in with_proof(CHANGES, CANDIDATE, live=False)] == [""] * len(CHANGES)
