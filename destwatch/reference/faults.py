"""The seeded-fault catalogue: realistic regressions the reference destination can be switched into.

One fault per server instance. Each names the suites that must catch it, so the project's own tests can run
every suite against every fault it targets and prove the suite is able to fail.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FAULTS", "Fault", "check_fault"]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    targets: tuple[str, ...]


def _catalogue(*faults: Fault) -> dict[str, Fault]:
    return {fault.name: fault for fault in faults}


FAULTS: dict[str, Fault] = _catalogue(
    Fault("expired-token-accepted", "tokens past `exp` are still accepted", ("auth",)),
    Fault("post-skips-auth", "POST data requests are answered without checking the token", ("auth", "fuzz")),
    Fault("alg-none-accepted", "a token re-encoded with `alg: none` is accepted", ("auth",)),
    Fault(
        "foreign-token-accepted",
        "a token of any version of the customer is accepted (audience not checked, one shared key)",
        ("auth",),
    ),
    Fault("token-lifetime-mismatch", "`expiresIn` says 3600 but the JWT's `exp - iat` is 600", ("auth",)),
    Fault("token-500-on-bad-body", "the token endpoint answers 500 to a body that is not JSON", ("auth",)),
    Fault("missing-www-authenticate", "401 answers carry no `WWW-Authenticate` header", ("auth",)),
    Fault("openapi-requires-token", "the OpenAPI document itself needs a token", ("fuzz", "smoke")),
    Fault(
        "schema-drift-v2",
        "v2 `products` answers `price` as a string; the document still says number (v1, v3 fine)",
        ("fuzz",),
    ),
    Fault("server-error-on-top-zero", "`top=0` answers 500", ("fuzz",)),
    Fault("empty-results-null", 'a query that matches nothing answers `"results": null`', ("shape",)),
    Fault("empty-results-404", "a query that matches nothing answers 404", ("shape",)),
    Fault("envelope-missing-language", "answers lack the `language` key", ("smoke", "shape", "fuzz")),
    Fault("top-exceeded", "one more result than `top`", ("shape", "filters")),
    Fault("must-values-and", "several values of one `must` property are AND-ed, not OR-ed", ("filters",)),
    Fault("mustnot-ignored", "`mustNot` is ignored", ("filters",)),
    Fault(
        "range-bounds-exclusive",
        "`gte`/`lte` behave like `gt`/`lt` (items on the bound are lost)",
        ("filters",),
    ),
    Fault(
        "get-filter-prefix-match",
        "GET property filters match by prefix, POST `must` by equality",
        ("filters",),
    ),
    Fault("skip-overlap", "`skip` pages overlap by one item", ("filters",)),
    Fault("after-inclusive", "keyset `after` includes the cursor item", ("filters",)),
    Fault("sort-desc-ignored", "`sortDesc` sorts ascending", ("filters",)),
    Fault("period-ignored", "`periodSince` / `period` are ignored", ("filters",)),
    Fault("total-counts-page", "`total` is the page length, not the match count", ("filters", "shape")),
    Fault("facet-counts-unfiltered", "facet counts ignore the filter", ("filters",)),
    Fault("facet-size-ignored", "facets return every value, past their configured size", ("filters",)),
    Fault(
        "language-ignored",
        "localized values are English whatever the language (the envelope still echoes it)",
        ("filters",),
    ),
    Fault(
        "v2-hides-out-of-stock",
        "v2 silently drops items with `stock == 0` (same document as v1)",
        ("filters",),
    ),
    Fault("slow-responses", "every data request takes 1.5 s", ("fuzz", "smoke")),
    Fault("hang", "data requests never answer (the harness's timeout must cut them off)", ("smoke",)),
)


def check_fault(name: str | None) -> str | None:
    """Return `name` if it is a known fault (or empty), else raise `ValueError` listing the known names."""
    if not name:
        return None
    if name not in FAULTS:
        known = ", ".join(sorted(FAULTS))
        raise ValueError(f"unknown fault {name!r}; known faults: {known}")
    return name
