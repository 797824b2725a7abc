"""Logical queries, and how each one is written as a GET or a POST request the document allows.

One `LogicalQuery` is the meaning of a query (filters, sort, paging, period, language). The same one
becomes a GET query string or a POST body, each with only what that method's surface declares, so rules
like "GET filters equal POST must" and "the same logical query on two versions" compare answers to one
meaning, not two hand-written requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from destwatch.failures import NotChecked
from destwatch.openapi.model import EndpointModel, Method, Surface

__all__ = ["LogicalQuery", "Method", "Request", "Unsupported", "expressible", "methods_for", "render"]

Scalar = str | int | float | bool


class Unsupported(NotChecked):
    """The document gives no way to send this query with this method (the rule is skipped, with why)."""


@dataclass(frozen=True)
class LogicalQuery:
    """A logical query. Empty fields are not sent, so `LogicalQuery()` is the bare request."""

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

    def with_(self, **changes: Any) -> LogicalQuery:
        return replace(self, **changes)

    def and_must(self, name: str, *values: Scalar) -> LogicalQuery:
        return replace(self, must={**self.must, name: tuple(values)})

    def describe(self) -> str:
        """A short human form used in counterexamples (`must category in ['Bags']; top=1000`)."""
        parts = [f"must {k} in {_listed(v)}" for k, v in self.must.items()]
        parts += [f"mustNot {k} in {_listed(v)}" for k, v in self.must_not.items()]
        parts += [f"range {k} {dict(v)!r}" for k, v in self.ranges.items()]
        for name in ("top", "skip", "language", "after", "since", "before"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)!r}")
        parts += [f"sortAsc={k}" for k in self.sort_asc] + [f"sortDesc={k}" for k in self.sort_desc]
        parts += [name for name, on in (("listIds", self.list_ids), ("includeTotals", self.totals)) if on]
        return "; ".join(parts) or "no parameters"


def _listed(values: Sequence[Scalar], shown: int = 5) -> str:
    if len(values) <= shown:
        return repr(list(values))
    return repr(list(values[:shown]))[:-1] + f", … {len(values)} values]"


@dataclass(frozen=True)
class Request:
    method: Method
    path: str
    params: Sequence[tuple[str, str]]
    body: Mapping[str, Any] | None


def render(ask: LogicalQuery, model: EndpointModel, method: Method) -> Request:
    """`ask` as a request of `method`, or `Unsupported` naming what the document does not declare."""
    surface = model.surface(method)
    if surface is None:
        raise Unsupported(f"{model.path} declares no {method} operation")
    if method == "GET":
        return Request("GET", model.path, _query(ask, surface), None)
    params, body = _body(ask, surface)
    return Request("POST", model.path, params, body)


def expressible(ask: LogicalQuery, model: EndpointModel, method: Method) -> bool:
    try:
        render(ask, model, method)
    except Unsupported:
        return False
    return True


def methods_for(model: EndpointModel, asks: Sequence[LogicalQuery]) -> list[Method]:
    """The methods that can write every one of `asks`; `Unsupported` with each method's reason if none."""
    methods: list[Method] = []
    reasons: list[str] = []
    for method in ("GET", "POST"):
        try:
            for ask in asks:
                render(ask, model, method)
        except Unsupported as why:
            reasons.append(f"{method}: {why.reason}")
        else:
            methods.append(method)
    if not methods:
        raise Unsupported("no method of the document can ask this (" + "; ".join(reasons) + ")")
    return methods


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _require(surface: Surface, feature: str) -> None:
    if not surface.declares(feature):
        place = "parameter" if surface.method == "GET" else "body field"
        raise Unsupported(f"the document declares no {surface.method} {place} {feature!r}")


def _check_sort(surface: Surface, asc: Sequence[str], desc: Sequence[str]) -> None:
    for key, declared, name in [(k, surface.sort_asc, "sortAsc") for k in asc] + [
        (k, surface.sort_desc, "sortDesc") for k in desc
    ]:
        _require(surface, name)
        if declared and key not in declared:
            raise Unsupported(f"the document's {surface.method} {name} does not offer {key!r}")


def _check_filters(surface: Surface, must: Mapping[str, Sequence[Scalar]], key: str = "must") -> None:
    allowed = surface.filters if key == "must" else surface.must_not
    for name, values in must.items():
        if name not in allowed:
            where = "GET filter" if surface.method == "GET" else f"POST filter.{key} key"
            raise Unsupported(f"the document declares no {where} {name!r}")
        if len(values) != 1 and not surface.several_values:
            raise Unsupported(f"a {surface.method} filter takes one value")


def _query(ask: LogicalQuery, surface: Surface) -> list[tuple[str, str]]:
    if ask.must_not or ask.ranges or ask.before is not None:
        raise Unsupported("GET has no mustNot, range or period end")
    if len(ask.sort_asc) > 1 or len(ask.sort_desc) > 1:
        raise Unsupported("GET sorts on one property")
    _check_sort(surface, ask.sort_asc, ask.sort_desc)
    _check_filters(surface, ask.must)
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
        if value is not None:
            _require(surface, name)
            params.append((name, _text(value)))
    params += [(name, _text(values[0])) for name, values in ask.must.items()]
    return params


def _body(ask: LogicalQuery, surface: Surface) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    _check_sort(surface, ask.sort_asc, ask.sort_desc)
    _check_filters(surface, ask.must)
    _check_filters(surface, ask.must_not, "mustNot")
    body: dict[str, Any] = {}
    params: list[tuple[str, str]] = []

    def put(name: str, value: Any) -> None:
        _require(surface, name)
        body[name] = value

    if ask.top is not None:
        put("top", ask.top)
    if ask.skip is not None:
        put("skip", ask.skip)
    if ask.language is not None:
        # Where POST takes the language is not public: the body when declared, else the query string.
        if surface.language_in == "body":
            body["language"] = ask.language
        elif surface.language_in == "query":
            params.append(("language", ask.language))
        else:
            raise Unsupported("the document declares no language for POST")
    if ask.sort_asc:
        put("sortAsc", list(ask.sort_asc))
    if ask.sort_desc:
        put("sortDesc", list(ask.sort_desc))
    if ask.after is not None:
        put("after", [ask.after])
    if ask.before is not None and not surface.period_before:
        raise Unsupported("the document's POST period has no `before`")
    if ask.since is not None or ask.before is not None:
        put("period", {k: v for k, v in (("since", ask.since), ("before", ask.before)) if v is not None})
    if ask.list_ids:
        put("listIds", True)
    if ask.totals:
        put("includeTotals", True)
    element: dict[str, Any] = {}
    if ask.must:
        element["must"] = {name: list(values) for name, values in ask.must.items()}
    if ask.must_not:
        element["mustNot"] = {name: list(values) for name, values in ask.must_not.items()}
    for name, bounds in ask.ranges.items():
        offered = surface.ranges.get(name, ())
        if not set(bounds) <= set(offered):
            raise Unsupported(f"the document declares no range {sorted(bounds)} on {name!r}")
    if ask.ranges:
        element["range"] = {name: dict(bounds) for name, bounds in ask.ranges.items()}
    if element:
        put("filter", [element])
    return params, body
