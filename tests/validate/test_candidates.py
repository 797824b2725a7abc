"""Proof by seeded version faults: the reference's candidate v4 (a copy of v2 with one fault) against v2.

Each fault is one a document diff alone cannot see, or one that needs Occtoo's semantics; each is caught
and named by its change id. The clean candidate, identical in behaviour, is GO with zero findings, suites
included.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from destwatch.reference import candidate_customer
from destwatch.reference.candidates import CANDIDATES
from destwatch.reference.targets import embedded_targets
from kit.validation import Validate

TODAY = datetime.date(2026, 12, 1)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "candidate-targets.toml"

# candidate -> (exit code, the change ids found, in the report's order)
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "drops-items": (
        1,
        [
            "difference:products.ids",
            "difference:products.total",
            "difference:products.facets.brand",
            "difference:products.facets.category",
            "difference:products.facets.color",
            "difference:variants.ids",
            "difference:variants.total",
            "difference:variants.facets.color",
            "difference:variants.facets.size",
        ],
    ),
    "price-in-cents": (1, ["difference:products.values.price", "difference:variants.values.price"]),
    "default-page-25": (1, ["difference:products.default-page", "difference:variants.default-page"]),
    "ties-reversed": (1, ["difference:products.ids", "difference:variants.ids"]),
    "max-top-500": (1, ["max-top-lowered:top"]),
    "facet-renamed": (1, ["facet-renamed:products.category->productCategory"]),
    "title-not-localized": (1, ["difference:products.values.title"]),
    # Slower is maybe-breaking: named, not blocking.
    "slow-3x": (0, ["latency-regression:productCatalog"]),
    # The live differential compares first pages, and every first page is v2's: it says GO. A consumer
    # that pages sees it (tests/validate/test_consumers.py).
    "pages-overlap": (0, []),
}


@pytest.fixture(scope="module")
def with_v4() -> Path:
    """The README's example: the reference's versions and its candidate v4."""
    return EXAMPLE


def test_every_version_fault_has_an_expectation() -> None:
    assert set(EXPECTED) | {"clean"} == set(CANDIDATES)


def test_the_example_lists_every_version_the_candidate_reference_serves() -> None:
    rendered = embedded_targets(customer=candidate_customer("clean"), reference={"candidate": "clean"})
    assert EXAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1] == rendered.rstrip("\n") + "\n"


@pytest.mark.parametrize("candidate", list(EXPECTED))
def test_each_version_fault_is_caught_and_named(
    run_validation: Validate, with_v4: Path, candidate: str
) -> None:
    code, ids = EXPECTED[candidate]
    validated = run_validation(
        "productCatalog", "v2", "v4", targets=with_v4, reference_candidate=candidate, today=TODAY
    )
    assert validated.ids == ids, validated.markdown
    assert validated.code == code and validated.report["verdict"] == ("GO" if code == 0 else "NO-GO")
    assert validated.blocking == (ids if code else [])


def test_ties_are_named_under_the_explicit_sort_that_shows_them(
    run_validation: Validate, with_v4: Path
) -> None:
    validated = run_validation(
        "productCatalog", "v2", "v4", targets=with_v4, reference_candidate="ties-reversed"
    )
    sentences = {change["id"]: change["sentence"] for change in validated.report["changes"]}
    assert "(sortDesc=category)" in sentences["difference:products.ids"]
    assert "the items or their order differ" in sentences["difference:products.ids"]


@pytest.mark.slow
def test_a_clean_candidate_is_go_with_zero_findings_suites_included(
    run_validation: Validate, with_v4: Path
) -> None:
    validated = run_validation(
        "productCatalog", "v2", "v4", targets=with_v4, reference_candidate="clean", suites=True, today=TODAY
    )
    assert validated.code == 0 and validated.report["verdict"] == "GO", validated.markdown
    assert validated.ids == []
    suites = validated.report["suites"]
    assert suites["failed"] == 0 and suites["passed"] > 100
    assert "Contract suites on productCatalog/v4: " in validated.markdown
