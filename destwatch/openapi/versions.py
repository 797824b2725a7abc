"""Two versions of one destination: what their documents declare differently, and what both declare.

Differences between the documents are reported, not judged (judging them is version validation's job).
What both declare is the ground on which the same logical query must give the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from destwatch.openapi.model import EndpointModel, Method, Surface

__all__ = ["common_model", "document_differences", "version_number"]


def version_number(name: str) -> int:
    """`v12` -> 12; versions compare by number, not as text."""
    digits = name.lstrip("vV")
    return int(digits) if digits.isdigit() else 0


def common_model(first: EndpointModel, second: EndpointModel) -> EndpointModel:
    """The endpoint as both versions declare it: per method, only what both have."""
    return replace(
        first,
        get=_common_surface(first.get, second.get),
        post=_common_surface(first.post, second.post),
        facets={name: size for name, size in first.facets.items() if name in second.facets},
        properties={
            name: kind for name, kind in first.properties.items() if second.properties.get(name) == kind
        },
        period_named=tuple(name for name in first.period_named if name in second.period_named),
    )


def _common_surface(first: Surface | None, second: Surface | None) -> Surface | None:
    if first is None or second is None:
        return None

    def both(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(name for name in a if name in b)

    same_language_place = first.language_in == second.language_in
    return replace(
        first,
        features=(first.features & second.features) - (set() if same_language_place else {"language"}),
        filters=both(first.filters, second.filters),
        several_values=first.several_values and second.several_values,
        must_not=both(first.must_not, second.must_not),
        ranges={
            name: both(ops, second.ranges[name])
            for name, ops in first.ranges.items()
            if name in second.ranges and both(ops, second.ranges[name])
        },
        sort_asc=both(first.sort_asc, second.sort_asc),
        sort_desc=both(first.sort_desc, second.sort_desc),
        max_top=min(first.top_limit, second.top_limit),
        default_top=min(first.default_top, second.default_top),
        languages=both(first.languages, second.languages),
        language_in=first.language_in if same_language_place else "",
        period_before=first.period_before and second.period_before,
    )


def document_differences(
    first: Mapping[str, EndpointModel], second: Mapping[str, EndpointModel], labels: tuple[str, str]
) -> list[str]:
    """One line per documented difference: endpoints, properties, filters, sort keys, ranges, parameters."""
    a, b = labels
    lines = [f"endpoint {name}: only in {a}" for name in sorted(set(first) - set(second))]
    lines += [f"endpoint {name}: only in {b}" for name in sorted(set(second) - set(first))]
    for name in sorted(set(first) & set(second)):
        x, y = first[name], second[name]
        for aspect, (mine, theirs) in _aspects(x, y).items():
            lines += [f"{name}: {aspect} {n!r} only in {a}" for n in sorted(mine - theirs)]
            lines += [f"{name}: {aspect} {n!r} only in {b}" for n in sorted(theirs - mine)]
        for prop in sorted(set(x.properties) & set(y.properties)):
            if x.properties[prop] != y.properties[prop]:
                lines.append(
                    f"{name}: property {prop!r} is {x.properties[prop]} in {a}, {y.properties[prop]} in {b}"
                )
        if x.top_limit != y.top_limit:
            lines.append(f"{name}: largest top {x.top_limit} in {a}, {y.top_limit} in {b}")
    return lines


def _aspects(x: EndpointModel, y: EndpointModel) -> dict[str, tuple[set[str], set[str]]]:
    def declared(model: EndpointModel, method: Method, pick: Callable[[Surface], Iterable[str]]) -> set[str]:
        surface = model.surface(method)
        return set(pick(surface)) if surface is not None else set()

    def get_parameters(surface: Surface) -> Iterable[str]:
        return [*surface.features, *surface.filters]

    def sort_keys(surface: Surface) -> Iterable[str]:
        return [*surface.sort_asc, *surface.sort_desc]

    return {
        "property": (set(x.properties), set(y.properties)),
        "GET parameter": (declared(x, "GET", get_parameters), declared(y, "GET", get_parameters)),
        "POST body field": (
            declared(x, "POST", lambda s: s.features),
            declared(y, "POST", lambda s: s.features),
        ),
        "filter.must key": (
            declared(x, "POST", lambda s: s.filters),
            declared(y, "POST", lambda s: s.filters),
        ),
        "sort key": (
            declared(x, "GET", sort_keys) | declared(x, "POST", sort_keys),
            declared(y, "GET", sort_keys) | declared(y, "POST", sort_keys),
        ),
        "range property": (declared(x, "POST", lambda s: s.ranges), declared(y, "POST", lambda s: s.ranges)),
    }
