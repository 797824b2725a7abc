"""An endpoint model read from a destination version's OpenAPI document, one surface per method.

Everything the shape and filters suites know about an endpoint comes from here: which query parameters
GET declares and which body fields POST declares, which properties each method filters, sorts and ranges
on, the largest `top`, the facets, the period property. Each feature is known per method, because real
documents declare some features on one method only; nothing is taken from knowledge of the reference
destination, so the suites work on a destination nobody here configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "RANGE_OPERATORS",
    "STANDARD_GET_PARAMETERS",
    "EndpointModel",
    "Method",
    "Surface",
    "array_items",
    "endpoint_models",
    "json_schema",
    "object_properties",
    "resolve",
]

Method = Literal["GET", "POST"]

# The GET query parameters of the contract; every other query parameter is a property filter.
STANDARD_GET_PARAMETERS = frozenset(
    {"top", "skip", "language", "sortAsc", "sortDesc", "after", "periodSince", "listIds", "includeTotals"}
)
RANGE_OPERATORS = ("gt", "gte", "lt", "lte")
_DOCUMENTED_DEFAULT_TOP = 50
_BACKTICKED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Surface:
    """What one method of one endpoint declares: the ways a query can be written with it.

    `features` holds the standard names the method declares, whatever their place: GET's standard query
    parameters (`top`, `periodSince`, ...) and POST's body fields (`top`, `period`, `filter`, ...) plus
    `language` when POST takes it as a query parameter. `filters` are the properties an equality filter
    can name (GET: the extra query parameters; POST: the `filter.must` keys).
    """

    method: Method
    features: frozenset[str] = frozenset()
    filters: tuple[str, ...] = ()
    # Whether one filter takes several values (POST `must` lists; a GET parameter holds one value).
    several_values: bool = False
    must_not: tuple[str, ...] = ()
    # property -> the comparison operators the document allows on it
    ranges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort_asc: tuple[str, ...] = ()
    sort_desc: tuple[str, ...] = ()
    max_top: int | None = None
    default_top: int = _DOCUMENTED_DEFAULT_TOP
    languages: tuple[str, ...] = ()
    default_language: str | None = None
    """The `default` the document gives `language` (what an answer to a query naming none must say)."""
    # Where POST takes the language: "body", "query" or "" (GET: "query" when declared).
    language_in: str = ""
    # Whether the period has an end (POST `period.before`; GET has `periodSince` only).
    period_before: bool = False

    def declares(self, feature: str) -> bool:
        return feature in self.features

    @property
    def top_limit(self) -> int:
        """The largest `top` to ask for: the documented maximum, or the documented default when none is."""
        return self.max_top if self.max_top is not None else self.default_top


@dataclass(frozen=True)
class EndpointModel:
    """What one endpoint of one version declares: a surface per declared method, results and facets."""

    name: str
    path: str
    get: Surface | None = None
    post: Surface | None = None
    # facet property -> its documented maximum number of values (None: not documented)
    facets: Mapping[str, int | None] = field(default_factory=dict)
    facet_schema: Mapping[str, Any] | None = None
    # result property -> "string" | "number" | "integer" | "date-time" | "boolean" | "array" | "object"
    properties: Mapping[str, str] = field(default_factory=dict)
    # date-time properties the period's descriptions name (in backticks), in the order they appear
    period_named: tuple[str, ...] = ()
    # The POST `filter.must` was an open map: its keys were derived from the results and the facets.
    open_filters: bool = False

    @property
    def surfaces(self) -> tuple[Surface, ...]:
        """The declared methods' surfaces, GET first."""
        return tuple(surface for surface in (self.get, self.post) if surface is not None)

    @property
    def methods(self) -> tuple[Method, ...]:
        return tuple(surface.method for surface in self.surfaces)

    def surface(self, method: Method) -> Surface | None:
        return self.get if method == "GET" else self.post

    def declares(self, feature: str) -> bool:
        """Whether any method declares the standard feature (`includeTotals`, `listIds`, `after`, ...)."""
        return any(surface.declares(feature) for surface in self.surfaces)

    @property
    def top_limit(self) -> int:
        """The largest `top` every declared method accepts."""
        return min((surface.top_limit for surface in self.surfaces), default=_DOCUMENTED_DEFAULT_TOP)

    @property
    def default_top(self) -> int:
        return min((surface.default_top for surface in self.surfaces), default=_DOCUMENTED_DEFAULT_TOP)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages any method declares (empty: the document does not list them)."""
        seen: dict[str, None] = {}
        for surface in self.surfaces:
            seen.update(dict.fromkeys(surface.languages))
        return tuple(seen)

    @property
    def filters(self) -> tuple[str, ...]:
        """Every property some method filters on, the ones more methods declare first."""
        return _by_reach(surface.filters for surface in self.surfaces)

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """Every property some method sorts on both ways."""
        return _by_reach(
            tuple(key for key in surface.sort_asc if key in surface.sort_desc) for surface in self.surfaces
        )

    @property
    def date_times(self) -> tuple[str, ...]:
        return tuple(name for name, kind in self.properties.items() if kind == "date-time")


def _by_reach(groups: Any) -> tuple[str, ...]:
    groups = [tuple(group) for group in groups]
    counts: dict[str, int] = {}
    for group in groups:
        for name in group:
            counts[name] = counts.get(name, 0) + 1
    order = {name: position for position, name in enumerate(dict.fromkeys(n for g in groups for n in g))}
    return tuple(sorted(counts, key=lambda name: (-counts[name], order[name])))


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
    """Every collection endpoint the document declares, keyed by endpoint id (the path without its slash)."""
    models: dict[str, EndpointModel] = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping) or "{" in path:
            continue
        model = _endpoint(path, resolve(document, item))
        if model.surfaces:
            models[path.strip("/")] = model
    return models


def _endpoint(path: str, item: Mapping[str, Any]) -> EndpointModel:
    shared = [p for p in item.get("parameters") or [] if isinstance(p, Mapping)]
    get, post = item.get("get"), item.get("post")
    results_schema, facet_schema = _response_parts(get or post or {})
    properties = _property_kinds(array_items(results_schema))
    facets = _facets(facet_schema)
    post_surface, open_filters, period_text = None, False, []
    if isinstance(post, Mapping):
        post_surface, open_filters, period_text = _post_surface(post, shared, properties, facets)
    get_surface = None
    if isinstance(get, Mapping):
        get_surface, get_text = _get_surface(get, shared)
        period_text = get_text + period_text
    return EndpointModel(
        name=path.strip("/"),
        path=path,
        get=get_surface,
        post=post_surface,
        facets=facets,
        facet_schema=facet_schema,
        properties=properties,
        period_named=_named_date_times(period_text, properties),
        open_filters=open_filters,
    )


def _query_parameters(operation: Mapping[str, Any], shared: list[Mapping[str, Any]]) -> dict[str, Any]:
    own = [p for p in operation.get("parameters") or [] if isinstance(p, Mapping)]
    return {p["name"]: p for p in [*shared, *own] if p.get("in") == "query" and "name" in p}


def _get_surface(operation: Mapping[str, Any], shared: list[Mapping[str, Any]]) -> tuple[Surface, list[str]]:
    params = _query_parameters(operation, shared)
    schemas = {name: param.get("schema") or {} for name, param in params.items()}
    top = schemas.get("top") or {}
    period = params.get("periodSince") or {}
    surface = Surface(
        method="GET",
        features=frozenset(name for name in params if name in STANDARD_GET_PARAMETERS),
        filters=tuple(name for name in params if name not in STANDARD_GET_PARAMETERS),
        sort_asc=_enum(schemas.get("sortAsc")),
        sort_desc=_enum(schemas.get("sortDesc")),
        max_top=_int(top.get("maximum")),
        default_top=_int(top.get("default")) or _DOCUMENTED_DEFAULT_TOP,
        languages=_enum(schemas.get("language")),
        default_language=_default(schemas.get("language")),
        language_in="query" if "language" in params else "",
    )
    texts = [str(period.get("description") or ""), str((period.get("schema") or {}).get("description") or "")]
    return surface, texts


def _post_surface(
    operation: Mapping[str, Any],
    shared: list[Mapping[str, Any]],
    properties: Mapping[str, str],
    facets: Mapping[str, int | None],
) -> tuple[Surface, bool, list[str]]:
    params = _query_parameters(operation, shared)
    body = object_properties(json_schema(operation.get("requestBody") or {}))
    element = object_properties(array_items(body.get("filter") or {}))
    must, open_must = _filter_keys(element.get("must") or {}, properties, facets)
    must_not, _ = _filter_keys(element.get("mustNot") or {}, properties, facets)
    ranges = {
        name: tuple(op for op in RANGE_OPERATORS if op in object_properties(schema))
        for name, schema in object_properties(element.get("range") or {}).items()
    }
    period = body.get("period") or {}
    period_fields = object_properties(period)
    top = body.get("top") or {}
    language = body.get("language") or (params.get("language") or {}).get("schema")
    features = set(body)
    if "language" in params:
        features.add("language")
    surface = Surface(
        method="POST",
        features=frozenset(features),
        filters=must,
        several_values=_allows_several(element.get("must") or {}),
        must_not=must_not,
        ranges={name: ops for name, ops in ranges.items() if ops},
        sort_asc=_enum(array_items(body.get("sortAsc") or {})),
        sort_desc=_enum(array_items(body.get("sortDesc") or {})),
        max_top=_int(top.get("maximum")),
        default_top=_int(top.get("default")) or _DOCUMENTED_DEFAULT_TOP,
        languages=_enum(language),
        default_language=_default(language),
        language_in="body" if "language" in body else "query" if "language" in params else "",
        period_before="before" in period_fields,
    )
    texts = [str(period.get("description") or "")]
    texts += [str(schema.get("description") or "") for schema in period_fields.values()]
    return surface, open_must, texts


def _filter_keys(
    schema: Mapping[str, Any], properties: Mapping[str, str], facets: Mapping[str, int | None]
) -> tuple[tuple[str, ...], bool]:
    """The keys a `must`/`mustNot` map takes, and whether they were derived from an open map.

    Listed keys are the document's word. An open map (`additionalProperties`) names none, so the keys are
    the result properties whose type its values take, and the facet ids: the contract says facet ids and
    filter keys are one namespace.
    """
    listed = tuple(object_properties(schema))
    if listed:
        return listed, False
    extra = schema.get("additionalProperties")
    if extra is None or extra is False:
        return (), False
    value = array_items(extra) if isinstance(extra, Mapping) else {}
    kind = value.get("type", "string") if isinstance(value, Mapping) else "string"
    derived = [name for name, declared in properties.items() if declared == kind]
    derived += [name for name in facets if name not in derived]
    return tuple(derived), True


def _allows_several(schema: Mapping[str, Any]) -> bool:
    values = [*object_properties(schema).values()]
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        values.append(extra)
    return any(
        isinstance(value, Mapping) and value.get("type") == "array" and value.get("maxItems", 2) > 1
        for value in values
    )


def _named_date_times(texts: list[str], properties: Mapping[str, str]) -> tuple[str, ...]:
    named: dict[str, None] = {}
    for text in texts:
        for name in _BACKTICKED.findall(text):
            if properties.get(name) == "date-time":
                named[name] = None
    return tuple(named)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def json_schema(holder: Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON schema of a request body or response (`content` -> `application/json`, else the first)."""
    content = holder.get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema") or {}


def object_properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The declared properties of an object schema, looking through allOf/anyOf/oneOf."""
    if not isinstance(schema, Mapping):
        return {}
    props: dict[str, Mapping[str, Any]] = dict(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or []:
            props.update(object_properties(part))
    return props


def array_items(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The item schema of an array schema (looking through anyOf/oneOf); other schemas as they are."""
    if not isinstance(schema, Mapping):
        return {}
    if schema.get("type") == "array" or "items" in schema:
        return schema.get("items") or {}
    for key in ("anyOf", "oneOf"):
        for part in schema.get(key) or []:
            if part.get("type") == "array":
                return part.get("items") or {}
    return schema


def _default(schema: Mapping[str, Any] | None) -> str | None:
    default = (schema or {}).get("default")
    return default if isinstance(default, str) else None


def _enum(schema: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not schema:
        return ()
    values = schema.get("enum") or array_items(schema).get("enum") or []
    return tuple(str(value) for value in values)


def _response_parts(operation: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    responses = operation.get("responses") or {}
    envelope = object_properties(json_schema(responses.get("200") or responses.get(200) or {}))
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
    items = array_items(schema)
    item_schemas += [part for key in ("anyOf", "oneOf") for part in items.get(key) or []] or [items]
    facets: dict[str, int | None] = {}
    for item in item_schemas:
        props = object_properties(item)
        ids = props.get("propertyId") or {}
        names = [ids["const"]] if "const" in ids else list(ids.get("enum") or [])
        size = (props.get("values") or {}).get("maxItems")
        for name in names:
            facets[str(name)] = size if len(names) == 1 else None
    return facets


def _property_kinds(item: Mapping[str, Any]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, schema in object_properties(item).items():
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "string" and schema.get("format") == "date-time":
            kind = "date-time"
        kinds[name] = str(kind or "string")
    return kinds
