"""The gate is right on every document variant of the reference: the clean variant passes every suite that
reads what it changes, and every seeded fault is still caught under every variant that changes what its
clause reads, naming its clause.

The variants (`destwatch.reference.VARIANTS`) are documents real owners write: features declared on one
method only, open filter maps, two range operators, no facets, a largest `top` of 50 over 3,000 items,
case-insensitive sorting, nothing localized, six endpoints... Every variant changes the queries' document
or data, which the fuzz, shape and filters suites read; the smoke, auth and ratelimit suites read the
endpoints, the security declarations and the token endpoint, which only `CHANGE_ENDPOINTS_OR_SECURITY`
change (the default document's smoke and auth runs are in tests/suites/ and tests/cli/test_run.py). Runs
go through the gate in-process, the reference served from a thread.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from destwatch.config import load_targets
from destwatch.gate.replay import replay
from destwatch.gate.summary import Summary
from destwatch.reference import FAULTS, VARIANTS, create_app, serve_in_thread
from destwatch.selection import RunOptions, Selection
from kit.gates import reference_targets, run_destwatch, run_gate_on_reference

pytestmark = pytest.mark.slow

V1, V2, V3 = "productCatalog/v1", "productCatalog/v2", "productCatalog/v3"
FEED = "googleMarketplace/v1"
# Owners' expectations the repository's own targets.toml states too (see its comments).
_DEFAULTS = {"max_rps": 1000.0, "localized_properties": ["title", "category", "color"], "examples": 3}


@dataclass(frozen=True)
class Catcher:
    """The rule that catches a fault: its suite, its tests (-k), the start of its clause, the versions."""

    suite: str
    tests: str
    clause: str
    targets: tuple[str, ...] = (V2,)
    defaults: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    # A destination that stops answering is unreachable (exit 3), not in breach of a clause.
    kind: str = "violation"


_SHORT_TOKENS = {"token_lifetime": 2, "expiry_wait_budget": 5.0}
_LIMITED = {"rate_limit": {"requests": 5, "per": "1s"}}
_TOKENS_LIMITED = {"token_rate_limit": {"requests": 5, "per": "1s"}}
CATCHERS = {
    "expired-token-accepted": Catcher(
        "auth",
        "lifetime_has_passed",
        "token: tokens are rejected once their expiresIn has passed",
        (V1,),
        _SHORT_TOKENS,
        {"token_ttl": 2},
    ),
    "post-skips-auth": Catcher("auth", "without_valid_credentials", "bearer: requests without valid", (V1,)),
    "alg-none-accepted": Catcher(
        "auth", "without_valid_credentials", "bearer: requests without valid", (V1,)
    ),
    "foreign-token-accepted": Catcher(
        "auth", "reaches_exactly", "token: a token is rejected by every version outside its grant", (V1, V2)
    ),
    "token-lifetime-mismatch": Catcher("auth", "exp_minus_iat", "token: a JWT's exp - iat", (V1,)),
    "token-500-on-bad-body": Catcher("auth", "bad_token_request", "token: bad credentials", (V1,)),
    # The OAuth2 faults: productCatalog v3 is the reference's OAuth2 version.
    "audience-unchecked": Catcher(
        "auth", "reaches_exactly", "token: a token is rejected by every version outside its grant", (V1, V3)
    ),
    "expired-oauth-token-accepted": Catcher(
        "auth",
        "lifetime_has_passed",
        "token: tokens are rejected once their expires_in has passed",
        (V3,),
        _SHORT_TOKENS,
        {"token_ttl": 2},
    ),
    "invalid-client-500": Catcher(
        "auth", "bad_token_request", "token: bad client credentials get a 4xx and invalid_client", (V3,)
    ),
    "expires-in-beyond-exp": Catcher("auth", "exp_minus_iat", "token: a JWT's exp - iat", (V3,)),
    "missing-www-authenticate": Catcher(
        "auth",
        "without_valid_credentials",
        "bearer: a 401 carries a WWW-Authenticate",
        (V1,),
        {"rfc6750_strict": True},
    ),
    "openapi-requires-token": Catcher("smoke", "openapi_document", "the OpenAPI document is served", (V1,)),
    "schema-drift-v2": Catcher("fuzz", "operation and products-GET", "fuzz: productCatalog/v2 GET /products"),
    "server-error-on-top-zero": Catcher("fuzz", "operation and products-GET", "fuzz: productCatalog/v2"),
    "empty-results-null": Catcher("shape", "empty_results", "empty results: a query that matches nothing"),
    "empty-results-404": Catcher("shape", "empty_results", "empty results: a query that matches nothing"),
    "envelope-missing-language": Catcher(
        "shape", "every_answer_has", "envelope: every answer has `language`"
    ),
    "top-exceeded": Catcher("shape", "top_is_never_exceeded", "top: an answer never holds more than"),
    "total-counts-page": Catcher("shape", "total_counts_every_match", "total: `total` counts every match"),
    "must-values-and": Catcher("filters", "must_values", "must: two values of one property give the union"),
    "mustnot-ignored": Catcher("filters", "must_not_excludes", "mustNot: no result has an excluded value"),
    "range-bounds-exclusive": Catcher("filters", "inclusive_bounds", "range: inclusive bounds (gte, lte)"),
    "get-filter-prefix-match": Catcher("filters", "get_filter", "GET filters:"),
    "skip-overlap": Catcher("filters", "skip_pages", "paging: consecutive skip pages are disjoint"),
    "after-inclusive": Catcher("filters", "keyset", "paging: keyset paging with sortAsc=id + after"),
    "sort-desc-ignored": Catcher("filters", "sort_desc_orders", "sort: sortDesc orders results"),
    "period-ignored": Catcher("filters", "period and not get_period", "period: with period"),
    "facet-counts-unfiltered": Catcher("filters", "facet_count_equals", "facets: a facet value's count"),
    "facet-size-ignored": Catcher("filters", "facet_size", "facets: a facet returns at most"),
    "language-ignored": Catcher("filters", "localized", "language: localized properties differ"),
    "v2-hides-out-of-stock": Catcher("filters", "versions", "versions: the same logical query", (V1, V2)),
    "slow-responses": Catcher(
        "smoke", "answers_get", "a response arrives within the response-time budget", (FEED,)
    ),
    "hang": Catcher(
        "smoke",
        "answers_get",
        f"{FEED}: no answer within 0.5 s",
        (FEED,),
        {"timeout": 0.5},
        kind="unreachable",
    ),
    # The ratelimit suite checks only what the owner declared; the reference declares the same limit.
    "throttles-without-retry-after": Catcher(
        "ratelimit", "data_limit", "rate limit: a burst of 6 requests within 1 s", (V1,), _LIMITED, _LIMITED
    ),
    "retry-after-too-short": Catcher(
        "ratelimit",
        "after_retry_after",
        "rate limit: a request sent once Retry-After",
        (V1,),
        _LIMITED,
        _LIMITED,
    ),
    "token-endpoint-never-throttles": Catcher(
        "ratelimit",
        "token_limit",
        "token rate limit: a burst of 6 token requests",
        (V1,),
        _TOKENS_LIMITED,
        _LIMITED,
    ),
    "one-burst-throttles-every-token": Catcher(
        "ratelimit",
        "second_application",
        "rate limit: a second application's token is not throttled",
        (V1,),
        _LIMITED,
        _LIMITED,
    ),
}
# (variant, fault) -> why the variant leaves the fault's rule nothing to check.
NOT_EXPRESSIBLE = {
    ("no-facets", "facet-counts-unfiltered"): "no endpoint has facets",
    ("no-facets", "facet-size-ignored"): "no endpoint has facets",
    ("nothing-localized", "language-ignored"): "every language already answers the same values",
    ("one-language", "language-ignored"): "every version declares one language",
}
# Skips of a clean run of every suite, per variant (today's count): more means checks turned into skips.
MAX_SKIPS = {
    "totals-post-only": 36,
    "list-ids-get-only": 36,
    "sort-post-only": 42,
    "after-get-only": 42,
    "language-get-only": 36,
    "language-post-only": 36,
    "must-open-map": 36,
    "range-gte-lte-only": 42,
    "no-facets": 66,
    "facets-unsized": 36,
    "two-date-times": 36,
    "top-50-large": 42,
    "case-insensitive-sort": 36,
    "nothing-localized": 42,
    "six-endpoints": 80,
    "null-property": 36,
    "single-valued-filter": 36,
    "one-language": 41,
    "unprotected-declares-security": 36,
}
# The suites whose clauses read the queries' document and data, which every variant changes.
QUERY_SUITES = {"fuzz", "shape", "filters"}
# The variants that also change what the smoke, auth and ratelimit suites read.
CHANGE_ENDPOINTS_OR_SECURITY = {"six-endpoints", "unprotected-declares-security"}
# Variants that change only the data the rules see: crossed with the faults whose catching rules read what
# the variant changes, not with every fault (each cell costs a gate run).
DATA_ONLY = {
    # Response properties, which the fuzz suite's schema check reads.
    "null-property": ("schema-drift-v2",),
    # The values of filter, sort and facet keys.
    "single-valued-filter": (
        "must-values-and",
        "mustnot-ignored",
        "sort-desc-ignored",
        "facet-counts-unfiltered",
        "facet-size-ignored",
        "get-filter-prefix-match",
    ),
    # The declared languages, which the envelope's `language` is checked against.
    "one-language": ("envelope-missing-language",),
}
CELLS = [
    (variant, fault)
    for variant in VARIANTS
    for fault in FAULTS
    if (variant, fault) not in NOT_EXPRESSIBLE
    and fault in DATA_ONLY.get(variant, FAULTS)
    and (CATCHERS[fault].suite in QUERY_SUITES or variant in CHANGE_ENDPOINTS_OR_SECURITY)
]


def _suites_reading(variant: str) -> set[str]:
    """The suites whose clauses read what `variant` changes (the others answer as on the default document)."""
    return QUERY_SUITES | ({"smoke", "auth"} if variant in CHANGE_ENDPOINTS_OR_SECURITY else set())


def _clean_gate(tmp: Path, variant: str) -> Summary:
    # Every version, in a process of its own, as a user runs it. In a test process that has run hundreds of
    # gates already, the garbage collector's passes over its heap would cost more than the gate.
    targets = reference_targets(tmp, defaults={**_DEFAULTS, **_SHORT_TOKENS}, reference={"token_ttl": 2})
    suites = [arg for suite in sorted(_suites_reading(variant)) for arg in ("--suite", suite)]
    return run_destwatch(tmp, "--variant", variant, "--jobs", "1", *suites, targets=targets).summary


def _gate(
    tmp: Path, *, variant: str | None, fault: str, catcher: Catcher, seed: int | None = None
) -> Summary:
    return run_gate_on_reference(
        tmp,
        suites=(catcher.suite,),
        targets=catcher.targets,
        tests=catcher.tests,
        fault=fault,
        variant=variant,
        defaults={**_DEFAULTS, **catcher.defaults},
        reference=catcher.reference,
        pytest_args=("-p", "no:randomly"),
        in_thread=True,
        seed=seed,
    )


def test_every_fault_has_a_catcher_and_every_variant_a_skip_bound() -> None:
    assert set(CATCHERS) == set(FAULTS)
    assert set(MAX_SKIPS) == set(VARIANTS)
    assert {variant for variant, _ in NOT_EXPRESSIBLE} <= set(VARIANTS)
    assert set(DATA_ONLY) <= set(VARIANTS)
    assert {fault for faults in DATA_ONLY.values() for fault in faults} <= set(FAULTS)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_clean_variant_passes_every_suite_reading_it_with_bounded_skips(tmp_path: Path, variant: str) -> None:
    summary = _clean_gate(tmp_path, variant)
    assert (summary.exit_code, summary.failures) == (0, []), summary.failures
    totals = summary.totals
    assert totals["passed"] >= 250 and totals["skipped"] <= MAX_SKIPS[variant], totals
    assert {row.suite for row in summary.rows} == _suites_reading(variant)
    assert summary.variant == variant


@pytest.mark.parametrize(("variant", "fault"), CELLS, ids=[f"{v}-{f}" for v, f in CELLS])
def test_each_fault_is_caught_under_each_variant_that_changes_what_its_clause_reads(
    tmp_path: Path, variant: str, fault: str
) -> None:
    catcher = CATCHERS[fault]
    summary = _gate(tmp_path, variant=variant, fault=fault, catcher=catcher)
    failures = summary.failures
    if catcher.kind == "unreachable":
        # A version that stops answering breaks no clause: its tests did not run, for one reason.
        reasons = [item.reason for item in summary.unreachable]
        assert (summary.exit_code, failures) == (3, []), failures
        assert any(reason.startswith(catcher.clause) for reason in reasons), reasons
        return
    assert summary.exit_code == 1, failures
    assert failures and all(f.kind == "violation" for f in failures), failures
    assert any(f.message.startswith(catcher.clause) for f in failures), failures


# Every fault but one that makes the destination unreachable: that is no finding (exit 3), so no bundle.
FINDINGS = [fault for fault, catcher in CATCHERS.items() if catcher.kind == "violation"]


@pytest.mark.parametrize("fault", FINDINGS)
def test_every_fault_replays_from_its_bundle_and_keeps_its_fingerprints_across_seeds(
    tmp_path: Path, fault: str
) -> None:
    """The whole catalogue on the default document: each fault's catching rule alone, its first finding's
    bundle replayed (the same finding with the fault, a pass on the clean reference, both from served
    references in this process), and its fingerprints equal under three seeds."""
    catcher = CATCHERS[fault]
    first = _gate(tmp_path / "seed-1", variant=None, fault=fault, catcher=catcher, seed=1)
    found = _fingerprints(first)
    assert first.exit_code == 1 and found, first.failures
    for seed in (2, 3):
        again = _gate(tmp_path / f"seed-{seed}", variant=None, fault=fault, catcher=catcher, seed=seed)
        assert _fingerprints(again) == found, (seed, again.failures)
    run = tmp_path / "seed-1"
    targets, reports, fingerprint = run / "targets.toml", run / "reports", min(found)
    with _served(targets, fault) as faulty, _served(targets, None) as clean:
        still = replay(reports, fingerprint, targets=targets, reference_url=faulty.url)
        fixed = replay(reports, fingerprint, targets=targets, reference_url=clean.url)
    assert (still.code, still.same) == (1, True), still.lines()
    assert (fixed.code, fixed.still_fails) == (0, False), fixed.lines()


def _fingerprints(summary: Summary) -> set[str]:
    return {f.evidence["fingerprint"] for f in summary.failures if f.kind == "violation"}


def _served(targets: Path, fault: str | None) -> AbstractContextManager[Any]:
    selection = Selection.of(load_targets(targets), RunOptions(targets=targets, fault=fault))
    return serve_in_thread(create_app(**selection.reference.server_settings()))
