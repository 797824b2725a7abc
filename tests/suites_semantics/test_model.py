"""The endpoint model is read from the document alone: filters, sort keys, ranges, top, facets, features."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.reference.model import REFERENCE
from destwatch.reference.openapi import build_document
from destwatch.semantics.model import EndpointModel, endpoint_models, resolve


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
    assert set(v1_products.get_filters) == {"id", "brand", "category", "color"}


def test_must_keys_sort_keys_and_ranges_come_from_the_post_body(v1_products: EndpointModel) -> None:
    assert set(v1_products.must_keys) == {"id", "brand", "category", "color"}
    assert set(v1_products.must_not_keys) == set(v1_products.must_keys)
    assert "price" in v1_products.sort_asc and "changed" in v1_products.sort_desc
    assert v1_products.ranges == {"price": ("gt", "gte", "lt", "lte"), "stock": ("gt", "gte", "lt", "lte")}


def test_top_limits_languages_and_features_are_declared(v1_products: EndpointModel) -> None:
    assert (v1_products.max_top, v1_products.default_top, v1_products.top_limit) == (1000, 50, 1000)
    assert v1_products.languages == ("en", "sv", "de")
    assert v1_products.has_totals and v1_products.has_list_ids and v1_products.has_after
    assert v1_products.has_period_since and v1_products.has_post_period
    assert "language" in v1_products.post_query_parameters


def test_result_properties_and_the_changed_property_are_typed(v1_products: EndpointModel) -> None:
    assert v1_products.properties["price"] == "number"
    assert v1_products.properties["stock"] == "integer"
    assert v1_products.changed_property == "changed"
    assert v1_products.facet_schema is not None


def test_facets_and_their_sizes_are_read_from_per_facet_schemas(v1_products: EndpointModel) -> None:
    assert v1_products.facets == {"category": 20, "brand": 8, "color": 20}
    assert endpoint_models(_document("googleMarketplace", "v1"))["feed"].facets == {"brand": 10}


def test_v3_drops_period_since_and_renames_brand() -> None:
    v3 = endpoint_models(_document("productCatalog", "v3"))["products"]
    assert not v3.has_period_since and v3.has_post_period
    assert "brandName" in v3.must_keys and "brand" not in v3.must_keys


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
    assert model.has_get and not model.has_post
    assert model.max_top is None and model.top_limit == 50
    assert not (model.has_totals or model.has_after or model.ranges or model.must_keys or model.facets)


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
