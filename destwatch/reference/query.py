"""Request parsing, validation (exact to the OpenAPI document) and query execution for one endpoint.

Validation runs the very schemas the document publishes, through the same JSON Schema engine and draft that
Schemathesis uses for OpenAPI 3.0 (jsonschema-rs, Draft 4, formats checked), so "allowed by the document" and
"accepted by the server" are one predicate.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any

import jsonschema_rs

from destwatch.reference import catalogue
from destwatch.reference.candidates import (
    CANDIDATE_DEFAULT_TOP,
    DEFAULT_PAGE_25,
    DROPS_ITEMS,
    PAGES_OVERLAP,
    PRICE_IN_CENTS,
    TIES_REVERSED,
    TITLE_NOT_LOCALIZED,
    CandidateSwitch,
    drops,
)
from destwatch.reference.catalogue import Dataset
from destwatch.reference.faults import (
    AFTER_INCLUSIVE,
    EMPTY_RESULTS_404,
    EMPTY_RESULTS_NULL,
    ENVELOPE_MISSING_LANGUAGE,
    FACET_COUNTS_UNFILTERED,
    FACET_SIZE_IGNORED,
    GET_FILTER_PREFIX_MATCH,
    LANGUAGE_IGNORED,
    MUST_VALUES_AND,
    MUSTNOT_IGNORED,
    NO_FAULT,
    PERIOD_IGNORED,
    RANGE_BOUNDS_EXCLUSIVE,
    SCHEMA_DRIFT_V2,
    SERVER_ERROR_ON_TOP_ZERO,
    SKIP_OVERLAP,
    SORT_DESC_IGNORED,
    TOP_EXCEEDED,
    TOTAL_COUNTS_PAGE,
    V2_HIDES_OUT_OF_STOCK,
    FaultSwitch,
)
from destwatch.reference.model import Endpoint, Version
from destwatch.reference.openapi import DEFAULT_TOP, body_schema, query_schema

__all__ = ["BadRequest", "EndpointQueries", "FaultResponse", "Query", "parse_instant"]

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

_INSTANT = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:([Zz])|([+-])(\d\d):(\d\d))",
    re.ASCII,
)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_MAX_DETAIL = 300


class BadRequest(Exception):
    """The request breaks the document: answered 400 with this detail."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class FaultResponse(Exception):
    """A seeded fault replaces the answer with this status and JSON body (None: a bare 500)."""

    def __init__(self, status: int, body: dict[str, Any] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


@dataclass
class Query:
    """One request, as every supported way of asking (GET or POST) boils down to."""

    language: str
    top: int = DEFAULT_TOP
    skip: int = 0
    sort: list[tuple[str, bool]] = field(default_factory=list)
    after: str | None = None
    since: float | None = None
    before: float | None = None
    list_ids: bool = False
    include_totals: bool = False
    equals: dict[str, str] = field(default_factory=dict)
    filters: list[dict[str, Any]] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    search_on: list[str] = field(default_factory=list)
    case_insensitive: bool = False


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Howard Hinnant's algorithm: valid for any year, unlike `datetime` (RFC 3339 allows year 0000).
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_instant(text: str) -> float:
    """Seconds since the Unix epoch of an RFC 3339 date-time (already validated by the schema)."""
    match = _INSTANT.fullmatch(text)
    if match is None:
        raise BadRequest(f"{text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    if match.group(8):
        offset = int(match.group(9)) * 3600 + int(match.group(10)) * 60
        seconds -= offset if match.group(8) == "+" else -offset
    return float(seconds)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _validate(validator: jsonschema_rs.Validator, instance: Any, where: str) -> None:
    error = next(iter(validator.iter_errors(instance)), None)
    if error is not None:
        path = "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in error.instance_path)
        message = error.message if len(error.message) <= _MAX_DETAIL else error.message[:_MAX_DETAIL] + "…"
        raise BadRequest(f"{where}{path}: {message}")


def _coerce(text: str, kind: str | None) -> Any:
    """Read a query value as the document types it; unreadable values stay strings and fail validation."""
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _single_values(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in items:
        if name in values:
            raise BadRequest(f"query parameter {name!r} is given more than once")
        values[name] = value
    return values


@cache
def _rows(endpoint: Endpoint, language: str, data: Dataset) -> tuple[Row, ...]:
    """The endpoint's result objects in one language: catalogue rows projected onto its properties."""
    columns = [(prop.name, prop.column) for prop in endpoint.properties]
    return tuple(
        {name: row[column] for name, column in columns}
        for row in catalogue.table(endpoint.table, language, data)
    )


@cache
def _period_at(endpoint: Endpoint, data: Dataset) -> dict[str, float]:
    """The instant each result's period property holds, by id."""
    column = endpoint.period
    return {row["id"]: parse_instant(row[column]) for row in catalogue.table(endpoint.table, "en", data)}


class EndpointQueries:
    """Parses, validates and answers the queries of one endpoint of one destination version."""

    def __init__(
        self, endpoint: Endpoint, version: Version, dataset: Dataset, *, faults: FaultSwitch = NO_FAULT
    ) -> None:
        self.endpoint = endpoint
        self.version = version
        self.dataset = dataset
        self._faults = faults
        self._candidate = CandidateSwitch.of(version)
        # What a request without `top` gets; the document says DEFAULT_TOP whatever a candidate answers.
        self._default_top = CANDIDATE_DEFAULT_TOP if self._candidate.on(DEFAULT_PAGE_25) else DEFAULT_TOP
        self._get = jsonschema_rs.Draft4Validator(
            query_schema(endpoint, version, "get"), validate_formats=True
        )
        self._post_query = jsonschema_rs.Draft4Validator(
            query_schema(endpoint, version, "post"), validate_formats=True
        )
        self._body = jsonschema_rs.Draft4Validator(body_schema(endpoint, version), validate_formats=True)
        self._kinds = {
            name: schema.get("type")
            for name, schema in query_schema(endpoint, version, "get")["properties"].items()
        }
        self._period = _period_at(endpoint, dataset)
        self._sort_keys = {name: self._sort_key(name) for name in endpoint.sortable}
        self._unfiltered_facets: dict[str, list[dict[str, Any]]] = {}
        self._served: dict[str, Sequence[Row]] = {}

    # -- parsing ---------------------------------------------------------------------------------------

    def parse_get(self, items: Iterable[tuple[str, str]]) -> Query:
        raw = _single_values(items)
        typed = {name: _coerce(value, self._kinds.get(name)) for name, value in raw.items()}
        _validate(self._get, typed, "query")
        query = Query(
            language=typed.get("language", self.version.languages[0]),
            top=typed.get("top", self._default_top),
            skip=typed.get("skip", 0),
            after=typed.get("after"),
            list_ids=typed.get("listIds", False),
            include_totals=typed.get("includeTotals", False),
            equals={name: typed[name] for name in self.endpoint.filterable if name in typed},
        )
        if "sortAsc" in typed:
            query.sort.append((typed["sortAsc"], False))
        if "sortDesc" in typed:
            query.sort.append((typed["sortDesc"], True))
        if "periodSince" in typed:
            query.since = parse_instant(typed["periodSince"])
        return query

    def parse_post(self, items: Iterable[tuple[str, str]], content_type: str, body: bytes) -> Query:
        raw = _single_values(items)
        _validate(self._post_query, raw, "query")
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            raise BadRequest("the body must be JSON, sent with Content-Type: application/json")
        try:
            data = json.loads(
                body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
            )
        except (ValueError, RecursionError) as exc:
            raise BadRequest(f"the body is not valid JSON: {str(exc)[:_MAX_DETAIL]}") from None
        _validate(self._body, data, "body")
        period = data.get("period", {})
        after = data.get("after", [])
        return Query(
            language=data.get("language", raw.get("language", self.version.languages[0])),
            top=data.get("top", self._default_top),
            skip=data.get("skip", 0),
            sort=[(name, False) for name in data.get("sortAsc", [])]
            + [(name, True) for name in data.get("sortDesc", [])],
            after=after[0] if after else None,
            since=parse_instant(period["since"]) if "since" in period else None,
            before=parse_instant(period["before"]) if "before" in period else None,
            list_ids=data.get("listIds", False),
            include_totals=data.get("includeTotals", False),
            filters=data.get("filter", []),
            search=data.get("search", []),
            search_on=data.get("searchOn", []),
            case_insensitive=data.get("caseInsensitiveSearch", False),
        )

    # -- execution -------------------------------------------------------------------------------------

    def answer(self, query: Query) -> dict[str, Any]:
        """The response body for `query`; raises `FaultResponse` where a seeded fault replaces the answer."""
        faults = self._faults
        if faults.on(SERVER_ERROR_ON_TOP_ZERO) and query.top == 0:
            raise FaultResponse(500)
        rows = self._base_rows(query.language)
        predicates = self._predicates(query)
        matches: Sequence[Row] = (
            [row for row in rows if all(test(row) for test in predicates)] if predicates else rows
        )

        ordered = self._sorted(matches, query.sort)
        if query.after is not None:
            ordered = self._after(ordered, query.after, query.sort)
        overlap = faults.on(SKIP_OVERLAP) or self._candidate.on(PAGES_OVERLAP)
        start = query.skip - 1 if overlap and query.skip > 0 else query.skip
        count = query.top + 1 if faults.on(TOP_EXCEEDED) else query.top
        page = ordered[start : start + count]

        if not page and faults.on(EMPTY_RESULTS_404):
            raise FaultResponse(404, {"error": "not_found", "detail": "no results"})
        results: list[Any] | None
        if query.list_ids:
            results = [row["id"] for row in page]
        elif faults.on(SCHEMA_DRIFT_V2) and self.version.name == "v2" and self.endpoint.id == "products":
            results = [{**row, "price": f"{row['price']:.2f}"} for row in page]
        else:
            results = list(page)
        if not results and faults.on(EMPTY_RESULTS_NULL):
            results = None

        body: dict[str, Any] = {"language": query.language, "results": results}
        if faults.on(ENVELOPE_MISSING_LANGUAGE):
            del body["language"]
        if query.include_totals:
            body["total"] = len(page) if faults.on(TOTAL_COUNTS_PAGE) else len(matches)
        if self.endpoint.facets:
            if faults.on(FACET_COUNTS_UNFILTERED):
                body["facets"] = self._facets(rows, query.language, cacheable=True)
            else:
                body["facets"] = self._facets(matches, query.language, cacheable=not predicates)
        return body

    def _base_rows(self, language: str) -> Sequence[Row]:
        language = "en" if self._faults.on(LANGUAGE_IGNORED) else language
        if language not in self._served:
            self._served[language] = self._as_served(_rows(self.endpoint, language, self.dataset))
        rows = self._served[language]
        if self._faults.on(V2_HIDES_OUT_OF_STOCK) and self.version.name == "v2":
            return [row for row in rows if row.get("stock") != 0]
        return rows

    def _as_served(self, rows: Sequence[Row]) -> Sequence[Row]:
        """`rows` as this version holds them: a candidate's version fault in the data itself, so filters,
        sorts, totals and facets all see it as a real regression's index would. Computed once per language."""
        candidate = self._candidate
        if candidate.on(DROPS_ITEMS):
            return [row for row in rows if not drops(row["id"])]
        if candidate.on(PRICE_IN_CENTS) and self.endpoint.property_named("price"):
            # Whole cents: 9.95 * 100 is 994.999... in binary floating point.
            return [{**row, "price": round(row["price"] * 100)} for row in rows]
        if candidate.on(TITLE_NOT_LOCALIZED) and self.endpoint.property_named("title"):
            english = _rows(self.endpoint, "en", self.dataset)
            return [{**row, "title": en["title"]} for row, en in zip(rows, english, strict=True)]
        return rows

    def _predicates(self, query: Query) -> list[Predicate]:
        faults = self._faults
        predicates: list[Predicate] = []
        for name, value in query.equals.items():
            if faults.on(GET_FILTER_PREFIX_MATCH):
                predicates.append(lambda row, n=name, v=value: row[n].startswith(v))
            else:
                predicates.append(lambda row, n=name, v=value: row[n] == v)
        # `row.get`: an open `must` map may name a key that is no property; no value equals it (a string never
        # equals a number either), so such a key matches nothing in `must` and excludes nothing in `mustNot`.
        for element in query.filters:
            for name, values in element.get("must", {}).items():
                wanted = frozenset(values)
                if faults.on(MUST_VALUES_AND):
                    predicates.append(lambda row, n=name, w=wanted: all(row.get(n) == v for v in w))
                else:
                    predicates.append(lambda row, n=name, w=wanted: row.get(n) in w)
            if not faults.on(MUSTNOT_IGNORED):
                for name, values in element.get("mustNot", {}).items():
                    predicates.append(lambda row, n=name, w=frozenset(values): row.get(n) not in w)
            for name, bounds in element.get("range", {}).items():
                predicates.extend(self._range(name, bounds))
        if not faults.on(PERIOD_IGNORED):
            instants = self._period
            if query.since is not None:
                predicates.append(lambda row, t=query.since: instants[row["id"]] >= t)
            if query.before is not None:
                predicates.append(lambda row, t=query.before: instants[row["id"]] < t)
        if query.search:
            predicates.append(self._search(query))
        return predicates

    def _range(self, name: str, bounds: dict[str, float]) -> list[Predicate]:
        exclusive = self._faults.on(RANGE_BOUNDS_EXCLUSIVE)
        tests: list[Predicate] = []
        if "gt" in bounds or (exclusive and "gte" in bounds):
            limit = bounds["gt"] if "gt" in bounds else bounds["gte"]
            tests.append(lambda row: row[name] > limit)
        if "gte" in bounds and not exclusive:
            tests.append(lambda row: row[name] >= bounds["gte"])
        if "lt" in bounds or (exclusive and "lte" in bounds):
            upper = bounds["lt"] if "lt" in bounds else bounds["lte"]
            tests.append(lambda row: row[name] < upper)
        if "lte" in bounds and not exclusive:
            tests.append(lambda row: row[name] <= bounds["lte"])
        return tests

    def _search(self, query: Query) -> Predicate:
        fields = query.search_on or list(self.endpoint.searchable)
        fold = str.casefold if query.case_insensitive else str
        terms = [fold(term) for term in query.search]
        return lambda row: any(term in fold(row[name]) for name in fields for term in terms)

    def _sort_key(self, name: str) -> Callable[[Row], Any]:
        prop = self.endpoint.property_named(name)
        if self.version.style.sort_collation == "case-insensitive" and prop and prop.type == "string":
            return lambda row: row[name].casefold()
        return itemgetter(name)

    def _sorted(self, rows: Sequence[Row], sort: list[tuple[str, bool]]) -> Sequence[Row]:
        if not sort:
            return rows  # already in `id` order
        # Stable sorts from the last key to the first; rows start in `id` order, which breaks every tie (a
        # reverse sort keeps ties in their order too). `ties-reversed` starts from the opposite order.
        ordered = list(reversed(rows)) if self._candidate.on(TIES_REVERSED) else list(rows)
        reverse_allowed = not self._faults.on(SORT_DESC_IGNORED)
        for name, descending in reversed(sort):
            ordered.sort(key=self._sort_keys[name], reverse=descending and reverse_allowed)
        return ordered

    def _after(self, rows: Sequence[Row], cursor: str, sort: list[tuple[str, bool]]) -> Sequence[Row]:
        backwards = bool(sort) and sort[0] == ("id", True)
        inclusive = self._faults.on(AFTER_INCLUSIVE) or self._candidate.on(PAGES_OVERLAP)
        if backwards:
            return [row for row in rows if row["id"] < cursor or (inclusive and row["id"] == cursor)]
        return [row for row in rows if row["id"] > cursor or (inclusive and row["id"] == cursor)]

    def _facets(self, rows: Sequence[Row], language: str, *, cacheable: bool) -> list[dict[str, Any]]:
        if cacheable and language in self._unfiltered_facets:
            return self._unfiltered_facets[language]
        header_language = "en" if self._faults.on(LANGUAGE_IGNORED) else language
        facets = []
        for facet in self.endpoint.facets:
            counts = Counter(row[facet.property] for row in rows)
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            if not self._faults.on(FACET_SIZE_IGNORED):
                ranked = ranked[: facet.size]
            facets.append(
                {
                    "propertyId": facet.property_id,
                    "header": facet.header(header_language),
                    "values": [{"key": key, "count": count} for key, count in ranked],
                }
            )
        if cacheable:
            self._unfiltered_facets[language] = facets
        return facets
