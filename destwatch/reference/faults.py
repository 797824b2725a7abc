"""The seeded-fault catalogue: realistic regressions the reference destination can be switched into.

One fault per server instance. Each names the suites that must catch it, so the project's own tests can run
every suite against every fault it targets and prove the suite is able to fail. Each fault is a module-level
constant; server code asks a `FaultSwitch` whether one is on (`faults.on(HANG)`), so a misspelt fault is a
NameError at import, not a check that silently never fires. Names are only read at the boundary
(`FaultSwitch.named`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AFTER_INCLUSIVE",
    "ALG_NONE_ACCEPTED",
    "AUDIENCE_UNCHECKED",
    "EMPTY_RESULTS_404",
    "EMPTY_RESULTS_NULL",
    "ENVELOPE_MISSING_LANGUAGE",
    "EXPIRED_OAUTH_TOKEN_ACCEPTED",
    "EXPIRED_TOKEN_ACCEPTED",
    "EXPIRES_IN_BEYOND_EXP",
    "FACET_COUNTS_UNFILTERED",
    "FACET_SIZE_IGNORED",
    "FAULTS",
    "FOREIGN_TOKEN_ACCEPTED",
    "GET_FILTER_PREFIX_MATCH",
    "HANG",
    "INVALID_CLIENT_500",
    "LANGUAGE_IGNORED",
    "MISSING_WWW_AUTHENTICATE",
    "MUSTNOT_IGNORED",
    "MUST_VALUES_AND",
    "NO_FAULT",
    "ONE_BURST_THROTTLES_EVERY_TOKEN",
    "OPENAPI_REQUIRES_TOKEN",
    "PERIOD_IGNORED",
    "POST_SKIPS_AUTH",
    "RANGE_BOUNDS_EXCLUSIVE",
    "RETRY_AFTER_TOO_SHORT",
    "SCHEMA_DRIFT_V2",
    "SERVER_ERROR_ON_TOP_ZERO",
    "SKIP_OVERLAP",
    "SLOW_RESPONSES",
    "SORT_DESC_IGNORED",
    "THROTTLES_WITHOUT_RETRY_AFTER",
    "TOKEN_500_ON_BAD_BODY",
    "TOKEN_ENDPOINT_NEVER_THROTTLES",
    "TOKEN_LIFETIME_MISMATCH",
    "TOP_EXCEEDED",
    "TOTAL_COUNTS_PAGE",
    "V2_HIDES_OUT_OF_STOCK",
    "Fault",
    "FaultSwitch",
]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    targets: tuple[str, ...]


def _catalogue(*faults: Fault) -> dict[str, Fault]:
    return {fault.name: fault for fault in faults}


EXPIRED_TOKEN_ACCEPTED = Fault("expired-token-accepted", "tokens past `exp` are still accepted", ("auth",))
POST_SKIPS_AUTH = Fault(
    "post-skips-auth", "POST data requests are answered without checking the token", ("auth", "fuzz")
)
ALG_NONE_ACCEPTED = Fault("alg-none-accepted", "a token re-encoded with `alg: none` is accepted", ("auth",))
FOREIGN_TOKEN_ACCEPTED = Fault(
    "foreign-token-accepted",
    "a token of any version of the customer is accepted (audience not checked, one shared key)",
    ("auth",),
)
TOKEN_LIFETIME_MISMATCH = Fault(
    "token-lifetime-mismatch", "`expiresIn` says 3600 but the JWT's `exp - iat` is 600", ("auth",)
)
TOKEN_500_ON_BAD_BODY = Fault(
    "token-500-on-bad-body", "the token endpoint answers 500 to a body that is not JSON", ("auth",)
)
AUDIENCE_UNCHECKED = Fault(
    "audience-unchecked",
    "OAuth2 tokens are accepted by every protected version whatever their `aud` (the signature is checked)",
    ("auth",),
)
EXPIRED_OAUTH_TOKEN_ACCEPTED = Fault(
    "expired-oauth-token-accepted",
    "OAuth2 tokens past `exp` are still accepted (destination-flow tokens still expire)",
    ("auth",),
)
INVALID_CLIENT_500 = Fault(
    "invalid-client-500",
    "the OAuth2 token endpoint answers bad client credentials (`invalid_client`) with 500",
    ("auth",),
)
EXPIRES_IN_BEYOND_EXP = Fault(
    "expires-in-beyond-exp", "OAuth2 answers say `expires_in` is twice the JWT's `exp - iat`", ("auth",)
)
MISSING_WWW_AUTHENTICATE = Fault(
    "missing-www-authenticate", "401 answers carry no `WWW-Authenticate` header", ("auth",)
)
OPENAPI_REQUIRES_TOKEN = Fault(
    "openapi-requires-token", "the OpenAPI document itself needs a token", ("fuzz", "smoke")
)
SCHEMA_DRIFT_V2 = Fault(
    "schema-drift-v2",
    "v2 `products` answers `price` as a string; the document still says number (v1, v3 fine)",
    ("fuzz",),
)
SERVER_ERROR_ON_TOP_ZERO = Fault("server-error-on-top-zero", "`top=0` answers 500", ("fuzz",))
EMPTY_RESULTS_NULL = Fault(
    "empty-results-null", 'a query that matches nothing answers `"results": null`', ("shape",)
)
EMPTY_RESULTS_404 = Fault("empty-results-404", "a query that matches nothing answers 404", ("shape",))
ENVELOPE_MISSING_LANGUAGE = Fault(
    "envelope-missing-language", "answers lack the `language` key", ("smoke", "shape", "fuzz")
)
TOP_EXCEEDED = Fault("top-exceeded", "one more result than `top`", ("shape", "filters"))
MUST_VALUES_AND = Fault(
    "must-values-and", "several values of one `must` property are AND-ed, not OR-ed", ("filters",)
)
MUSTNOT_IGNORED = Fault("mustnot-ignored", "`mustNot` is ignored", ("filters",))
RANGE_BOUNDS_EXCLUSIVE = Fault(
    "range-bounds-exclusive",
    "`gte`/`lte` behave like `gt`/`lt` (items on the bound are lost)",
    ("filters",),
)
GET_FILTER_PREFIX_MATCH = Fault(
    "get-filter-prefix-match",
    "GET property filters match by prefix, POST `must` by equality",
    ("filters",),
)
SKIP_OVERLAP = Fault("skip-overlap", "`skip` pages overlap by one item", ("filters",))
AFTER_INCLUSIVE = Fault("after-inclusive", "keyset `after` includes the cursor item", ("filters",))
SORT_DESC_IGNORED = Fault("sort-desc-ignored", "`sortDesc` sorts ascending", ("filters",))
PERIOD_IGNORED = Fault("period-ignored", "`periodSince` / `period` are ignored", ("filters",))
TOTAL_COUNTS_PAGE = Fault(
    "total-counts-page", "`total` is the page length, not the match count", ("filters", "shape")
)
FACET_COUNTS_UNFILTERED = Fault("facet-counts-unfiltered", "facet counts ignore the filter", ("filters",))
FACET_SIZE_IGNORED = Fault(
    "facet-size-ignored", "facets return every value, past their configured size", ("filters",)
)
LANGUAGE_IGNORED = Fault(
    "language-ignored",
    "localized values are English whatever the language (the envelope still echoes it)",
    ("filters",),
)
V2_HIDES_OUT_OF_STOCK = Fault(
    "v2-hides-out-of-stock",
    "v2 silently drops items with `stock == 0` (same document as v1)",
    ("filters",),
)
SLOW_RESPONSES = Fault("slow-responses", "every data request takes 1.5 s", ("fuzz", "smoke"))
HANG = Fault("hang", "data requests never answer (the harness's timeout must cut them off)", ("smoke",))
THROTTLES_WITHOUT_RETRY_AFTER = Fault(
    "throttles-without-retry-after",
    "with `[reference] rate_limit`: a 429 over the data limit carries no `Retry-After`",
    ("ratelimit",),
)
RETRY_AFTER_TOO_SHORT = Fault(
    "retry-after-too-short",
    "with `[reference] rate_limit`: a 429's `Retry-After` is 0, shorter than the real wait",
    ("ratelimit",),
)
TOKEN_ENDPOINT_NEVER_THROTTLES = Fault(
    "token-endpoint-never-throttles",
    "with `[reference] rate_limit`: the token endpoint takes any number of requests",
    ("ratelimit",),
)
ONE_BURST_THROTTLES_EVERY_TOKEN = Fault(
    "one-burst-throttles-every-token",
    "with `[reference] rate_limit`: the data limit is counted for all applications together, so one "
    "application's burst throttles every token",
    ("ratelimit",),
)

FAULTS: dict[str, Fault] = _catalogue(
    EXPIRED_TOKEN_ACCEPTED,
    POST_SKIPS_AUTH,
    ALG_NONE_ACCEPTED,
    FOREIGN_TOKEN_ACCEPTED,
    TOKEN_LIFETIME_MISMATCH,
    TOKEN_500_ON_BAD_BODY,
    AUDIENCE_UNCHECKED,
    EXPIRED_OAUTH_TOKEN_ACCEPTED,
    INVALID_CLIENT_500,
    EXPIRES_IN_BEYOND_EXP,
    MISSING_WWW_AUTHENTICATE,
    OPENAPI_REQUIRES_TOKEN,
    SCHEMA_DRIFT_V2,
    SERVER_ERROR_ON_TOP_ZERO,
    EMPTY_RESULTS_NULL,
    EMPTY_RESULTS_404,
    ENVELOPE_MISSING_LANGUAGE,
    TOP_EXCEEDED,
    MUST_VALUES_AND,
    MUSTNOT_IGNORED,
    RANGE_BOUNDS_EXCLUSIVE,
    GET_FILTER_PREFIX_MATCH,
    SKIP_OVERLAP,
    AFTER_INCLUSIVE,
    SORT_DESC_IGNORED,
    PERIOD_IGNORED,
    TOTAL_COUNTS_PAGE,
    FACET_COUNTS_UNFILTERED,
    FACET_SIZE_IGNORED,
    LANGUAGE_IGNORED,
    V2_HIDES_OUT_OF_STOCK,
    SLOW_RESPONSES,
    HANG,
    THROTTLES_WITHOUT_RETRY_AFTER,
    RETRY_AFTER_TOO_SHORT,
    TOKEN_ENDPOINT_NEVER_THROTTLES,
    ONE_BURST_THROTTLES_EVERY_TOKEN,
)


@dataclass(frozen=True)
class FaultSwitch:
    """The fault one server instance runs with, or none."""

    active: Fault | None = None

    @classmethod
    def named(cls, name: str | None) -> FaultSwitch:
        """The switch for a fault name ("" or None: none); an unknown name is a `ValueError` listing them."""
        if not name:
            return NO_FAULT
        if name not in FAULTS:
            known = ", ".join(sorted(FAULTS))
            raise ValueError(f"unknown fault {name!r}; known faults: {known}")
        return cls(FAULTS[name])

    def on(self, fault: Fault) -> bool:
        # Identity, not equality: only the catalogue's own constants can switch server behaviour.
        return self.active is fault


NO_FAULT = FaultSwitch()
