"""An endpoint model read from a destination version's OpenAPI document.

Everything the shape and filter suites know about an endpoint comes from here: which GET parameters and
POST body fields exist, which properties filter, sort and range, the largest `top`, the facets. Nothing is
taken from knowledge of the reference destination, so the suites work on a destination nobody configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STANDARD_GET_PARAMETERS", "EndpointModel", "endpoint_models", "resolve"]

# The GET query parameters of the contract; every other query parameter is a property filter.
STANDARD_GET_PARAMETERS = frozenset(
    {"top", "skip", "language", "sortAsc", "sortDesc", "after", "periodSince", "listIds", "includeTotals"}
)
_DOCUMENTED_DEFAULT_TOP = 50
_RANGE_OPERATORS = ("gt", "gte", "lt", "lte")


@dataclass(frozen=True)
class EndpointModel:
    """What one endpoint of one version declares (GET and POST together)."""

    name: str
    path: str
    get_parameters: frozenset[str] = frozenset()
    post_fields: frozenset[str] = frozenset()
    # Query parameters the POST operation declares (the reference takes `language` there too).
    post_query_parameters: frozenset[str] = frozenset()
    get_filters: tuple[str, ...] = ()
    must_keys: tuple[str, ...] = ()
    must_not_keys: tuple[str, ...] = ()
    # property -> the comparison operators the document allows on it
    ranges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort_asc: tuple[str, ...] = ()
    sort_desc: tuple[str, ...] = ()
    max_top: int | None = None
    default_top: int = _DOCUMENTED_DEFAULT_TOP
    languages: tuple[str, ...] = ()
    # facet property -> its documented maximum number of values (None: not documented)
    facets: Mapping[str, int | None] = field(default_factory=dict)
    facet_schema: Mapping[str, Any] | None = None
    # result property -> "string" | "number" | "integer" | "date-time" | "boolean" | "array" | "object"
    properties: Mapping[str, str] = field(default_factory=dict)
    has_get: bool = False
    has_post: bool = False

    @property
    def has_period_since(self) -> bool:
        return "periodSince" in self.get_parameters

    @property
    def has_post_period(self) -> bool:
        return "period" in self.post_fields

    @property
    def has_totals(self) -> bool:
        return "includeTotals" in self.get_parameters or "includeTotals" in self.post_fields

    @property
    def has_list_ids(self) -> bool:
        return "listIds" in self.get_parameters or "listIds" in self.post_fields

    @property
    def has_after(self) -> bool:
        return "after" in self.get_parameters or "after" in self.post_fields

    @property
    def changed_property(self) -> str | None:
        """The result property a period filters on: the one date-time property, or the one named `changed`."""
        dates = [name for name, kind in self.properties.items() if kind == "date-time"]
        if len(dates) == 1:
            return dates[0]
        return "changed" if "changed" in dates else None

    @property
    def top_limit(self) -> int:
        """The largest `top` to ask for: the documented maximum, or the documented default when none is."""
        return self.max_top if self.max_top is not None else self.default_top

    def sortable(self, name: str) -> bool:
        return name in self.sort_asc and name in self.sort_desc


def resolve(document: Mapping[str, Any], node: Any, _depth: int = 0) -> Any:
    """`node` with every local `$ref` replaced by its target (documents here are small and acyclic)."""
    if _depth > 40:
        return node
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = document
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            return resolve(document, target, _depth + 1)
        return {key: resolve(document, value, _depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, item, _depth + 1) for item in node]
    return node


def endpoint_models(document: Mapping[str, Any]) -> dict[str, EndpointModel]:
    """Every endpoint the document declares, keyed by endpoint id (the path without its slash)."""
    models: dict[str, EndpointModel] = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping) or "{" in path:
            continue
        models[path.strip("/")] = _endpoint(document, path, resolve(document, item))
    return models


def _endpoint(document: Mapping[str, Any], path: str, item: Mapping[str, Any]) -> EndpointModel:
    get = item.get("get") or {}
    post = item.get("post") or {}
    shared = item.get("parameters") or []
    get_params = {
        p["name"]: p.get("schema") or {}
        for p in [*shared, *(get.get("parameters") or [])]
        if p.get("in") == "query"
    }
    post_params = {
        p["name"]: p.get("schema") or {}
        for p in [*shared, *(post.get("parameters") or [])]
        if p.get("in") == "query"
    }
    body = _json_schema(post.get("requestBody") or {})
    body_fields = _object_properties(body)
    filter_element = _items(body_fields.get("filter") or {})
    filter_fields = _object_properties(filter_element)
    ranges = {
        name: tuple(op for op in _RANGE_OPERATORS if op in _object_properties(schema))
        for name, schema in _object_properties(filter_fields.get("range") or {}).items()
    }
    results_schema, facet_schema = _response_parts(get or post)
    top_schema = get_params.get("top") or body_fields.get("top") or {}
    language_schema = get_params.get("language") or body_fields.get("language") or post_params.get("language")
    return EndpointModel(
        name=path.strip("/"),
        path=path,
        get_parameters=frozenset(get_params) if get else frozenset(),
        post_fields=frozenset(body_fields),
        post_query_parameters=frozenset(post_params),
        get_filters=tuple(name for name in get_params if name not in STANDARD_GET_PARAMETERS),
        must_keys=tuple(_object_properties(filter_fields.get("must") or {})),
        must_not_keys=tuple(_object_properties(filter_fields.get("mustNot") or {})),
        ranges={name: ops for name, ops in ranges.items() if ops},
        sort_asc=_enum(get_params.get("sortAsc")) or _enum(_items(body_fields.get("sortAsc") or {})),
        sort_desc=_enum(get_params.get("sortDesc")) or _enum(_items(body_fields.get("sortDesc") or {})),
        max_top=top_schema.get("maximum"),
        default_top=int(top_schema.get("default", _DOCUMENTED_DEFAULT_TOP)),
        languages=_enum(language_schema),
        facets=_facets(facet_schema),
        facet_schema=facet_schema,
        properties=_property_kinds(_items(results_schema)),
        has_get=bool(get),
        has_post=bool(post),
    )


def _json_schema(holder: Mapping[str, Any]) -> Mapping[str, Any]:
    content = holder.get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema") or {}


def _object_properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The declared properties of an object schema, looking through allOf/anyOf/oneOf."""
    props: dict[str, Mapping[str, Any]] = dict(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or []:
            props.update(_object_properties(part))
    return props


def _items(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if schema.get("type") == "array" or "items" in schema:
        return schema.get("items") or {}
    for key in ("anyOf", "oneOf"):
        for part in schema.get(key) or []:
            if part.get("type") == "array":
                return part.get("items") or {}
    return schema


def _enum(schema: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not schema:
        return ()
    values = schema.get("enum") or _items(schema).get("enum") or []
    return tuple(str(value) for value in values)


def _response_parts(operation: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    responses = operation.get("responses") or {}
    envelope = _object_properties(_json_schema(responses.get("200") or responses.get(200) or {}))
    return envelope.get("results") or {}, envelope.get("facets")


def _facets(schema: Mapping[str, Any] | None) -> dict[str, int | None]:
    """Facet property ids and sizes, where the document states them.

    A document can declare facets as one item schema per facet (`items.anyOf`/`oneOf` or `prefixItems`,
    each with a `propertyId` const or one-value enum and `values.maxItems` as the size), as one item
    schema whose `propertyId` enum lists them all (sizes unknown), or as an `x-facets` extension
    (`{"brand": 8}` or `[{"propertyId": "brand", "size": 8}]`).
    """
    if not schema:
        return {}
    extension = schema.get("x-facets")
    if isinstance(extension, Mapping):
        return {str(name): size if isinstance(size, int) else None for name, size in extension.items()}
    if isinstance(extension, list):
        return {
            str(item["propertyId"]): item.get("size") if isinstance(item.get("size"), int) else None
            for item in extension
            if isinstance(item, Mapping) and "propertyId" in item
        }
    item_schemas = list(schema.get("prefixItems") or [])
    items = _items(schema)
    item_schemas += [part for key in ("anyOf", "oneOf") for part in items.get(key) or []] or [items]
    facets: dict[str, int | None] = {}
    for item in item_schemas:
        props = _object_properties(item)
        ids = props.get("propertyId") or {}
        names = [ids["const"]] if "const" in ids else list(ids.get("enum") or [])
        size = (props.get("values") or {}).get("maxItems")
        for name in names:
            facets[str(name)] = size if len(names) == 1 else None
    return facets


def _property_kinds(item: Mapping[str, Any]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, schema in _object_properties(item).items():
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "string" and schema.get("format") == "date-time":
            kind = "date-time"
        kinds[name] = str(kind or "string")
    return kinds
