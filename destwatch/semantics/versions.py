"""Two versions of one destination: what their documents declare differently, and what both declare.

Differences between the documents are reported, not judged (judging them is version validation's job).
What both declare is the ground on which the same logical query must give the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from destwatch.semantics.model import EndpointModel

__all__ = ["common_model", "document_differences", "version_number"]


def version_number(name: str) -> int:
    """`v12` -> 12; versions compare by number, not as text."""
    digits = name.lstrip("vV")
    return int(digits) if digits.isdigit() else 0


def common_model(first: EndpointModel, second: EndpointModel) -> EndpointModel:
    """The endpoint as both versions declare it: only parameters, keys and properties both have."""

    def both(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(name for name in a if name in b)

    return replace(
        first,
        get_parameters=first.get_parameters & second.get_parameters,
        post_fields=first.post_fields & second.post_fields,
        post_query_parameters=first.post_query_parameters & second.post_query_parameters,
        get_filters=both(first.get_filters, second.get_filters),
        must_keys=both(first.must_keys, second.must_keys),
        must_not_keys=both(first.must_not_keys, second.must_not_keys),
        ranges={
            name: both(ops, second.ranges[name])
            for name, ops in first.ranges.items()
            if name in second.ranges
        },
        sort_asc=both(first.sort_asc, second.sort_asc),
        sort_desc=both(first.sort_desc, second.sort_desc),
        max_top=min(first.top_limit, second.top_limit),
        languages=both(first.languages, second.languages),
        facets={name: size for name, size in first.facets.items() if name in second.facets},
        properties={
            name: kind for name, kind in first.properties.items() if second.properties.get(name) == kind
        },
        has_get=first.has_get and second.has_get,
        has_post=first.has_post and second.has_post,
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
        aspects: dict[str, tuple[set[str], set[str]]] = {
            "property": (set(x.properties), set(y.properties)),
            "GET parameter": (set(x.get_parameters), set(y.get_parameters)),
            "POST body field": (set(x.post_fields), set(y.post_fields)),
            "filter.must key": (set(x.must_keys), set(y.must_keys)),
            "sort key": (set(x.sort_asc) | set(x.sort_desc), set(y.sort_asc) | set(y.sort_desc)),
            "range property": (set(x.ranges), set(y.ranges)),
        }
        for aspect, (mine, theirs) in aspects.items():
            lines += [f"{name}: {aspect} {n!r} only in {a}" for n in sorted(mine - theirs)]
            lines += [f"{name}: {aspect} {n!r} only in {b}" for n in sorted(theirs - mine)]
        for prop in sorted(set(x.properties) & set(y.properties)):
            if x.properties[prop] != y.properties[prop]:
                lines.append(
                    f"{name}: property {prop!r} is {x.properties[prop]} in {a}, {y.properties[prop]} in {b}"
                )
        if x.max_top != y.max_top:
            lines.append(f"{name}: largest top {x.max_top} in {a}, {y.max_top} in {b}")
    return lines
