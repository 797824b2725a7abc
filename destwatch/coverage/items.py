"""A version's coverage items, read from its OpenAPI document alone.

Each item is something the document promises that a check can prove: an operation, a parameter or body
field, a filter key (must, mustNot, each range bound), a sort key in each direction, a facet, a language, a
paging mode, a documented status code, a response property.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from destwatch.config import CoverageKind
from destwatch.openapi.model import EndpointModel, endpoint_models

__all__ = ["KINDS", "Item", "items_of"]

# Every kind, in the order reports list them; `require_proven` in targets.toml names kinds from here.
KINDS: tuple[str, ...] = get_args(CoverageKind)


@dataclass(frozen=True, order=True)
class Item:
    """One thing an endpoint's document promises (`name` as reports show it, e.g. `mustNot.color`)."""

    endpoint: str
    kind: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.endpoint} {self.kind} {self.name}"


def items_of(document: Mapping[str, Any]) -> list[Item]:
    """Every coverage item of a version's document, endpoint by endpoint, kinds in `KINDS` order."""
    found: list[Item] = []
    for endpoint, model in endpoint_models(document).items():
        responses = _responses(document, model)
        named = {kind: list(dict.fromkeys(names)) for kind, names in _names(model, responses)}
        found += [Item(endpoint, kind, name) for kind in KINDS for name in named.get(kind, [])]
    return found


def _names(model: EndpointModel, responses: Mapping[str, list[str]]) -> Iterator[tuple[str, list[str]]]:
    yield "operations", list(model.methods)
    if model.get is not None:
        yield "parameters", sorted(model.get.features) + list(model.get.filters)
    if model.post is not None:
        yield (
            "body_fields",
            sorted(
                model.post.features - {"language"}
                if model.post.language_in == "query"
                else model.post.features
            ),
        )
    yield "filters", _filters(model)
    yield (
        "sort",
        [
            f"{key} {way}"
            for surface in model.surfaces
            for way, keys in (("asc", surface.sort_asc), ("desc", surface.sort_desc))
            for key in keys
        ],
    )
    yield "facets", list(model.facets)
    yield "languages", list(model.languages)
    yield "paging", [mode for mode in ("skip", "after") if model.declares(mode)]
    yield "statuses", [f"{method} {code}" for method, codes in responses.items() for code in codes]
    yield "properties", list(model.properties)


def _filters(model: EndpointModel) -> list[str]:
    names = [f"must.{key}" for key in model.filters]
    names += [f"mustNot.{key}" for surface in model.surfaces for key in surface.must_not]
    names += [
        f"range.{key}.{op}" for surface in model.surfaces for key, ops in surface.ranges.items() for op in ops
    ]
    return names


def _responses(document: Mapping[str, Any], model: EndpointModel) -> dict[str, list[str]]:
    """The status codes each method documents (`default` is no code, so it is no item)."""
    operations = (document.get("paths") or {}).get(model.path) or {}
    codes: dict[str, list[str]] = {}
    for method in model.methods:
        responses = (operations.get(method.lower()) or {}).get("responses") or {}
        codes[method] = [str(code) for code in responses if str(code).isdigit()]
    return codes
