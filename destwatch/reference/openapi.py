"""OpenAPI 3.0.3 documents in Occtoo's style, generated from the endpoint configuration and version style.

The request schemas built here are also what the server validates against (see `query.py`), so the document
and the server cannot drift apart: whatever the document allows is accepted, whatever it forbids gets a 400.
Occtoo's conventions, as seen through generated clients: no tags, the POST `operationId` is the endpoint id,
the response schema is named `{endpointId}ApiResponse`.
"""

from __future__ import annotations

from typing import Any

from destwatch.reference.model import Endpoint, Facet, Property, Version

__all__ = ["DEFAULT_TOP", "body_schema", "build_document", "query_parameters", "query_schema"]

Schema = dict[str, Any]

DEFAULT_TOP = 50
_DATE_TIME: Schema = {"type": "string", "format": "date-time"}
_BOOLEAN: Schema = {"type": "boolean"}
_VALUES: Schema = {"type": "array", "items": {"type": "string"}, "minItems": 1}


def _top(version: Version) -> Schema:
    return {"type": "integer", "minimum": 0, "maximum": version.style.max_top, "default": DEFAULT_TOP}


def _skip() -> Schema:
    return {"type": "integer", "minimum": 0}


def _language(version: Version) -> Schema:
    return {"type": "string", "enum": list(version.languages)}


def _sortable(endpoint: Endpoint) -> Schema:
    return {"type": "string", "enum": list(endpoint.sortable)}


def _parameter(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _period_subject(endpoint: Endpoint) -> str:
    # With one date-time property, "changed" is unambiguous; with several, the document names the property.
    if len(endpoint.date_times) > 1:
        return f"whose `{endpoint.period}` is"
    return "changed"


def query_parameters(endpoint: Endpoint, version: Version, method: str) -> list[Schema]:
    """The query parameters of GET (the whole request surface) or POST (at most `language`)."""
    if method == "post":
        if not version.style.post.language_query:
            return []
        return [
            _parameter(
                "language", _language(version), "Language of localized values; a body `language` wins."
            )
        ]
    get = version.style.get
    params = [
        _parameter("top", _top(version), f"Page size, {DEFAULT_TOP} when absent."),
        _parameter("skip", _skip(), "Number of matching results to skip."),
    ]
    if get.language:
        params.append(
            _parameter(
                "language",
                _language(version),
                f"Language of localized values. Default `{version.languages[0]}`.",
            )
        )
    if get.sort:
        params += [
            _parameter("sortAsc", _sortable(endpoint), "Sort ascending on this property; ties by `id`."),
            _parameter("sortDesc", _sortable(endpoint), "Sort descending on this property; ties by `id`."),
        ]
    if get.after:
        params.append(
            _parameter(
                "after",
                {"type": "string"},
                "Keyset cursor: only results whose `id` sorts after this one (before it with `sortDesc=id`).",
            )
        )
    if get.period:
        description = f"Only results {_period_subject(endpoint)} at or after this instant."
        params.append(_parameter("periodSince", _DATE_TIME, description))
    if get.list_ids:
        params.append(_parameter("listIds", _BOOLEAN, "`true`: `results` holds only the ids."))
    if get.include_totals:
        params.append(
            _parameter("includeTotals", _BOOLEAN, "`true`: the answer holds `total`, the number of matches.")
        )
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


def _values_by_key(endpoint: Endpoint, version: Version) -> Schema:
    """`must` / `mustNot`: a closed object of the filterable properties, or an open map of any key."""
    if version.style.open_filter_maps:
        return {"type": "object", "additionalProperties": _VALUES}
    return _closed({name: _VALUES for name in endpoint.filterable})


def body_schema(endpoint: Endpoint, version: Version) -> Schema:
    """The POST body. Every field is optional; unknown keys are refused."""
    post = version.style.post
    bounds = _closed({bound: {"type": "number"} for bound in version.style.range_operators})
    element = _closed(
        {
            "must": _values_by_key(endpoint, version),
            "mustNot": _values_by_key(endpoint, version),
            "range": _closed({name: bounds for name in endpoint.rangeable}),
        }
    )
    sort_keys = {"type": "array", "items": _sortable(endpoint)}
    fields: Schema = {"top": _top(version), "skip": _skip()}
    if post.language:
        fields["language"] = _language(version)
    if post.include_totals:
        fields["includeTotals"] = _BOOLEAN
    if post.list_ids:
        fields["listIds"] = _BOOLEAN
    if post.sort:
        fields |= {"sortAsc": sort_keys, "sortDesc": sort_keys}
    if post.after:
        fields["after"] = {"type": "array", "items": {"type": "string"}, "maxItems": 1}
    if post.period:
        period = _closed({"since": _DATE_TIME, "before": _DATE_TIME})
        if len(endpoint.date_times) > 1:
            subject = _period_subject(endpoint)
            period["description"] = f"Only results {subject} at or after `since` and before `before`."
        fields["period"] = period
    fields |= {
        "search": {"type": "array", "items": {"type": "string"}},
        "searchOn": {"type": "array", "items": {"type": "string", "enum": list(endpoint.searchable)}},
        "caseInsensitiveSearch": _BOOLEAN,
        "filter": {"type": "array", "items": element},
    }
    return _closed(fields)


def _property_schema(prop: Property) -> Schema:
    schema: Schema = dict(_DATE_TIME) if prop.type == "date-time" else {"type": prop.type}
    if prop.nullable:
        schema["nullable"] = True
    if prop.minimum is not None:
        schema["minimum"] = prop.minimum
    if prop.maximum is not None:
        schema["maximum"] = prop.maximum
    return schema


def _facet(facet: Facet) -> Schema:
    return _closed(
        {
            "propertyId": {"type": "string", "enum": [facet.property_id]},
            "header": {"type": "string"},
            "values": {"type": "array", "maxItems": facet.size, "items": _ref("FacetValue")},
        },
        required=["propertyId", "header", "values"],
    )


def _unsized_facet(facets: tuple[Facet, ...]) -> Schema:
    return _closed(
        {
            "propertyId": {"type": "string", "enum": [facet.property_id for facet in facets]},
            "header": {"type": "string"},
            "values": {"type": "array", "items": _ref("FacetValue")},
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
    facets: dict[str, Schema] = {}
    if endpoint.facets and version.style.facet_sizes_declared:
        facets = {
            f"{endpoint.id}{facet.property_id[:1].upper()}{facet.property_id[1:]}Facet": _facet(facet)
            for facet in endpoint.facets
        }
        # One item schema per configured facet: its property id and its size are part of the contract.
        envelope["facets"] = {
            "type": "array",
            "items": {"anyOf": [_ref(name) for name in facets]},
            "minItems": len(facets),
            "maxItems": len(facets),
        }
        required.append("facets")
    elif endpoint.facets:
        # As many generators write it: one schema for every facet, no sizes.
        facets = {f"{endpoint.id}Facet": _unsized_facet(endpoint.facets)}
        envelope["facets"] = {"type": "array", "items": _ref(f"{endpoint.id}Facet")}
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
    post: Schema = {"operationId": endpoint.id, "summary": f"Query {endpoint.id} with a JSON body"}
    if post_parameters := query_parameters(endpoint, version, "post"):
        post["parameters"] = post_parameters
    post["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": _ref(f"{endpoint.id}Query")}},
    }
    post["responses"] = responses
    return {
        "get": {
            "operationId": f"get{endpoint.id[:1].upper()}{endpoint.id[1:]}",
            "summary": f"Query {endpoint.id} with query parameters",
            "parameters": query_parameters(endpoint, version, "get"),
            "responses": responses,
        },
        "post": post,
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
    if version.declares_security:
        document["components"]["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        document["security"] = [{"bearerAuth": []}]
    return document
