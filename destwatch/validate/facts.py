"""What one version's OpenAPI document promises its consumers, as plain comparable facts.

Everything a consumer can rely on: each endpoint's result properties (type, format, nullable, enum), its
GET parameters and POST body fields (required, enum), filter and sort keys, range operators, facets and
their sizes, the largest and the default page, the envelope's required keys; and, version-wide, the
languages, the default language and whether tokens are needed. The endpoint model
(`destwatch.openapi.model`) supplies the per-method surfaces; the rest is read here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from destwatch.openapi.model import (
    EndpointModel,
    array_items,
    endpoint_models,
    json_schema,
    object_properties,
    resolve,
)

__all__ = ["EndpointFacts", "Field", "VersionFacts", "version_facts"]

_DEFAULT_IN_WORDS = re.compile(r"[Dd]efault\s+`([^`]+)`")


@dataclass(frozen=True)
class Field:
    """One property, parameter or body field: what a consumer reads or sends."""

    type: str = ""
    format: str = ""
    nullable: bool = False
    required: bool = False
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class EndpointFacts:
    name: str
    model: EndpointModel
    properties: Mapping[str, Field] = field(default_factory=dict)
    get_parameters: Mapping[str, Field] = field(default_factory=dict)
    body_fields: Mapping[str, Field] = field(default_factory=dict)
    envelope_required: frozenset[str] = frozenset()

    @property
    def filters(self) -> frozenset[str]:
        return frozenset(self.model.filters)

    @property
    def sort_keys(self) -> frozenset[str]:
        return frozenset(
            key for surface in self.model.surfaces for key in (*surface.sort_asc, *surface.sort_desc)
        )

    @property
    def ranges(self) -> Mapping[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for surface in self.model.surfaces:
            for name, operators in surface.ranges.items():
                found.setdefault(name, set()).update(operators)
        return {name: frozenset(operators) for name, operators in found.items()}


@dataclass(frozen=True)
class VersionFacts:
    endpoints: Mapping[str, EndpointFacts]
    languages: tuple[str, ...]
    default_language: str | None
    protected: bool


def version_facts(document: Mapping[str, Any]) -> VersionFacts:
    """The facts of a whole document."""
    models = endpoint_models(document)
    endpoints = {
        name: _endpoint(name, model, resolve(document, document["paths"][model.path]))
        for name, model in models.items()
    }
    languages = tuple(dict.fromkeys(lang for model in models.values() for lang in model.languages))
    return VersionFacts(endpoints, languages, _default_language(document, models), _protected(document))


def _endpoint(name: str, model: EndpointModel, item: Mapping[str, Any]) -> EndpointFacts:
    get, post = item.get("get") or {}, item.get("post") or {}
    responses = (get or post).get("responses") or {}
    envelope = json_schema(responses.get("200") or {})
    results = array_items(object_properties(envelope).get("results") or {})
    result_schema = _first_object(results)
    required = set(result_schema.get("required") or [])
    properties = {
        prop: _field(schema, prop in required) for prop, schema in object_properties(result_schema).items()
    }
    parameters = [*(item.get("parameters") or []), *(get.get("parameters") or [])]
    get_parameters = {
        param["name"]: _field(param.get("schema") or {}, bool(param.get("required")))
        for param in parameters
        if isinstance(param, Mapping) and param.get("in") == "query" and "name" in param
    }
    body = json_schema(post.get("requestBody") or {}) if post else {}
    body_required = set(body.get("required") or [])
    body_fields = {
        name: _field(schema, name in body_required) for name, schema in object_properties(body).items()
    }
    return EndpointFacts(
        name=name,
        model=model,
        properties=properties,
        get_parameters=get_parameters,
        body_fields=body_fields,
        envelope_required=frozenset(envelope.get("required") or []),
    )


def _first_object(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object schema of a result (results may also be id strings when `listIds` is asked)."""
    for part in [schema, *(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]:
        if isinstance(part, Mapping) and (part.get("type") == "object" or "properties" in part):
            return part
    return {}


def _field(schema: Mapping[str, Any], required: bool) -> Field:
    kind = schema.get("type", "")
    nullable = bool(schema.get("nullable"))
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kind = next((k for k in kind if k != "null"), "")
    enum = schema.get("enum") or array_items(schema).get("enum") or ()
    return Field(
        type=str(kind),
        format=str(schema.get("format", "")),
        nullable=nullable,
        required=required,
        enum=tuple(str(value) for value in enum),
    )


def _default_language(document: Mapping[str, Any], models: Mapping[str, EndpointModel]) -> str | None:
    """The default language the document states: a schema `default`, or "Default `en`" in a description."""
    for model in models.values():
        item = resolve(document, document["paths"][model.path])
        for param in [*(item.get("parameters") or []), *((item.get("get") or {}).get("parameters") or [])]:
            if isinstance(param, Mapping) and param.get("name") == "language":
                schema = param.get("schema") or {}
                if "default" in schema:
                    return str(schema["default"])
                said = _DEFAULT_IN_WORDS.search(str(param.get("description", "")))
                if said:
                    return said.group(1)
    return None


def _protected(document: Mapping[str, Any]) -> bool:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return bool(schemes) and any(requirement for requirement in document.get("security") or [])
