"""OpenAPI 3.0.3 documents generated from an endpoint configuration, in Occtoo's style.

The request schemas built here are also what the server validates against (see `query.py`), so the document
and the server cannot drift apart: whatever the document allows is accepted, whatever it forbids gets a 400.
Occtoo's conventions, as seen through generated clients: no tags, the POST `operationId` is the endpoint id,
the response schema is named `{endpointId}ApiResponse`.
"""

from __future__ import annotations

from typing import Any

from destwatch.reference.model import Endpoint, Facet, Property, Version

__all__ = ["DEFAULT_TOP", "MAX_TOP", "body_schema", "build_document", "query_parameters", "query_schema"]

Schema = dict[str, Any]

DEFAULT_TOP = 50
MAX_TOP = 1000
_DATE_TIME: Schema = {"type": "string", "format": "date-time"}
_BOOLEAN: Schema = {"type": "boolean"}


def _top() -> Schema:
    return {"type": "integer", "minimum": 0, "maximum": MAX_TOP, "default": DEFAULT_TOP}


def _skip() -> Schema:
    return {"type": "integer", "minimum": 0}


def _language(version: Version) -> Schema:
    return {"type": "string", "enum": list(version.languages)}


def _sortable(endpoint: Endpoint) -> Schema:
    return {"type": "string", "enum": list(endpoint.sortable)}


def _parameter(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def query_parameters(endpoint: Endpoint, version: Version, method: str) -> list[Schema]:
    """The query parameters of GET (the whole request surface) or POST (`language` only)."""
    language = _parameter(
        "language",
        _language(version),
        f"Language of localized values. Default `{version.languages[0]}`.",
    )
    if method == "post":
        return [{**language, "description": "Language of localized values; a body `language` wins."}]
    params = [
        _parameter("top", _top(), f"Page size, {DEFAULT_TOP} when absent."),
        _parameter("skip", _skip(), "Number of matching results to skip."),
        language,
        _parameter("sortAsc", _sortable(endpoint), "Sort ascending on this property; ties by `id`."),
        _parameter("sortDesc", _sortable(endpoint), "Sort descending on this property; ties by `id`."),
        _parameter(
            "after",
            {"type": "string"},
            "Keyset cursor: only results whose `id` sorts after this one (before it with `sortDesc=id`).",
        ),
    ]
    if version.get_period_since:
        params.append(_parameter("periodSince", _DATE_TIME, "Only results changed at or after this instant."))
    params += [
        _parameter("listIds", _BOOLEAN, "`true`: `results` holds only the ids."),
        _parameter("includeTotals", _BOOLEAN, "`true`: the answer holds `total`, the number of matches."),
    ]
    params += [
        _parameter(
            name, {"type": "string"}, f"Only results whose `{name}` equals this value (in the language)."
        )
        for name in endpoint.filterable
    ]
    return params


def query_schema(endpoint: Endpoint, version: Version, method: str) -> Schema:
    """The query string as one JSON object, for validation: unknown parameters are refused."""
    return {
        "type": "object",
        "properties": {
            param["name"]: param["schema"] for param in query_parameters(endpoint, version, method)
        },
        "additionalProperties": False,
    }


def _closed(properties: Schema, **extra: Any) -> Schema:
    return {"type": "object", "properties": properties, "additionalProperties": False, **extra}


def body_schema(endpoint: Endpoint, version: Version) -> Schema:
    """The POST body. Every field is optional; unknown keys are refused."""
    values = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    bounds = _closed({bound: {"type": "number"} for bound in ("gt", "gte", "lt", "lte")})
    element = _closed(
        {
            "must": _closed({name: values for name in endpoint.filterable}),
            "mustNot": _closed({name: values for name in endpoint.filterable}),
            "range": _closed({name: bounds for name in endpoint.rangeable}),
        }
    )
    sort_keys = {"type": "array", "items": _sortable(endpoint)}
    return _closed(
        {
            "top": _top(),
            "skip": _skip(),
            "language": _language(version),
            "includeTotals": _BOOLEAN,
            "listIds": _BOOLEAN,
            "sortAsc": sort_keys,
            "sortDesc": sort_keys,
            "after": {"type": "array", "items": {"type": "string"}, "maxItems": 1},
            "period": _closed({"since": _DATE_TIME, "before": _DATE_TIME}),
            "search": {"type": "array", "items": {"type": "string"}},
            "searchOn": {"type": "array", "items": {"type": "string", "enum": list(endpoint.searchable)}},
            "caseInsensitiveSearch": _BOOLEAN,
            "filter": {"type": "array", "items": element},
        }
    )


def _property_schema(prop: Property) -> Schema:
    if prop.type == "date-time":
        return dict(_DATE_TIME)
    schema: Schema = {"type": prop.type}
    if prop.minimum is not None:
        schema["minimum"] = prop.minimum
    if prop.maximum is not None:
        schema["maximum"] = prop.maximum
    return schema


def _facet(facet: Facet) -> Schema:
    return _closed(
        {
            "propertyId": {"type": "string", "enum": [facet.property]},
            "header": {"type": "string"},
            "values": {"type": "array", "maxItems": facet.size, "items": _ref("FacetValue")},
        },
        required=["propertyId", "header", "values"],
    )


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: Schema, **extra: Any) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def _endpoint_schemas(endpoint: Endpoint, version: Version) -> dict[str, Schema]:
    result = _closed(
        {prop.name: _property_schema(prop) for prop in endpoint.properties},
        required=[prop.name for prop in endpoint.properties],
    )
    envelope: Schema = {
        "language": _language(version),
        "results": {
            "type": "array",
            "description": "Result objects, or their ids (strings) when `listIds` was asked for.",
            "items": {"anyOf": [_ref(f"{endpoint.id}Result"), {"type": "string"}]},
        },
        "total": {"type": "integer", "minimum": 0},
    }
    required = ["language", "results"]
    facets = {
        f"{endpoint.id}{facet.property[:1].upper()}{facet.property[1:]}Facet": _facet(facet)
        for facet in endpoint.facets
    }
    if facets:
        # One item schema per configured facet: its property id and its size are part of the contract.
        envelope["facets"] = {
            "type": "array",
            "items": {"anyOf": [_ref(name) for name in facets]},
            "minItems": len(facets),
            "maxItems": len(facets),
        }
        required.append("facets")
    return {
        **facets,
        f"{endpoint.id}Result": result,
        f"{endpoint.id}ApiResponse": _closed(envelope, required=required),
        f"{endpoint.id}Query": body_schema(endpoint, version),
    }


def _responses(endpoint: Endpoint, version: Version) -> Schema:
    responses = {
        "200": _json("Results", _ref(f"{endpoint.id}ApiResponse")),
        "400": _json("Malformed parameters or body", _ref("Error")),
    }
    if version.protected:
        header = {"description": "Bearer challenge (RFC 6750)", "schema": {"type": "string"}}
        responses["401"] = _json(
            "Missing, invalid or expired token", _ref("Error"), headers={"WWW-Authenticate": header}
        )
    return responses


def _path_item(endpoint: Endpoint, version: Version) -> Schema:
    responses = _responses(endpoint, version)
    return {
        "get": {
            "operationId": f"get{endpoint.id[:1].upper()}{endpoint.id[1:]}",
            "summary": f"Query {endpoint.id} with query parameters",
            "parameters": query_parameters(endpoint, version, "get"),
            "responses": responses,
        },
        "post": {
            "operationId": endpoint.id,
            "summary": f"Query {endpoint.id} with a JSON body",
            "parameters": query_parameters(endpoint, version, "post"),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(f"{endpoint.id}Query")}},
            },
            "responses": responses,
        },
    }


def build_document(customer: str, destination: str, version: Version, server_url: str) -> Schema:
    """The OpenAPI document of one destination version; `server_url` is its absolute base URL."""
    schemas: dict[str, Schema] = {
        "Error": _closed({"error": {"type": "string"}, "detail": {"type": "string"}}, required=["error"]),
        "FacetValue": _closed(
            {"key": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}, required=["key", "count"]
        ),
    }
    for endpoint in version.endpoints:
        schemas.update(_endpoint_schemas(endpoint, version))
    document: Schema = {
        "openapi": "3.0.3",
        "info": {
            "title": f"{customer} {destination} {version.name}",
            "version": version.name,
            "description": f"Destination `{destination}` of `{customer}`, version {version.name}.",
        },
        "servers": [{"url": server_url}],
        "paths": {f"/{endpoint.id}": _path_item(endpoint, version) for endpoint in version.endpoints},
        "components": {"schemas": schemas},
    }
    if version.protected:
        document["components"]["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        document["security"] = [{"bearerAuth": []}]
    return document
