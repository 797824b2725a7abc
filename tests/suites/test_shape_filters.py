"""The shape and filters suites, run the way a user runs them, against the embedded reference destination.

The clean reference passes with zero failures across several seeds; each seeded fault aimed at shape or
filters makes the right suite fail with the rule named in the failure. Runs go through `destwatch run`
(in-process for speed, once as a real subprocess) with a targets file written here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch.reference import FAULTS
from kit.gates import reference_targets, run_destwatch, run_gate_on

# fault -> (suite, the rule's tests (-k), the clause the failure must start with, targets)
V2 = ("productCatalog/v2",)
CAUGHT_BY: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "empty-results-null": ("shape", "empty_results", "empty results: a query that matches nothing", V2),
    "empty-results-404": ("shape", "empty_results", "empty results: a query that matches nothing", V2),
    "envelope-missing-language": (
        "shape",
        "every_answer_has_language",
        "envelope: every answer has `language`",
        V2,
    ),
    "top-exceeded": ("shape", "top_is_never_exceeded", "top: an answer never holds more than `top`", V2),
    "total-counts-page": ("shape", "total_counts_every_match", "total: `total` counts every match", V2),
    "must-values-and": ("filters", "must_values", "must: two values of one property give the union", V2),
    "mustnot-ignored": ("filters", "must_not_excludes", "mustNot: no result has an excluded value", V2),
    "range-bounds-exclusive": (
        "filters",
        "inclusive_bounds",
        "range: inclusive bounds (gte, lte) include",
        V2,
    ),
    "get-filter-prefix-match": ("filters", "get_filter", "GET filters:", V2),
    "skip-overlap": ("filters", "skip_pages", "paging: consecutive skip pages are disjoint", V2),
    "after-inclusive": ("filters", "keyset", "paging: keyset paging with sortAsc=id + after", V2),
    "sort-desc-ignored": ("filters", "sort_desc_orders", "sort: sortDesc orders results", V2),
    "period-ignored": ("filters", "period", "period: with period", V2),
    "facet-counts-unfiltered": ("filters", "facet_count_equals", "facets: a facet value's count equals", V2),
    "facet-size-ignored": (
        "filters",
        "facet_size",
        "facets: a facet returns at most its configured number",
        V2,
    ),
    "language-ignored": (
        "filters",
        "localized",
        "language: localized properties differ between languages",
        V2,
    ),
    "v2-hides-out-of-stock": (
        "filters",
        "versions",
        "versions: the same logical query returns the same ids",
        ("productCatalog/v1", "productCatalog/v2"),
    ),
}
# Faults for the filters suite that shape also catches, checked against filters' own rule too.
ALSO_FILTERS = {
    "top-exceeded": ("top_zero_one", "top: a page holds `top` results"),
    "total-counts-page": ("total_equals", "total: `total` equals the number of items reachable by paging"),
}


@pytest.fixture(scope="module")
def targets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    localized = ["title", "category", "color"]
    defaults = {"max_rps": 500.0, "request_budget": 400, "localized_properties": localized}
    return reference_targets(tmp_path_factory.mktemp("targets"), defaults=defaults)


def test_every_shape_and_filters_fault_of_the_reference_is_covered_here() -> None:
    aimed = {name for name, fault in FAULTS.items() if {"shape", "filters"} & set(fault.targets)}
    assert aimed == set(CAUGHT_BY)


@pytest.mark.parametrize("seed", [None, 7, 4242], ids=["targets-seed", "seed-7", "seed-4242"])
@pytest.mark.slow
def test_clean_reference_passes_shape_and_filters_with_zero_failures(
    targets_file: Path, tmp_path: Path, seed: int | None
) -> None:
    summary = run_gate_on(targets_file, tmp_path, suites=("shape", "filters"), seed=seed)
    assert summary.failures == [] and summary.exit_code == 0
    assert seed is None or summary.seed == seed
    assert summary.totals["passed"] >= 200
    assert {row.suite for row in summary.rows} == {"shape", "filters"}


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_each_targeted_fault_fails_the_right_suite_naming_the_rule(
    targets_file: Path, tmp_path: Path, fault: str
) -> None:
    suite, tests, clause, names = CAUGHT_BY[fault]
    summary = run_gate_on(targets_file, tmp_path, suites=(suite,), fault=fault, names=names, tests=tests)
    failures = summary.failures
    assert summary.exit_code == 1, summary
    assert failures and all(f.message.startswith(clause) for f in failures), failures
    assert {row.suite for row in summary.rows if row.failed} == {suite}


@pytest.mark.parametrize("fault", sorted(ALSO_FILTERS))
def test_shape_faults_also_fail_the_filters_rule(targets_file: Path, tmp_path: Path, fault: str) -> None:
    tests, clause = ALSO_FILTERS[fault]
    summary = run_gate_on(targets_file, tmp_path, suites=("filters",), fault=fault, names=V2, tests=tests)
    assert summary.exit_code == 1
    assert any(f.message.startswith(clause) for f in summary.failures), summary.failures


def test_destwatch_run_as_a_command_exits_1_and_prints_the_rule(targets_file: Path, tmp_path: Path) -> None:
    args = ("--suite", "shape", "--target", "productCatalog/v2", "--fault", "empty-results-404")
    faulty = run_destwatch(tmp_path, *args, "--", "-k", "empty_results", targets=targets_file)
    assert faulty.code == 1, faulty.output[-4000:]
    assert "empty results: a query that matches nothing answers 200" in faulty.output
