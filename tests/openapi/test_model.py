"""The endpoint model is read from the document alone: filters, sort keys, ranges, top, facets, features."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.openapi.model import EndpointModel, endpoint_models, resolve
from destwatch.reference.model import REFERENCE
from destwatch.reference.openapi import build_document


def _document(destination: str, version: str) -> dict[str, Any]:
    dest = REFERENCE.destination(destination)
    assert dest is not None
    ver = dest.version(version)
    assert ver is not None
    return build_document(
        "northwind", destination, ver, f"http://127.0.0.1:1/northwind/{destination}/{version}"
    )


@pytest.fixture(scope="module")
def v1_products() -> EndpointModel:
    return endpoint_models(_document("productCatalog", "v1"))["products"]


def test_every_path_of_the_document_is_an_endpoint() -> None:
    assert sorted(endpoint_models(_document("productCatalog", "v2"))) == ["products", "variants"]
    assert list(endpoint_models(_document("googleMarketplace", "v1"))) == ["feed"]


def test_get_filters_are_the_query_parameters_beyond_the_standard_ones(v1_products: EndpointModel) -> None:
    assert v1_products.get is not None
    assert set(v1_products.get.filters) == {"id", "brand", "category", "color"}
    assert not v1_products.get.several_values


def test_must_keys_sort_keys_and_ranges_come_from_the_post_body(v1_products: EndpointModel) -> None:
    post = v1_products.post
    assert post is not None
    assert set(post.filters) == {"id", "brand", "category", "color"} and post.several_values
    assert set(post.must_not) == set(post.filters)
    assert "price" in post.sort_asc and "changed" in post.sort_desc
    assert post.ranges == {"price": ("gt", "gte", "lt", "lte"), "stock": ("gt", "gte", "lt", "lte")}


def test_top_limits_languages_and_features_are_declared_per_method(v1_products: EndpointModel) -> None:
    get, post = v1_products.get, v1_products.post
    assert get is not None and post is not None
    assert (get.max_top, get.default_top, v1_products.top_limit) == (1000, 50, 1000)
    assert v1_products.languages == ("en", "sv", "de")
    for feature in ("includeTotals", "listIds", "after"):
        assert get.declares(feature) and post.declares(feature)
    assert get.declares("periodSince") and post.declares("period") and post.period_before
    assert (get.language_in, post.language_in) == ("query", "body")


def test_result_properties_and_the_period_property_are_typed(v1_products: EndpointModel) -> None:
    assert v1_products.properties["price"] == "number"
    assert v1_products.properties["stock"] == "integer"
    assert v1_products.date_times == ("changed",)
    assert v1_products.facet_schema is not None


def test_facets_and_their_sizes_are_read_from_per_facet_schemas(v1_products: EndpointModel) -> None:
    assert v1_products.facets == {"category": 20, "brand": 8, "color": 20}
    assert endpoint_models(_document("googleMarketplace", "v1"))["feed"].facets == {"brand": 10}


def test_v3_drops_period_since_and_renames_brand() -> None:
    v3 = endpoint_models(_document("productCatalog", "v3"))["products"]
    assert v3.get is not None and v3.post is not None
    assert not v3.get.declares("periodSince") and v3.post.declares("period")
    assert "brandName" in v3.post.filters and "brand" not in v3.post.filters


def test_a_minimal_document_declares_no_optional_feature() -> None:
    document = {
        "paths": {
            "/items": {
                "get": {
                    "parameters": [{"name": "top", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/c/R"}}}}},
                }
            }
        },
        "c": {
            "R": {"type": "object", "properties": {"results": {"type": "array", "items": {"type": "object"}}}}
        },
    }
    model = endpoint_models(document)["items"]
    assert model.methods == ("GET",) and model.get is not None
    assert model.get.max_top is None and model.top_limit == 50
    assert not (model.declares("includeTotals") or model.declares("after") or model.filters or model.facets)


def _one_method_document(method: str, parameters: list[dict[str, Any]], body: dict[str, Any]) -> dict:
    results = {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}
    envelope = {
        "type": "object",
        "properties": {"results": {"type": "array", "items": results}, "facets": {"x-facets": {"brand": 8}}},
    }
    ok = {"200": {"content": {"application/json": {"schema": envelope}}}}
    get = {"parameters": parameters, "responses": ok}
    post = {"requestBody": {"content": {"application/json": {"schema": body}}}, "responses": ok}
    return {"paths": {"/p": {"get": get, "post": post}}}


def _param(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}}


def test_a_feature_declared_on_one_method_is_known_on_that_method_only() -> None:
    body = {"type": "object", "properties": {"top": {"type": "integer"}}}
    model = endpoint_models(_one_method_document("get", [_param("listIds", type="boolean")], body))["p"]
    assert model.get is not None and model.post is not None
    assert model.get.declares("listIds") and not model.post.declares("listIds")
    assert model.declares("listIds")


def test_an_open_must_map_takes_its_keys_from_the_results_and_the_facets() -> None:
    values = {"type": "array", "items": {"type": "string"}}
    element = {"type": "object", "properties": {"must": {"type": "object", "additionalProperties": values}}}
    body = {"type": "object", "properties": {"filter": {"type": "array", "items": element}}}
    model = endpoint_models(_one_method_document("post", [], body))["p"]
    assert model.post is not None and model.open_filters
    assert model.post.filters == ("id", "title", "brand") and model.post.several_values


def test_the_period_property_named_in_a_description_is_read() -> None:
    results = {
        "type": "object",
        "properties": {
            "created": {"type": "string", "format": "date-time"},
            "changed": {"type": "string", "format": "date-time"},
        },
    }
    described = _param("periodSince", type="string", format="date-time")
    described["description"] = "Only results whose `changed` is at or after this instant."
    envelope = {"type": "object", "properties": {"results": {"type": "array", "items": results}}}
    ok = {"200": {"content": {"application/json": {"schema": envelope}}}}
    model = endpoint_models({"paths": {"/p": {"get": {"parameters": [described], "responses": ok}}}})["p"]
    assert model.date_times == ("created", "changed") and model.period_named == ("changed",)


def _facet_document(facets: dict[str, Any]) -> dict[str, Any]:
    envelope = {"type": "object", "properties": {"results": {"type": "array"}, "facets": facets}}
    ok = {"200": {"content": {"application/json": {"schema": envelope}}}}
    return {"paths": {"/p": {"post": {"responses": ok}}}}


def test_facet_sizes_come_from_per_facet_schemas() -> None:
    per_facet = [
        {"properties": {"propertyId": {"const": "brand"}, "values": {"type": "array", "maxItems": 8}}},
        {"properties": {"propertyId": {"enum": ["size"]}, "values": {"type": "array", "maxItems": 20}}},
    ]
    model = endpoint_models(_facet_document({"type": "array", "items": {"anyOf": per_facet}}))["p"]
    assert model.facets == {"brand": 8, "size": 20}


def test_facet_sizes_come_from_an_x_facets_extension() -> None:
    listed = _facet_document({"type": "array", "x-facets": [{"propertyId": "brand", "size": 10}]})
    mapped = _facet_document({"type": "array", "x-facets": {"brand": 10, "color": None}})
    assert endpoint_models(listed)["p"].facets == {"brand": 10}
    assert endpoint_models(mapped)["p"].facets == {"brand": 10, "color": None}


def test_resolve_replaces_local_references_and_leaves_other_values() -> None:
    document = {
        "components": {
            "schemas": {"A": {"type": "string"}, "B": {"items": {"$ref": "#/components/schemas/A"}}}
        }
    }
    assert resolve(document, {"$ref": "#/components/schemas/B"}) == {"items": {"type": "string"}}
    assert resolve(document, {"$ref": "http://elsewhere"}) == {"$ref": "http://elsewhere"}
