"""Every version's OpenAPI document is valid, in Occtoo's style, and shows the real version differences."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from destwatch.reference import REFERENCE, Version
from kit.refclient import FEED, V1, V2, V3, RefClient, base_path

VERSIONS = [version for _, version in REFERENCE.versions()]
IDS = [f"{dest.name}/{version.name}" for dest, version in REFERENCE.versions()]


def _document(ref_client: RefClient, version: Version) -> dict[str, Any]:
    # Fetched without a token: Occtoo's codegen templates fetch the document plainly.
    response = ref_client.http.get(f"{base_path(version)}/openapi")
    assert response.status_code == 200, response.text
    return response.json()


def _get_parameters(document: dict[str, Any], endpoint: str) -> set[str]:
    return {param["name"] for param in document["paths"][f"/{endpoint}"]["get"]["parameters"]}


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_document_validates_as_openapi_3(ref_client: RefClient, version: Version) -> None:
    document = _document(ref_client, version)
    validate(document)
    assert document["openapi"].startswith("3.")


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_document_follows_occtoo_naming(ref_client: RefClient, version: Version) -> None:
    document = _document(ref_client, version)
    assert document["servers"] == [{"url": f"{ref_client.server.url}{base_path(version)}"}]
    for endpoint in version.endpoints:
        item = document["paths"][f"/{endpoint.id}"]
        assert set(item) == {"get", "post"}
        assert item["post"]["operationId"] == endpoint.id
        assert all("tags" not in operation for operation in item.values())
        ok = item["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{endpoint.id}ApiResponse"}


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_bearer_security_exactly_on_protected_versions(ref_client: RefClient, version: Version) -> None:
    document = _document(ref_client, version)
    if version.protected:
        assert document["security"] == [{"bearerAuth": []}]
        assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    else:
        assert "security" not in document and "securitySchemes" not in document["components"]


def test_v2_adds_rating_and_variants_without_removing_anything(ref_client: RefClient) -> None:
    v1, v2 = _document(ref_client, V1), _document(ref_client, V2)
    v1_fields = set(v1["components"]["schemas"]["productsResult"]["properties"])
    v2_fields = set(v2["components"]["schemas"]["productsResult"]["properties"])
    assert v2_fields == v1_fields | {"rating"}
    assert set(v2["paths"]) == set(v1["paths"]) | {"/variants"}
    assert _get_parameters(v1, "products") <= _get_parameters(v2, "products")


def test_v3_renames_brand_and_drops_period_since(ref_client: RefClient) -> None:
    v2, v3 = _document(ref_client, V2), _document(ref_client, V3)
    v3_fields = set(v3["components"]["schemas"]["productsResult"]["properties"])
    assert "brandName" in v3_fields and "brand" not in v3_fields
    assert "periodSince" in _get_parameters(v2, "products")
    assert "periodSince" not in _get_parameters(v3, "products")


def test_request_schemas_are_closed_so_unknown_input_is_refused(ref_client: RefClient) -> None:
    document = _document(ref_client, V1)
    body = document["components"]["schemas"]["productsQuery"]
    assert body["additionalProperties"] is False
    element = body["properties"]["filter"]["items"]
    assert set(element["properties"]) == {"must", "mustNot", "range"}
    assert set(element["properties"]["must"]["properties"]) == {"id", "brand", "category", "color"}
    assert set(element["properties"]["range"]["properties"]) == {"price", "stock"}
    top = next(p for p in document["paths"]["/products"]["get"]["parameters"] if p["name"] == "top")
    assert top["schema"] == {"type": "integer", "minimum": 0, "maximum": 1000, "default": 50}


def test_feed_document_lists_its_facet_and_needs_no_token(ref_client: RefClient) -> None:
    document = _document(ref_client, FEED)
    envelope = document["components"]["schemas"]["feedApiResponse"]
    assert "facets" in envelope["required"]
    assert "401" not in document["paths"]["/feed"]["get"]["responses"]


def test_facets_are_declared_one_schema_each_with_their_size(ref_client: RefClient) -> None:
    document = _document(ref_client, V1)
    schemas = document["components"]["schemas"]
    facets = schemas["productsApiResponse"]["properties"]["facets"]
    declared = {}
    for ref in facets["items"]["anyOf"]:
        facet = schemas[ref["$ref"].rsplit("/", 1)[1]]["properties"]
        declared[facet["propertyId"]["enum"][0]] = facet["values"]["maxItems"]
    assert declared == {"category": 20, "brand": 8, "color": 20}
    assert facets["minItems"] == facets["maxItems"] == 3
