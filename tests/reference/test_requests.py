"""Every request feature of the contract, checked against answers computed here from the catalogue itself."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from destwatch.reference import catalogue
from destwatch.reference.query import parse_instant
from kit.refclient import FEED, V1, V2, V3, RefClient, base_path


def _rows(language: str = "en", table: str = "products") -> tuple[dict[str, Any], ...]:
    return catalogue.table(table, language)


def _ids(rows: Any) -> list[str]:
    return [row["id"] if isinstance(row, dict) else row for row in rows]


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


# -- paging and shape ------------------------------------------------------------------------------------


def test_no_parameters_gives_the_first_50_in_id_order(ref_client: RefClient) -> None:
    body = _ok(ref_client.get(V1, "products"))
    assert body["language"] == "en"
    assert _ids(body["results"]) == _ids(_rows()[:50])
    assert "total" not in body and [f["propertyId"] for f in body["facets"]] == ["category", "brand", "color"]


def test_results_hold_exactly_the_version_fields(ref_client: RefClient) -> None:
    v1 = _ok(ref_client.get(V1, "products", top=1))["results"][0]
    v2 = _ok(ref_client.get(V2, "products", top=1))["results"][0]
    v3 = _ok(ref_client.get(V3, "products", top=1))["results"][0]
    assert set(v1) == {"id", "title", "brand", "category", "color", "price", "stock", "changed"}
    assert set(v2) == set(v1) | {"rating"}
    assert set(v3) == set(v2) - {"brand"} | {"brandName"} and v3["brandName"] == v1["brand"]


@pytest.mark.parametrize(("top", "skip"), [(7, 10), (0, 0), (1000, 0), (50, 1190), (5, 5000)])
def test_top_and_skip_select_the_right_slice(ref_client: RefClient, top: int, skip: int) -> None:
    expected = _ids(_rows()[skip : skip + top])
    assert _ids(_ok(ref_client.get(V1, "products", top=top, skip=skip))["results"]) == expected
    assert _ids(_ok(ref_client.post(V1, "products", {"top": top, "skip": skip}))["results"]) == expected


def test_no_match_answers_an_empty_results_array(ref_client: RefClient) -> None:
    body = _ok(
        ref_client.post(V1, "products", {"filter": [{"must": {"id": ["NW-0"]}}], "includeTotals": True})
    )
    assert body["results"] == [] and body["total"] == 0
    assert all(facet["values"] == [] for facet in body["facets"])


def test_list_ids_returns_id_strings(ref_client: RefClient) -> None:
    body = _ok(ref_client.get(V1, "products", listIds="true", top=5, skip=3))
    assert body["results"] == _ids(_rows()[3:8])
    assert _ok(ref_client.post(V1, "products", {"listIds": True, "top": 2}))["results"] == [
        "NW-10001",
        "NW-10002",
    ]


def test_total_counts_every_match_whatever_the_page(ref_client: RefClient) -> None:
    expected = sum(row["category"] == "Shoes" for row in _rows())
    for params in ({}, {"top": 1}, {"skip": 30}, {"after": "NW-10500"}):
        body = _ok(ref_client.get(V1, "products", category="Shoes", includeTotals="true", **params))
        assert body["total"] == expected


# -- language ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "sv", "de"])
def test_language_localizes_values_and_headers(ref_client: RefClient, language: str) -> None:
    body = _ok(ref_client.get(V2, "products", language=language, top=20))
    assert body["language"] == language
    assert body["results"] == list(_rows(language)[:20])
    headers = {facet["propertyId"]: facet["header"] for facet in body["facets"]}
    assert headers["category"] == {"en": "Category", "sv": "Kategori", "de": "Kategorie"}[language]


def test_post_language_from_body_wins_over_query(ref_client: RefClient) -> None:
    assert _ok(ref_client.post(V1, "products", {"top": 1}, language="de"))["language"] == "de"
    assert (
        _ok(ref_client.post(V1, "products", {"top": 1, "language": "sv"}, language="de"))["language"] == "sv"
    )


def test_feed_languages_are_en_and_sv_only(ref_client: RefClient) -> None:
    assert _ok(ref_client.get(FEED, "feed", language="sv", top=1))["results"][0] == _rows("sv", "feed")[0]
    assert ref_client.get(FEED, "feed", language="de").status_code == 400


# -- sorting and keyset paging -------------------------------------------------------------------------------


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_sort_orders_with_ties_broken_by_id_ascending(ref_client: RefClient, descending: bool) -> None:
    expected = sorted(_rows(), key=lambda r: (-r["price"] if descending else r["price"], r["id"]))
    params = {"sortDesc" if descending else "sortAsc": "price", "top": 300}
    assert _ids(_ok(ref_client.get(V1, "products", **params))["results"]) == _ids(expected[:300])
    body = {"sortDesc" if descending else "sortAsc": ["price"], "top": 300}
    assert _ids(_ok(ref_client.post(V1, "products", body))["results"]) == _ids(expected[:300])


def test_post_sorts_on_several_keys_in_order(ref_client: RefClient) -> None:
    expected = sorted(_rows("sv"), key=lambda r: (r["category"], -r["stock"], r["id"]))
    body = {"sortAsc": ["category"], "sortDesc": ["stock"], "language": "sv", "top": 400}
    assert _ids(_ok(ref_client.post(V1, "products", body))["results"]) == _ids(expected[:400])


def test_after_pages_through_everything_exactly_once(ref_client: RefClient) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"sortAsc": "id", "top": 250, "listIds": "true"}
        if cursor:
            params["after"] = cursor
        page = _ok(ref_client.get(V1, "products", **params))["results"]
        seen += page
        if len(page) < 250:
            break
        cursor = page[-1]
    assert seen == _ids(_rows())


def test_after_with_sort_desc_id_goes_backwards(ref_client: RefClient) -> None:
    body = _ok(ref_client.post(V1, "products", {"sortDesc": ["id"], "after": ["NW-10010"], "listIds": True}))
    assert body["results"] == [f"NW-{n}" for n in range(10009, 10000, -1)]


# -- period -----------------------------------------------------------------------------------------------


def test_period_since_keeps_changes_at_or_after_the_instant(ref_client: RefClient) -> None:
    since = "2026-06-01T00:00:00+02:00"  # an offset: 2026-05-31T22:00:00Z
    expected = [row["id"] for row in _rows() if row["changed"] >= "2026-05-31T22:00:00Z"]
    body = _ok(
        ref_client.get(V1, "products", periodSince=since, listIds="true", top=1000, includeTotals="true")
    )
    assert body["results"] == expected[:1000] and body["total"] == len(expected)


def test_post_period_since_before_is_half_open(ref_client: RefClient) -> None:
    boundary = next(row["changed"] for row in _rows())
    expected = [row["id"] for row in _rows() if "2026-03-01T00:00:00Z" <= row["changed"] < boundary]
    body = {"period": {"since": "2026-03-01T00:00:00Z", "before": boundary}, "listIds": True, "top": 1000}
    assert _ok(ref_client.post(V1, "products", body))["results"] == expected


def test_parse_instant_handles_rfc3339_edge_forms() -> None:
    assert parse_instant("1970-01-01T00:00:00Z") == 0
    assert parse_instant("1970-01-01t01:00:00.999+01:00") == 0
    assert parse_instant("2026-01-01T00:00:00Z") == 1767225600
    assert parse_instant("0000-01-01T00:00:00Z") < parse_instant("0001-01-01T00:00:00Z")


# -- filters ----------------------------------------------------------------------------------------------


def test_get_property_filter_is_equality_in_the_language(ref_client: RefClient) -> None:
    expected = [row["id"] for row in _rows("sv") if row["category"] == "Skor"]
    body = _ok(ref_client.get(V1, "products", category="Skor", language="sv", listIds="true", top=1000))
    assert body["results"] == expected
    assert _ok(ref_client.get(V1, "products", category="Shoes", language="sv"))["results"] == []
    assert _ok(ref_client.get(V1, "products", category="Sho"))["results"] == []


def test_must_values_are_alternatives_and_properties_all_apply(ref_client: RefClient) -> None:
    rows = _rows()
    body = {
        "filter": [{"must": {"category": ["Shoes", "Bags"], "color": ["Red"]}}],
        "listIds": True,
        "top": 1000,
    }
    expected = [r["id"] for r in rows if r["category"] in ("Shoes", "Bags") and r["color"] == "Red"]
    assert expected and _ok(ref_client.post(V1, "products", body))["results"] == expected


def test_must_not_excludes_items_with_any_listed_value(ref_client: RefClient) -> None:
    body = {"filter": [{"mustNot": {"brand": ["Aurora", "Ember"]}}], "includeTotals": True, "listIds": True}
    expected = [r["id"] for r in _rows() if r["brand"] not in ("Aurora", "Ember")]
    answer = _ok(ref_client.post(V1, "products", body))
    assert answer["total"] == len(expected) and answer["results"] == expected[:50]


def test_range_gte_lte_include_the_bounds_and_gt_lt_exclude_them(ref_client: RefClient) -> None:
    def ids(bounds: dict[str, float]) -> list[str]:
        body = {"filter": [{"range": {"price": bounds}}], "listIds": True, "top": 1000}
        return _ok(ref_client.post(V1, "products", body))["results"]

    rows = _rows()
    inclusive = [r["id"] for r in rows if 19.95 <= r["price"] <= 49.95]
    exclusive = [r["id"] for r in rows if 19.95 < r["price"] < 49.95]
    assert ids({"gte": 19.95, "lte": 49.95}) == inclusive
    assert ids({"gt": 19.95, "lt": 49.95}) == exclusive
    assert len(inclusive) > len(exclusive)


def test_stock_range_and_filter_elements_are_and_ed(ref_client: RefClient) -> None:
    body = {
        "filter": [{"range": {"stock": {"lte": 0}}}, {"must": {"category": ["Hats"]}}],
        "listIds": True,
        "top": 1000,
    }
    expected = [r["id"] for r in _rows() if r["stock"] == 0 and r["category"] == "Hats"]
    assert expected and _ok(ref_client.post(V1, "products", body))["results"] == expected


def test_v3_filters_on_brand_name(ref_client: RefClient) -> None:
    expected = [r["id"] for r in _rows() if r["brand"] == "Lumen"][:50]
    assert _ids(_ok(ref_client.get(V3, "products", brandName="Lumen"))["results"]) == expected
    assert ref_client.get(V3, "products", brand="Lumen").status_code == 400


def test_variants_filter_on_product_id(ref_client: RefClient) -> None:
    body = _ok(ref_client.get(V2, "variants", productId="NW-10042"))
    assert _ids(body["results"]) == ["NW-10042-1", "NW-10042-2", "NW-10042-3"]


def test_search_matches_substrings_of_chosen_properties(ref_client: RefClient) -> None:
    body = {
        "search": ["sneaker"],
        "searchOn": ["title"],
        "caseInsensitiveSearch": True,
        "listIds": True,
        "top": 999,
    }
    expected = [r["id"] for r in _rows() if "sneaker" in r["title"].casefold()]
    assert expected and _ok(ref_client.post(V1, "products", body))["results"] == expected
    assert _ok(ref_client.post(V1, "products", {**body, "caseInsensitiveSearch": False}))["results"] == []


# -- facets -----------------------------------------------------------------------------------------------


def test_facets_are_counted_over_the_filtered_set(ref_client: RefClient) -> None:
    body = _ok(ref_client.get(V1, "products", color="Blue", includeTotals="true", top=1))
    blue = [r for r in _rows() if r["color"] == "Blue"]
    facets = {facet["propertyId"]: facet for facet in body["facets"]}
    assert facets["color"]["values"] == [{"key": "Blue", "count": len(blue)}]
    categories = Counter(r["category"] for r in blue)
    expected = sorted(categories.items(), key=lambda item: (-item[1], item[0]))
    assert [(v["key"], v["count"]) for v in facets["category"]["values"]] == expected


def test_facets_stop_at_their_configured_size(ref_client: RefClient) -> None:
    body = _ok(ref_client.get(V1, "products"))
    brand = next(facet for facet in body["facets"] if facet["propertyId"] == "brand")
    expected = sorted(Counter(r["brand"] for r in _rows()).items(), key=lambda item: (-item[1], item[0]))[:8]
    assert [(v["key"], v["count"]) for v in brand["values"]] == expected


# -- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"bogus": "1"},
        {"top": "abc"},
        {"top": "1001"},
        {"top": "-1"},
        {"top": "1.5"},
        {"skip": "-1"},
        {"language": "fr"},
        {"sortAsc": "nope"},
        {"includeTotals": "yes"},
        {"periodSince": "yesterday"},
        {"periodSince": "2026-02-30T00:00:00Z"},
    ],
    ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()),
)
def test_get_parameters_the_document_forbids_get_400(ref_client: RefClient, params: dict[str, str]) -> None:
    response = ref_client.get(V1, "products", **params)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request" and response.json()["detail"]


def test_duplicate_scalar_parameter_gets_400(ref_client: RefClient) -> None:
    response = ref_client.http.get(f"{base_path(V1)}/products?top=1&top=2", headers=ref_client.auth(V1))
    assert response.status_code == 400 and "more than once" in response.json()["detail"]


def test_v3_refuses_the_dropped_period_since(ref_client: RefClient) -> None:
    assert ref_client.get(V2, "products", periodSince="2026-01-01T00:00:00Z").status_code == 200
    assert ref_client.get(V3, "products", periodSince="2026-01-01T00:00:00Z").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"bogus": 1},
        {"top": "5"},
        {"top": 5.0},
        {"top": True},
        {"filter": [{"must": {"title": ["x"]}}]},
        {"filter": [{"must": {"category": "Shoes"}}]},
        {"filter": [{"must": {"category": []}}]},
        {"filter": [{"range": {"category": {"gte": 1}}}]},
        {"filter": [{"range": {"price": {"between": [1, 2]}}}]},
        {"after": ["NW-10001", "NW-10002"]},
        {"period": {"since": "not a date"}},
        {"sortAsc": "price"},
        [],
        "top",
    ],
    ids=lambda body: str(body)[:40],
)
def test_post_bodies_the_document_forbids_get_400(ref_client: RefClient, body: Any) -> None:
    response = ref_client.post(V1, "products", body)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{", "application/json"),
        (b"", "application/json"),
        (b'{"top": NaN}', "application/json"),
        (b'{"top": 1e999}', "application/json"),
        (b"\xff", "application/json"),
        (b'{"top": 1}', "text/plain"),
    ],
    ids=["truncated", "empty", "nan", "infinite", "not-utf8", "text-plain"],
)
def test_malformed_post_bodies_get_400(ref_client: RefClient, content: bytes, content_type: str) -> None:
    headers = {**ref_client.auth(V1), "Content-Type": content_type}
    response = ref_client.http.post(f"{base_path(V1)}/products", content=content, headers=headers)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


@pytest.mark.parametrize(
    "path",
    [
        "/acme/productCatalog/v1/products",
        "/northwind/unknown/v1/products",
        "/northwind/productCatalog/v4/products",
        "/northwind/productCatalog/v1/variants",
        "/northwind/productCatalog/v1",
        "/",
    ],
)
def test_unknown_customer_destination_version_or_endpoint_gets_404(ref_client: RefClient, path: str) -> None:
    response = ref_client.http.get(path, headers=ref_client.auth(V1))
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_undeclared_methods_get_405_with_allow(ref_client: RefClient, method: str) -> None:
    response = ref_client.http.request(method, f"{base_path(V1)}/products", headers=ref_client.auth(V1))
    assert response.status_code == 405 and {"GET", "POST"} <= set(response.headers["allow"].split(", "))
    document = ref_client.http.post(f"{base_path(V1)}/openapi", headers=ref_client.auth(V1))
    assert document.status_code == 405 and "GET" in document.headers["allow"]


def test_head_is_answered_like_get_without_a_body(ref_client: RefClient) -> None:
    response = ref_client.http.head(
        f"{base_path(V1)}/products", headers=ref_client.auth(V1), params={"top": 3}
    )
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(ref_client.get(V1, "products", top=3).content)
