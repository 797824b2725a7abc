"""A consumer's query as a `LogicalQuery`: placeholders filled from sampled rows, then the GET parameters or
the POST body read back into the query's meaning (the inverse of `openapi.queries.render`), so the gate
and validation send it through the document like every other query, and renames can be mapped on it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from destwatch.consumers.model import ConsumerQuery
from destwatch.openapi.queries import LogicalQuery, Unsupported

__all__ = ["PLACEHOLDER", "bind", "fill", "logical", "renamed"]

PLACEHOLDER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# Values a placeholder may name besides a result property: any id, and a date-time far enough back.
Scalar = str | int | float | bool
_DATE = "date"
_GET_SCALARS = (
    "top",
    "skip",
    "language",
    "sortAsc",
    "sortDesc",
    "after",
    "periodSince",
    "listIds",
    "includeTotals",
)
_BODY_KEYS = {
    "top",
    "skip",
    "language",
    "sortAsc",
    "sortDesc",
    "after",
    "period",
    "listIds",
    "includeTotals",
    "filter",
}


def bind(
    query: ConsumerQuery, rows: Sequence[Mapping[str, Any]], date_times: Sequence[str] = ()
) -> LogicalQuery:
    """`query` with its placeholders filled from `rows` (a sample of the endpoint in its language)."""
    params, body = fill(query, rows, date_times)
    return logical(query, params, body)


def fill(
    query: ConsumerQuery, rows: Sequence[Mapping[str, Any]], date_times: Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The query's parameters and body with each `{name}` replaced by a sampled value of property `name`
    (`{date}`: the earliest of the sampled date-times); `Unsupported` when the sample has no such value."""

    def value(name: str) -> Scalar:
        if name == _DATE:
            dates = sorted(str(row[key]) for row in rows for key in date_times if row.get(key))
            if dates:
                return dates[0]
            raise Unsupported(f"{query.id}: no sampled date-time fills {{{name}}}")
        for row in rows:
            found = row.get(name)
            if isinstance(found, str | int | float | bool):
                return found
        raise Unsupported(f"{query.id}: no sampled result has a value for {{{name}}}")

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            match = PLACEHOLDER.match(item)
            return value(match.group(1)) if match else item
        if isinstance(item, list):
            return [walk(part) for part in item]
        if isinstance(item, dict):
            return {key: walk(part) for key, part in item.items()}
        return item

    return walk(dict(query.params)), walk(dict(query.body))


def logical(query: ConsumerQuery, params: Mapping[str, Any], body: Mapping[str, Any]) -> LogicalQuery:
    """The meaning of the filled request; `Unsupported` for what a `LogicalQuery` cannot say (search, several
    filter elements): such a query is reported as not checked, with why."""
    ask = _from_get(params) if query.method == "GET" else _from_body(body)
    if query.language is not None:
        ask = ask.with_(language=query.language)
    return ask


def renamed(ask: LogicalQuery, properties: Mapping[str, str]) -> LogicalQuery:
    """`ask` with each renamed property (old -> new) renamed where it filters, ranges or sorts."""

    def name(key: str) -> str:
        return properties.get(key, key)

    return ask.with_(
        must={name(k): v for k, v in ask.must.items()},
        must_not={name(k): v for k, v in ask.must_not.items()},
        ranges={name(k): v for k, v in ask.ranges.items()},
        sort_asc=tuple(name(k) for k in ask.sort_asc),
        sort_desc=tuple(name(k) for k in ask.sort_desc),
    )


def _from_get(params: Mapping[str, Any]) -> LogicalQuery:
    given = {key: _text(value) for key, value in params.items()}
    must = {key: (value,) for key, value in given.items() if key not in _GET_SCALARS}
    return LogicalQuery(
        top=_int(given, "top"),
        skip=_int(given, "skip"),
        language=given.get("language"),
        sort_asc=(given["sortAsc"],) if "sortAsc" in given else (),
        sort_desc=(given["sortDesc"],) if "sortDesc" in given else (),
        after=given.get("after"),
        since=given.get("periodSince"),
        list_ids=given.get("listIds") == "true",
        totals=given.get("includeTotals") == "true",
        must=must,
    )


def _from_body(body: Mapping[str, Any]) -> LogicalQuery:
    unknown = sorted(set(body) - _BODY_KEYS)
    if unknown:
        raise Unsupported(f"the body's {', '.join(unknown)} cannot be compared as a logical query")
    elements = body.get("filter") or [{}]
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise Unsupported("only a body with one filter element can be compared as a logical query")
    element = elements[0]
    period = body.get("period") or {}
    after = body.get("after")
    return LogicalQuery(
        top=body.get("top"),
        skip=body.get("skip"),
        language=body.get("language"),
        sort_asc=_names(body.get("sortAsc")),
        sort_desc=_names(body.get("sortDesc")),
        after=str(after[0]) if isinstance(after, list) and after else (str(after) if after else None),
        since=period.get("since"),
        before=period.get("before"),
        list_ids=bool(body.get("listIds")),
        totals=bool(body.get("includeTotals")),
        must={key: tuple(_listed(v)) for key, v in (element.get("must") or {}).items()},
        must_not={key: tuple(_listed(v)) for key, v in (element.get("mustNot") or {}).items()},
        ranges=dict(element.get("range") or {}),
    )


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in _listed(value))


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _int(given: Mapping[str, str], key: str) -> int | None:
    if key not in given:
        return None
    try:
        return int(given[key])
    except ValueError:
        raise Unsupported(f"{key}={given[key]!r} is not a number") from None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
