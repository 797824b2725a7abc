"""Document variants: the reference destination configured the way other owners configure theirs.

Real destinations are configured in Occtoo Studio, so their OpenAPI documents differ from the reference's in
which method declares what, how filters and facets are written, how big the data is and how it sorts. A
variant is one such configuration: a `northwind(...)` customer whose documents and validation come from the
same values (as the default's do), so the server enforces exactly what each variant's document says. A
variant never changes destinations, versions, destination ids or applications, nor adds a language, so one
targets.toml serves them all, plus the variant's `settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from destwatch.reference.catalogue import Dataset
from destwatch.reference.model import GET, POST, REFERENCE, Customer, Style, northwind

__all__ = ["VARIANTS", "Variant", "variant_customer"]


@dataclass(frozen=True)
class Variant:
    name: str
    # One line: what differs from the default document.
    description: str
    # targets.toml settings the destination's owner would set for it (often none).
    settings: Mapping[str, Any] = field(hash=False)
    # What the server serves under this variant.
    customer: Customer = field(repr=False)

    def __post_init__(self) -> None:
        # Read-only: `VARIANTS` is shared by every server and test of a process.
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))


def _catalogue(*variants: Variant) -> dict[str, Variant]:
    return {variant.name: variant for variant in variants}


def _facet_sizes(customer: Customer) -> dict[str, int]:
    """Every facet's size as `endpoint.propertyId`, for a document that does not state them."""
    return {
        f"{endpoint.id}.{facet.property_id}": facet.size
        for _, version in customer.versions()
        for endpoint in version.endpoints
        for facet in endpoint.facets
    }


_UNSIZED_FACETS = northwind(Style(facet_sizes_declared=False))

VARIANTS: dict[str, Variant] = _catalogue(
    Variant(
        "totals-post-only",
        "`includeTotals` is declared on POST only; a GET with it is a 400",
        {},
        northwind(Style(get=replace(GET, include_totals=False))),
    ),
    Variant(
        "list-ids-get-only",
        "`listIds` is a GET query parameter only; the POST body has no `listIds`",
        {},
        northwind(Style(post=replace(POST, list_ids=False))),
    ),
    Variant(
        "sort-post-only",
        "`sortAsc` / `sortDesc` are POST body fields only; GET has neither",
        {},
        northwind(Style(get=replace(GET, sort=False))),
    ),
    Variant(
        "after-get-only",
        "`after` is a GET query parameter only; the POST body has no `after`",
        {},
        northwind(Style(post=replace(POST, after=False))),
    ),
    Variant(
        "language-get-only",
        "POST declares no language (no query parameter, no body field) and answers in the default language",
        {},
        northwind(Style(post=replace(POST, language=False, language_query=False))),
    ),
    Variant(
        "language-post-only",
        "GET has no `language` (answers in the default language); POST takes it in the body only",
        {},
        northwind(Style(get=replace(GET, language=False), post=replace(POST, language_query=False))),
    ),
    Variant(
        "must-open-map",
        "`filter.must` / `mustNot` are open maps: any string property filters, unknown keys match nothing",
        {},
        northwind(Style(open_filter_maps=True)),
    ),
    Variant(
        "range-gte-lte-only",
        "range conditions offer only `gte` and `lte`; `gt` / `lt` are a 400",
        {},
        northwind(Style(range_operators=("gte", "lte"))),
    ),
    Variant(
        "no-facets",
        "no endpoint has facets: no `facets` in documents or answers",
        {},
        northwind(facets=False),
    ),
    Variant(
        "facets-unsized",
        "facets are one item schema (`propertyId` an enum of every facet) with no `maxItems`: sizes unstated",
        {"facet_sizes": _facet_sizes(_UNSIZED_FACETS)},
        _UNSIZED_FACETS,
    ),
    Variant(
        "two-date-times",
        "results also hold `created` (at or before `changed`); the period still filters on `changed`",
        {},
        northwind(data=Dataset(created=True)),
    ),
    Variant(
        "top-50-large",
        "`top` is at most 50, and the catalogue holds 3,000 products (9,000 variants)",
        {},
        northwind(Style(max_top=50), Dataset(products=3000)),
    ),
    Variant(
        "case-insensitive-sort",
        "string sorts are case-insensitive, and some brand names start lowercase (`ember`, `isbrytare`)",
        {"sort_collation": "case-insensitive"},
        northwind(Style(sort_collation="case-insensitive"), Dataset(lowercase_brands=True)),
    ),
    Variant(
        "nothing-localized",
        "no value is localized: every language answers the English values (facet headers stay localized)",
        {"localized_properties": []},
        northwind(data=Dataset(localized=False)),
    ),
    Variant(
        "six-endpoints",
        "productCatalog v2 and v3 have six endpoints: products, variants, fullproductdata, prices, stock, "
        "outlet",
        {},
        northwind(more_endpoints=True),
    ),
    Variant(
        "null-property",
        "products carry a nullable `released` property that is null in every answer",
        {},
        northwind(data=Dataset(unreleased=True)),
    ),
    Variant(
        "single-valued-filter",
        "every product and variant has the same color: a filter key with one value across the data",
        {},
        northwind(data=Dataset(one_color=True)),
    ),
    Variant(
        "one-language",
        "every version declares and answers English only",
        {},
        northwind(languages=("en",)),
    ),
    Variant(
        "unprotected-declares-security",
        "googleMarketplace v1 stays unprotected but its document declares bearer security",
        {},
        northwind(Style(security_on_unprotected=True)),
    ),
)


def variant_customer(name: str | None) -> Customer:
    """The customer a variant serves ("" or None: the default); unknown names are a `ValueError`."""
    if not name:
        return REFERENCE
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; known variants: {', '.join(VARIANTS)}")
    return VARIANTS[name].customer
