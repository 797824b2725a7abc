"""Each document variant does, over HTTP, what its description says; every variant keeps the reference's
destinations and ids, publishes valid OpenAPI 3.0 documents, and combines with the seeded faults.

Expected answers are computed here from the catalogue itself, with the variant's own dataset.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from destwatch.reference import REFERENCE, VARIANTS, Customer, Variant, Version, catalogue, create_app, faults
from destwatch.reference.faults import Fault
from destwatch.reference.openapi import build_document
from kit.refclient import FEED, V1, V2, V3, RefClient, base_path

Serving = Callable[[str], RefClient]
Row = dict[str, Any]

_NAMES = [
    "totals-post-only",
    "list-ids-get-only",
    "sort-post-only",
    "after-get-only",
    "language-get-only",
    "language-post-only",
    "must-open-map",
    "range-gte-lte-only",
    "no-facets",
    "facets-unsized",
    "two-date-times",
    "top-50-large",
    "case-insensitive-sort",
    "nothing-localized",
    "six-endpoints",
    "null-property",
    "single-valued-filter",
    "one-language",
    "unprotected-declares-security",
]
_ALL = (V1, V2, V3, FEED)
_ENDPOINTS = {V1: "products", V2: "variants", V3: "products", FEED: "feed"}


def _rows(variant: str, table: str = "products", language: str = "en") -> tuple[Row, ...]:
    return catalogue.table(table, language, VARIANTS[variant].customer.data)


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def _refused(response: httpx.Response) -> bool:
    return response.status_code == 400 and response.json()["error"] == "bad_request"


def _document(client: RefClient, version: Version) -> dict[str, Any]:
    response = client.http.get(f"{base_path(version)}/openapi")
    assert response.status_code == 200, response.text
    return response.json()


def _get_parameters(document: dict[str, Any], endpoint: str) -> set[str]:
    return {param["name"] for param in document["paths"][f"/{endpoint}"]["get"]["parameters"]}


def _post_parameters(document: dict[str, Any], endpoint: str) -> set[str]:
    return {param["name"] for param in document["paths"][f"/{endpoint}"]["post"].get("parameters", [])}


def _body_fields(document: dict[str, Any], endpoint: str) -> set[str]:
    return set(document["components"]["schemas"][f"{endpoint}Query"]["properties"])


def _outline(customer: Customer) -> list[tuple[Any, ...]]:
    return [
        (dest.name, v.name, v.destination_id, v.protected, v.applications) for dest, v in customer.versions()
    ]


def _languages(customer: Customer) -> list[tuple[str, ...]]:
    return [v.languages for _, v in customer.versions()]


# -- the catalogue of variants -------------------------------------------------------------------------------


def test_variants_are_the_named_nineteen_each_described_in_one_line() -> None:
    assert list(VARIANTS) == _NAMES
    for name, variant in VARIANTS.items():
        assert variant.name == name and isinstance(variant.settings, Mapping)
        assert variant.description and "\n" not in variant.description


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=lambda variant: variant.name)
def test_variant_keeps_destinations_versions_ids_applications_and_adds_no_language(variant: Variant) -> None:
    assert _outline(variant.customer) == _outline(REFERENCE)
    for languages, default in zip(_languages(variant.customer), _languages(REFERENCE), strict=True):
        assert languages == default[: len(languages)]


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=lambda variant: variant.name)
def test_every_document_of_every_variant_is_valid_openapi_3(variant: Variant) -> None:
    for dest, version in variant.customer.versions():
        url = f"http://127.0.0.1:1/{variant.customer.name}/{dest.name}/{version.name}"
        validate(build_document(variant.customer.name, dest.name, version, url))


def test_unknown_variant_is_a_value_error_listing_the_names() -> None:
    with pytest.raises(ValueError, match=r"unknown variant 'nope'.*totals-post-only.*six-endpoints"):
        create_app(variant="nope")


def test_a_variant_and_a_customer_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        create_app(variant="no-facets", customer=REFERENCE)


# -- request surfaces ----------------------------------------------------------------------------------------


def test_totals_post_only(ref_variant: Serving) -> None:
    client = ref_variant("totals-post-only")
    for version in _ALL:
        endpoint = _ENDPOINTS[version]
        assert _refused(client.get(version, endpoint, includeTotals="true"))
        assert "total" in _ok(client.post(version, endpoint, {"includeTotals": True}))
        document = _document(client, version)
        assert "includeTotals" not in _get_parameters(document, endpoint)
        assert "includeTotals" in _body_fields(document, endpoint)
    assert _ok(client.post(V1, "products", {"includeTotals": True, "top": 1}))["total"] == 1200


def test_list_ids_get_only(ref_variant: Serving) -> None:
    client = ref_variant("list-ids-get-only")
    assert _refused(client.post(V2, "variants", {"listIds": True}))
    assert _ok(client.get(V2, "variants", listIds="true", top=2))["results"] == ["NW-10001-1", "NW-10001-2"]
    document = _document(client, V2)
    assert "listIds" in _get_parameters(document, "variants")
    assert "listIds" not in _body_fields(document, "variants")


def test_sort_post_only(ref_variant: Serving) -> None:
    client = ref_variant("sort-post-only")
    assert _refused(client.get(V1, "products", sortAsc="price"))
    assert _refused(client.get(V1, "products", sortDesc="price"))
    top = _ok(client.post(V1, "products", {"sortDesc": ["price"], "top": 1}))["results"][0]
    assert top["price"] == max(row["price"] for row in _rows("sort-post-only"))
    document = _document(client, V1)
    assert not {"sortAsc", "sortDesc"} & _get_parameters(document, "products")
    assert {"sortAsc", "sortDesc"} <= _body_fields(document, "products")


def test_after_get_only(ref_variant: Serving) -> None:
    client = ref_variant("after-get-only")
    assert _refused(client.post(V1, "products", {"after": ["NW-10010"]}))
    assert _ok(client.get(V1, "products", after="NW-10010", listIds="true"))["results"][0] == "NW-10011"
    document = _document(client, V1)
    assert "after" in _get_parameters(document, "products")
    assert "after" not in _body_fields(document, "products")


def test_language_get_only(ref_variant: Serving) -> None:
    client = ref_variant("language-get-only")
    assert _refused(client.post(V2, "products", {"language": "sv"}))
    assert _refused(client.post(V2, "products", {}, language="sv"))
    body = _ok(client.post(V2, "products", {"top": 5}))
    assert body["language"] == "en" and body["results"] == list(_rows("language-get-only")[:5])
    assert _ok(client.get(V2, "products", language="sv", top=5))["results"] == list(
        _rows("language-get-only", language="sv")[:5]
    )
    document = _document(client, V2)
    assert "language" in _get_parameters(document, "products")
    assert _post_parameters(document, "products") == set()
    assert "language" not in _body_fields(document, "products")


def test_language_post_only(ref_variant: Serving) -> None:
    client = ref_variant("language-post-only")
    assert _refused(client.get(V2, "products", language="sv"))
    assert _refused(client.post(V2, "products", {}, language="sv"))
    assert _ok(client.get(V2, "products", top=5))["results"] == list(_rows("language-post-only")[:5])
    body = _ok(client.post(V2, "products", {"language": "sv", "top": 5}))
    assert body["language"] == "sv"
    assert body["results"] == list(_rows("language-post-only", language="sv")[:5])
    document = _document(client, V2)
    assert "language" not in _get_parameters(document, "products")
    assert _post_parameters(document, "products") == set()
    assert "language" in _body_fields(document, "products")


# -- filters -------------------------------------------------------------------------------------------------


def _ids(client: RefClient, body: dict[str, Any], version: Version = V1, endpoint: str = "products") -> Any:
    return _ok(client.post(version, endpoint, {**body, "listIds": True, "top": 1000}))["results"]


def _total(client: RefClient, body: dict[str, Any], version: Version = V1, endpoint: str = "products") -> int:
    return _ok(client.post(version, endpoint, {**body, "includeTotals": True, "top": 0}))["total"]


def test_must_open_map_filters_on_any_string_property(ref_variant: Serving) -> None:
    client = ref_variant("must-open-map")
    rows = _rows("must-open-map", language="sv")
    title = rows[5]["title"]
    matching = [row["id"] for row in rows if row["title"] == title]
    assert 1 < len(matching) < len(rows)
    assert _ids(client, {"filter": [{"must": {"title": [title]}}], "language": "sv"}) == matching
    assert _ids(client, {"filter": [{"must": {"title": [title]}}], "language": "en"}) == []
    remaining = _total(client, {"filter": [{"mustNot": {"title": [title]}}], "language": "sv"})
    assert remaining == 1200 - len(matching)
    # The document allows any key: one that is no property matches nothing and excludes nothing.
    assert _ids(client, {"filter": [{"must": {"nope": ["x"]}}]}) == []
    assert _total(client, {"filter": [{"mustNot": {"nope": ["x"]}}]}) == 1200
    # A number never equals a string value.
    assert _ids(client, {"filter": [{"must": {"price": ["19.95"]}}]}) == []
    # GET equality filters stay the listed properties.
    assert _refused(client.get(V1, "products", title=title))
    element = _document(client, V1)["components"]["schemas"]["productsQuery"]["properties"]["filter"]["items"]
    values = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    for key in ("must", "mustNot"):
        assert element["properties"][key] == {"type": "object", "additionalProperties": values}


def test_range_gte_lte_only(ref_variant: Serving) -> None:
    client = ref_variant("range-gte-lte-only")
    for bound in ("gt", "lt"):
        assert _refused(client.post(V1, "products", {"filter": [{"range": {"price": {bound: 19.95}}}]}))
    expected = [row["id"] for row in _rows("range-gte-lte-only") if 19.95 <= row["price"] <= 49.95]
    assert _ids(client, {"filter": [{"range": {"price": {"gte": 19.95, "lte": 49.95}}}]}) == expected
    schemas = _document(client, V2)["components"]["schemas"]
    ranges = schemas["productsQuery"]["properties"]["filter"]["items"]["properties"]["range"]["properties"]
    assert {name: set(bounds["properties"]) for name, bounds in ranges.items()} == {
        "price": {"gte", "lte"},
        "stock": {"gte", "lte"},
        "rating": {"gte", "lte"},
    }


# -- facets --------------------------------------------------------------------------------------------------


def test_no_facets(ref_variant: Serving) -> None:
    client = ref_variant("no-facets")
    for version in _ALL:
        for endpoint in (e.id for e in version.endpoints):
            assert "facets" not in _ok(client.get(version, endpoint, top=1))
            assert "facets" not in _ok(client.post(version, endpoint, {"top": 1}))
        schemas = _document(client, version)["components"]["schemas"]
        assert not [name for name in schemas if name.endswith("Facet")]
        assert all("facets" not in schemas[f"{e.id}ApiResponse"]["properties"] for e in version.endpoints)


def test_facets_unsized_still_cut_to_size_but_declared_without_sizes(ref_variant: Serving) -> None:
    client = ref_variant("facets-unsized")
    facets = {facet["propertyId"]: facet for facet in _ok(client.get(V1, "products"))["facets"]}
    expected = sorted(
        Counter(row["brand"] for row in _rows("facets-unsized")).items(), key=lambda i: (-i[1], i[0])
    )
    assert [(v["key"], v["count"]) for v in facets["brand"]["values"]] == expected[:8]
    schemas = _document(client, V1)["components"]["schemas"]
    assert schemas["productsApiResponse"]["properties"]["facets"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/productsFacet"},
    }
    facet = schemas["productsFacet"]["properties"]
    assert facet["propertyId"]["enum"] == ["category", "brand", "color"]
    assert "maxItems" not in facet["values"]
    assert not [name for name in schemas if name.endswith("Facet") and name != "productsFacet"]
    sizes = VARIANTS["facets-unsized"].settings["facet_sizes"]
    assert sizes["products.brand"] == 8 and sizes["products.brandName"] == 8 and sizes["feed.brand"] == 10


# -- data ----------------------------------------------------------------------------------------------------


def test_two_date_times_period_still_filters_on_changed(ref_variant: Serving) -> None:
    client = ref_variant("two-date-times")
    for version in _ALL:
        endpoint = _ENDPOINTS[version]
        results = _ok(client.get(version, endpoint, top=1000))["results"]
        assert all(row["created"] <= row["changed"] for row in results)
        assert len({row["created"] for row in results}) > 300
    rows = _rows("two-date-times")
    since, before = "2026-05-01T00:00:00Z", "2026-08-01T00:00:00Z"
    expected = [row["id"] for row in rows if row["changed"] >= since]
    assert expected != [row["id"] for row in rows if row["created"] >= since]
    body = _ok(client.get(V1, "products", periodSince=since, listIds="true", top=1000, includeTotals="true"))
    assert body["results"] == expected[:1000] and body["total"] == len(expected)
    window = [row["id"] for row in rows if since <= row["changed"] < before]
    assert _ids(client, {"period": {"since": since, "before": before}}) == window
    document = _document(client, V2)
    since_parameter = next(
        p for p in document["paths"]["/products"]["get"]["parameters"] if p["name"] == "periodSince"
    )
    assert "`changed`" in since_parameter["description"]
    assert (
        "`changed`"
        in document["components"]["schemas"]["productsQuery"]["properties"]["period"]["description"]
    )
    result = document["components"]["schemas"]["variantsResult"]["properties"]
    assert result["created"] == result["changed"] == {"type": "string", "format": "date-time"}


def test_null_property_is_declared_nullable_and_never_populated(ref_variant: Serving) -> None:
    client = ref_variant("null-property")
    results = _ok(client.get(V2, "products", top=1000))["results"]
    assert len(results) == 1000 and all("released" in row and row["released"] is None for row in results)
    assert len({row["color"] for row in results}) > 1
    released = _document(client, V2)["components"]["schemas"]["productsResult"]["properties"]["released"]
    assert released == {"type": "string", "format": "date-time", "nullable": True}
    assert "released" not in _document(client, V2)["components"]["schemas"]["variantsResult"]["properties"]


def test_single_valued_filter_holds_one_color_everywhere(ref_variant: Serving) -> None:
    client = ref_variant("single-valued-filter")
    for endpoint in ("products", "variants"):
        results = _ok(client.get(V2, endpoint, top=1000))["results"]
        assert {row["color"] for row in results} == {"Red"} and len(results) == 1000
        assert "released" not in results[0]
    swedish = _ok(client.get(V2, "products", top=1000, language="sv"))["results"]
    assert {row["color"] for row in swedish} == {"Röd"}
    assert len({row["category"] for row in swedish}) > 1


def test_one_language_is_declared_and_answered(ref_variant: Serving) -> None:
    client = ref_variant("one-language")
    for version in _ALL:
        document = _document(client, version)
        language = document["paths"][f"/{_ENDPOINTS[version]}"]["get"]["parameters"]
        assert next(p for p in language if p["name"] == "language")["schema"]["enum"] == ["en"]
    assert _ok(client.get(V2, "products"))["language"] == "en"
    assert client.get(V2, "products", language="sv").status_code == 400
    results = _ok(client.get(V2, "products", top=1000))["results"]
    assert len({row["color"] for row in results}) > 1 and "released" not in results[0]


def test_top_50_large(ref_variant: Serving) -> None:
    client = ref_variant("top-50-large")
    assert _ok(client.get(V2, "products", includeTotals="true", top=0))["total"] == 3000
    assert _ok(client.get(V2, "variants", includeTotals="true", top=0))["total"] == 9000
    assert _ok(client.get(V1, "products", sortDesc="id", top=1))["results"][0]["id"] == "NW-13000"
    assert len(_ok(client.get(V2, "variants"))["results"]) == 50
    assert _refused(client.get(V2, "variants", top=51))
    assert _refused(client.post(V2, "variants", {"top": 51}))
    top = next(
        p for p in _document(client, V2)["paths"]["/variants"]["get"]["parameters"] if p["name"] == "top"
    )
    assert top["schema"] == {"type": "integer", "minimum": 0, "maximum": 50, "default": 50}


def test_case_insensitive_sort(ref_variant: Serving) -> None:
    client = ref_variant("case-insensitive-sort")
    rows = _rows("case-insensitive-sort")
    assert {"ember", "isbrytare"} <= {row["brand"] for row in rows}
    expected = [row["id"] for row in sorted(rows, key=lambda row: (row["brand"].casefold(), row["id"]))]
    assert expected != [row["id"] for row in sorted(rows, key=lambda row: (row["brand"], row["id"]))]
    get = _ok(client.get(V1, "products", sortAsc="brand", listIds="true", top=1000))["results"]
    assert get == expected[:1000]
    # Descending: reversed collation order, ties still by `id` ascending (Python's reverse sort is stable).
    descending = sorted(rows, key=lambda row: row["brand"].casefold(), reverse=True)
    assert _ids(client, {"sortDesc": ["brandName"]}, V3) == [row["id"] for row in descending][:1000]
    assert VARIANTS["case-insensitive-sort"].settings == {"sort_collation": "case-insensitive"}


def test_nothing_localized(ref_variant: Serving) -> None:
    client = ref_variant("nothing-localized")
    english = _ok(client.get(V2, "products", language="en", top=20))
    for language in ("sv", "de"):
        body = _ok(client.get(V2, "products", language=language, top=20))
        assert body["language"] == language and body["results"] == english["results"]
        assert (
            _ok(client.post(V2, "variants", {"language": language, "top": 20}))["results"]
            == _ok(client.post(V2, "variants", {"top": 20}))["results"]
        )
    swedish = _ok(client.get(V1, "products", language="sv", category="Shoes", top=1))
    headers = {facet["propertyId"]: facet["header"] for facet in swedish["facets"]}
    assert swedish["results"] and headers["category"] == "Kategori"
    assert _ok(client.get(FEED, "feed", language="sv", top=5))["results"] == list(
        _rows("nothing-localized", "feed")[:5]
    )


# -- endpoints and security ----------------------------------------------------------------------------------


_SIX = ["products", "variants", "fullproductdata", "prices", "stock", "outlet"]


def test_six_endpoints(ref_variant: Serving) -> None:
    client = ref_variant("six-endpoints")
    assert list(_document(client, V1)["paths"]) == ["/products"]
    for version in (V2, V3):
        document = _document(client, version)
        assert list(document["paths"]) == [f"/{name}" for name in _SIX]
        assert all(re.fullmatch(r"/[a-z0-9]+", path) for path in document["paths"])
        for name in _SIX:
            assert _ok(client.get(version, name, top=3))["results"]
            assert _ok(client.post(version, name, {"top": 3}))["results"]
    stock = _ok(client.get(V2, "stock", top=1))
    assert set(stock["results"][0]) == {"id", "productId", "size", "stock", "changed"}
    assert [facet["propertyId"] for facet in stock["facets"]] == ["size"]
    assert "facets" not in _ok(client.get(V2, "prices", top=1))
    assert set(_ok(client.get(V3, "outlet", top=1))["results"][0]) == {
        "id",
        "title",
        "brandName",
        "price",
        "rating",
        "changed",
    }
    expected = [row["id"] for row in _rows("six-endpoints", "variants") if row["size"] == "XL"]
    assert _ids(client, {"filter": [{"must": {"size": ["XL"]}}]}, V2, "stock") == expected[:1000]
    # Each endpoint has its own sorts and ranges: `title` is no sort key of fullproductdata.
    assert _refused(client.get(V2, "fullproductdata", sortAsc="title"))
    assert _refused(client.post(V2, "prices", {"filter": [{"range": {"stock": {"gte": 1}}}]}))


def test_unprotected_declares_security(ref_client: RefClient, ref_variant: Serving) -> None:
    client = ref_variant("unprotected-declares-security")
    assert client.http.get(f"{base_path(FEED)}/feed", params={"top": 2}).status_code == 200
    assert client.http.post(f"{base_path(FEED)}/feed", json={"top": 2}).status_code == 200
    token = client.http.post(
        f"/destinations/{FEED.destination_id}/token", json={"clientId": "x", "clientSecret": "y"}
    )
    assert token.status_code == 400 and "accessToken" not in token.json()
    document = _document(client, FEED)
    assert document.pop("security") == [{"bearerAuth": []}]
    assert document["components"].pop("securitySchemes") == {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    # Nothing else differs from the default document: no 401 is declared, because none is ever answered.
    default = _document(ref_client, FEED)
    default["servers"] = document["servers"]
    assert document == default


# -- faults combine with variants ----------------------------------------------------------------------------

Probe = Callable[[RefClient, RefClient], None]


def _mustnot_ignored_on_title(faulty: RefClient, clean: RefClient) -> None:
    title = _rows("must-open-map")[0]["title"]
    body = {"filter": [{"mustNot": {"title": [title]}}]}
    assert _total(faulty, body) == 1200
    assert _total(clean, body) < 1200


def _mustnot_ignored_on_the_one_color(faulty: RefClient, clean: RefClient) -> None:
    body = {"filter": [{"mustNot": {"color": ["Red"]}}]}
    assert _total(faulty, body) == 1200
    assert _total(clean, body) == 0


def _schema_drift_beside_the_null_property(faulty: RefClient, clean: RefClient) -> None:
    (row,) = _ok(faulty.get(V2, "products", top=1))["results"]
    assert isinstance(row["price"], str) and row["released"] is None


def _envelope_missing_language_in_the_one_language(faulty: RefClient, clean: RefClient) -> None:
    assert "language" not in _ok(faulty.get(V2, "products"))
    assert _ok(clean.get(V2, "products"))["language"] == "en"


def _must_values_and_on_title(faulty: RefClient, clean: RefClient) -> None:
    rows = _rows("must-open-map")
    body = {"filter": [{"must": {"title": [rows[0]["title"], rows[1]["title"]]}}]}
    assert _ids(faulty, body) == [] and _ids(clean, body)


def _range_bounds_exclusive_on_gte_lte(faulty: RefClient, clean: RefClient) -> None:
    body = {"filter": [{"range": {"price": {"gte": 19.95, "lte": 19.95}}}]}
    assert _ids(faulty, body) == [] and _ids(clean, body)


def _language_ignored_in_the_body(faulty: RefClient, clean: RefClient) -> None:
    swedish = {"language": "sv", "top": 5}
    assert (
        _ok(faulty.post(V1, "products", swedish))["results"]
        == _ok(clean.post(V1, "products", {"top": 5}))["results"]
    )
    assert (
        _ok(clean.post(V1, "products", swedish))["results"]
        != _ok(clean.post(V1, "products", {"top": 5}))["results"]
    )


def _sort_desc_ignored_in_the_body(faulty: RefClient, clean: RefClient) -> None:
    prices = [
        row["price"]
        for row in _ok(faulty.post(V1, "products", {"sortDesc": ["price"], "top": 300}))["results"]
    ]
    assert prices == sorted(prices) and prices[0] < prices[-1]


def _after_inclusive_on_get(faulty: RefClient, clean: RefClient) -> None:
    assert _ok(faulty.get(V1, "products", after="NW-10010", listIds="true"))["results"][0] == "NW-10010"


def _envelope_missing_language_on_default_language_post(faulty: RefClient, clean: RefClient) -> None:
    assert "language" not in _ok(faulty.post(V1, "products", {"top": 1}))
    assert _ok(clean.post(V1, "products", {"top": 1}))["language"] == "en"


def _total_counts_page_on_post(faulty: RefClient, clean: RefClient) -> None:
    assert _ok(faulty.post(V1, "products", {"includeTotals": True, "top": 3}))["total"] == 3


def _empty_results_null_on_get_list_ids(faulty: RefClient, clean: RefClient) -> None:
    assert _ok(faulty.get(V1, "products", listIds="true", id="NW-0"))["results"] is None


def _server_error_without_facets(faulty: RefClient, clean: RefClient) -> None:
    assert faulty.get(V2, "variants", top=0).status_code == 500
    assert "facets" not in _ok(faulty.get(V2, "variants", top=1))


def _facet_size_ignored_when_sizes_are_unstated(faulty: RefClient, clean: RefClient) -> None:
    brand = next(f for f in _ok(faulty.get(V1, "products"))["facets"] if f["propertyId"] == "brand")
    assert len(brand["values"]) == 12


def _period_ignored_with_two_date_times(faulty: RefClient, clean: RefClient) -> None:
    assert len(_ok(faulty.get(V1, "products", periodSince="2030-01-01T00:00:00Z"))["results"]) == 50


def _top_exceeded_past_the_maximum(faulty: RefClient, clean: RefClient) -> None:
    assert len(_ok(faulty.get(V2, "variants", top=50))["results"]) == 51


def _sort_desc_ignored_case_insensitively(faulty: RefClient, clean: RefClient) -> None:
    brands = [row["brand"] for row in _ok(faulty.get(V1, "products", sortDesc="brand", top=1000))["results"]]
    assert brands == sorted(brands, key=str.casefold) and brands != sorted(brands)


def _prefix_match_in_english(faulty: RefClient, clean: RefClient) -> None:
    found = {
        row["category"] for row in _ok(faulty.get(V1, "products", category="Sh", language="sv"))["results"]
    }
    assert found == {"Shoes", "Shirts"}


def _v2_hides_out_of_stock_everywhere(faulty: RefClient, clean: RefClient) -> None:
    zero = {"filter": [{"range": {"stock": {"lte": 0}}}]}
    assert _total(faulty, zero, V2, "stock") == 0 and _total(faulty, zero, V2, "fullproductdata") == 0
    assert _total(faulty, zero, V3, "stock") > 0


def _envelope_missing_language_on_the_feed(faulty: RefClient, clean: RefClient) -> None:
    assert "language" not in _ok(faulty.http.get(f"{base_path(FEED)}/feed"))


_COMBINED: dict[str, tuple[Fault, Probe]] = {
    "totals-post-only": (faults.TOTAL_COUNTS_PAGE, _total_counts_page_on_post),
    "list-ids-get-only": (faults.EMPTY_RESULTS_NULL, _empty_results_null_on_get_list_ids),
    "sort-post-only": (faults.SORT_DESC_IGNORED, _sort_desc_ignored_in_the_body),
    "after-get-only": (faults.AFTER_INCLUSIVE, _after_inclusive_on_get),
    "language-get-only": (
        faults.ENVELOPE_MISSING_LANGUAGE,
        _envelope_missing_language_on_default_language_post,
    ),
    "language-post-only": (faults.LANGUAGE_IGNORED, _language_ignored_in_the_body),
    "must-open-map": (faults.MUSTNOT_IGNORED, _mustnot_ignored_on_title),
    "range-gte-lte-only": (faults.RANGE_BOUNDS_EXCLUSIVE, _range_bounds_exclusive_on_gte_lte),
    "no-facets": (faults.SERVER_ERROR_ON_TOP_ZERO, _server_error_without_facets),
    "facets-unsized": (faults.FACET_SIZE_IGNORED, _facet_size_ignored_when_sizes_are_unstated),
    "two-date-times": (faults.PERIOD_IGNORED, _period_ignored_with_two_date_times),
    "top-50-large": (faults.TOP_EXCEEDED, _top_exceeded_past_the_maximum),
    "case-insensitive-sort": (faults.SORT_DESC_IGNORED, _sort_desc_ignored_case_insensitively),
    "nothing-localized": (faults.GET_FILTER_PREFIX_MATCH, _prefix_match_in_english),
    "six-endpoints": (faults.V2_HIDES_OUT_OF_STOCK, _v2_hides_out_of_stock_everywhere),
    "null-property": (faults.SCHEMA_DRIFT_V2, _schema_drift_beside_the_null_property),
    "single-valued-filter": (faults.MUSTNOT_IGNORED, _mustnot_ignored_on_the_one_color),
    "one-language": (faults.ENVELOPE_MISSING_LANGUAGE, _envelope_missing_language_in_the_one_language),
    "unprotected-declares-security": (
        faults.ENVELOPE_MISSING_LANGUAGE,
        _envelope_missing_language_on_the_feed,
    ),
}


@pytest.mark.parametrize("variant", list(_COMBINED))
def test_faults_combine_with_variants(
    variant: str, ref_variant: Serving, ref_server_factory: Callable[..., RefClient]
) -> None:
    fault, probe = _COMBINED[variant]
    probe(ref_server_factory(fault=fault.name, variant=variant), ref_variant(variant))


def test_must_values_and_combines_with_open_maps(
    ref_variant: Serving, ref_server_factory: Callable[..., RefClient]
) -> None:
    faulty = ref_server_factory(fault=faults.MUST_VALUES_AND.name, variant="must-open-map")
    _must_values_and_on_title(faulty, ref_variant("must-open-map"))


def test_every_variant_has_a_fault_combined_with_it() -> None:
    assert set(_COMBINED) == set(VARIANTS)
