"""Logical queries, and how each one is written as a GET or a POST request the document allows.

One `Ask` is the meaning of a query (filters, sort, paging, period, language). The same `Ask` becomes a GET
query string or a POST body, so rules like "GET filters equal POST must" and "the same logical query on two
versions" compare answers to one meaning, not two hand-written requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from destwatch.semantics.model import EndpointModel

__all__ = ["Ask", "Method", "Request", "Unsupported", "render"]

Method = Literal["GET", "POST"]
Scalar = str | int | float | bool


class Unsupported(ValueError):
    """The document gives no way to send this query with this method (the rule is skipped, with why)."""


@dataclass(frozen=True)
class Ask:
    """A logical query. Empty fields are not sent, so `Ask()` is the bare request."""

    top: int | None = None
    skip: int | None = None
    language: str | None = None
    sort_asc: tuple[str, ...] = ()
    sort_desc: tuple[str, ...] = ()
    after: str | None = None
    since: str | None = None
    before: str | None = None
    list_ids: bool = False
    totals: bool = False
    must: Mapping[str, tuple[Scalar, ...]] = field(default_factory=dict)
    must_not: Mapping[str, tuple[Scalar, ...]] = field(default_factory=dict)
    ranges: Mapping[str, Mapping[str, Scalar]] = field(default_factory=dict)

    def with_(self, **changes: Any) -> Ask:
        return replace(self, **changes)

    def and_must(self, name: str, *values: Scalar) -> Ask:
        return replace(self, must={**self.must, name: tuple(values)})

    def describe(self) -> str:
        """A short human form used in counterexamples (`must category in ['Bags']; top=1000`)."""
        parts = [f"must {k} in {list(v)!r}" for k, v in self.must.items()]
        parts += [f"mustNot {k} in {list(v)!r}" for k, v in self.must_not.items()]
        parts += [f"range {k} {dict(v)!r}" for k, v in self.ranges.items()]
        for name in ("top", "skip", "language", "after", "since", "before"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)!r}")
        parts += [f"sortAsc={k}" for k in self.sort_asc] + [f"sortDesc={k}" for k in self.sort_desc]
        return "; ".join(parts) or "no parameters"


@dataclass(frozen=True)
class Request:
    method: Method
    path: str
    params: Sequence[tuple[str, str]]
    body: Mapping[str, Any] | None


def render(ask: Ask, model: EndpointModel, method: Method) -> Request:
    """`ask` as a request of `method`, or `Unsupported` naming what the document does not declare."""
    return _get(ask, model) if method == "GET" else _post(ask, model)


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _get(ask: Ask, model: EndpointModel) -> Request:
    declared = model.get_parameters
    if not model.has_get:
        raise Unsupported(f"{model.path} declares no GET operation")
    if ask.must_not or ask.ranges or ask.before is not None:
        raise Unsupported("GET has no mustNot, range or period end")
    if len(ask.sort_asc) > 1 or len(ask.sort_desc) > 1:
        raise Unsupported("GET sorts on one property")
    params: list[tuple[str, str]] = []
    scalars: dict[str, Scalar | None] = {
        "top": ask.top,
        "skip": ask.skip,
        "language": ask.language,
        "sortAsc": ask.sort_asc[0] if ask.sort_asc else None,
        "sortDesc": ask.sort_desc[0] if ask.sort_desc else None,
        "after": ask.after,
        "periodSince": ask.since,
        "listIds": True if ask.list_ids else None,
        "includeTotals": True if ask.totals else None,
    }
    for name, value in scalars.items():
        if value is None:
            continue
        if name not in declared:
            raise Unsupported(f"the document declares no GET parameter {name!r}")
        params.append((name, _text(value)))
    for name, values in ask.must.items():
        if name not in model.get_filters:
            raise Unsupported(f"the document declares no GET filter {name!r}")
        if len(values) != 1:
            raise Unsupported("a GET filter takes one value")
        params.append((name, _text(values[0])))
    return Request("GET", model.path, params, None)


def _post(ask: Ask, model: EndpointModel) -> Request:
    declared = model.post_fields
    if not model.has_post:
        raise Unsupported(f"{model.path} declares no POST operation")
    body: dict[str, Any] = {}
    params: list[tuple[str, str]] = []

    def put(name: str, value: Any) -> None:
        if name not in declared:
            raise Unsupported(f"the document declares no POST body field {name!r}")
        body[name] = value

    if ask.top is not None:
        put("top", ask.top)
    if ask.skip is not None:
        put("skip", ask.skip)
    if ask.language is not None:
        # Where POST takes the language is not public: the body when declared, else the query string.
        if "language" in declared:
            body["language"] = ask.language
        elif "language" in model.post_query_parameters:
            params.append(("language", ask.language))
        else:
            raise Unsupported("the document declares no language for POST")
    if ask.sort_asc:
        put("sortAsc", list(ask.sort_asc))
    if ask.sort_desc:
        put("sortDesc", list(ask.sort_desc))
    if ask.after is not None:
        put("after", [ask.after])
    if ask.since is not None or ask.before is not None:
        period = {k: v for k, v in (("since", ask.since), ("before", ask.before)) if v is not None}
        put("period", period)
    if ask.list_ids:
        put("listIds", True)
    if ask.totals:
        put("includeTotals", True)
    element: dict[str, Any] = {}
    for key, conditions, allowed in (
        ("must", ask.must, model.must_keys),
        ("mustNot", ask.must_not, model.must_not_keys),
    ):
        for name in conditions:
            if name not in allowed:
                raise Unsupported(f"the document declares no POST filter.{key} key {name!r}")
        if conditions:
            element[key] = {name: list(values) for name, values in conditions.items()}
    for name, bounds in ask.ranges.items():
        allowed_ops = model.ranges.get(name, ())
        if not set(bounds) <= set(allowed_ops):
            raise Unsupported(f"the document declares no range {sorted(bounds)} on {name!r}")
    if ask.ranges:
        element["range"] = {name: dict(bounds) for name, bounds in ask.ranges.items()}
    if element:
        put("filter", [element])
    return Request("POST", model.path, params, body)
