"""Consumer files (`consumers/NAME.toml`): who sends which queries to which versions, and what they read.

A consumer file is validated like targets.toml: every mistake is one `ConfigError` naming the file, the
line, the key and the fix. The queries are kept as the consumer sends them (GET parameters or a POST
body, placeholders included); `destwatch.consumers.queries` turns one into a `LogicalQuery`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from destwatch._tomllines import TomlLines, toml_value
from destwatch.errors import ConfigError

__all__ = [
    "Consumer",
    "ConsumerFile",
    "ConsumerQuery",
    "Paging",
    "QueryTable",
    "Relies",
    "load_consumer",
    "load_consumers",
]

Paging = Literal["none", "skip", "keyset"]
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VERSION = re.compile(r"^v[1-9][0-9]*$")
_SORTS = ("sortAsc", "sortDesc")
ParamValue = StrictStr | StrictInt | StrictBool | float


class Relies(BaseModel):
    """`[query.relies_on]`: what the consumer's code reads from the answer (every key optional)."""

    model_config = _STRICT

    properties: list[StrictStr] = Field(
        default_factory=list,
        description="result properties the consumer reads; each must keep its documented type",
        examples=[["id", "title", "price"]],
    )
    sort: StrictBool = Field(
        False, description="whether it relies on the order its sortAsc/sortDesc asks for", examples=[True]
    )
    total: StrictBool = Field(
        False, description="whether it reads `total` (asked with includeTotals)", examples=[True]
    )
    facets: list[StrictStr] = Field(
        default_factory=list, description="facets it reads, by propertyId", examples=[["category"]]
    )
    paging: Paging = Field(
        "none",
        description='how it pages: "none" (one page), "skip" (top + skip) or "keyset" (sortAsc=id + after)',
        examples=["keyset"],
    )


class QueryTable(BaseModel):
    """One `[[query]]`: a request the consumer sends."""

    model_config = _STRICT

    name: StrictStr = Field(
        "",
        description="the query's name in reports (default: query-1, query-2, ...)",
        examples=["category-page"],
    )
    endpoint: StrictStr = Field(description="the endpoint id, as in the URL", examples=["products"])
    method: Literal["GET", "POST"] = Field("GET", description="GET or POST", examples=["POST"])
    params: dict[str, ParamValue] = Field(
        default_factory=dict,
        description='GET query parameters; a value "{property}" is filled from sampled data',
        examples=[{"category": "{category}", "sortAsc": "price", "top": 24}],
    )
    body: dict[str, Any] = Field(
        default_factory=dict,
        description="the POST body, as JSON would hold it (placeholders allowed in strings)",
        examples=[{"top": 10, "filter": [{"must": {"brand": ["{brand}"]}}]}],
    )
    language: StrictStr | None = Field(None, description="the language it asks for", examples=["sv"])
    relies_on: Relies = Field(default_factory=Relies, description="what it reads from the answer")


class ConsumerFile(BaseModel):
    """A consumer file's top level."""

    model_config = _STRICT

    name: StrictStr = Field(
        "", description="the consumer's name (default: the file's name)", examples=["storefront"]
    )
    owner: StrictStr = Field(
        description="who to tell about a change", examples=["web team <web@example.com>"]
    )
    destination: StrictStr = Field(
        description="the destination it reads, as in targets.toml", examples=["productCatalog"]
    )
    versions: list[StrictStr] = Field(
        min_length=1, description="the versions it uses today", examples=[["v2"]]
    )
    query: list[QueryTable] = Field(min_length=1, description="the queries it sends, as [[query]] tables")


@dataclass(frozen=True)
class ConsumerQuery:
    consumer: str
    name: str
    endpoint: str
    method: Literal["GET", "POST"]
    params: Mapping[str, Any]
    body: Mapping[str, Any]
    language: str | None
    relies: Relies

    @property
    def id(self) -> str:
        return f"{self.consumer}/{self.name}"


@dataclass(frozen=True)
class Consumer:
    name: str
    owner: str
    destination: str
    versions: tuple[str, ...]
    queries: tuple[ConsumerQuery, ...]
    path: str
    # The file as read, so another process of the run rebuilds the same consumer (`to_data`, `from_data`).
    raw: Mapping[str, Any]

    def uses(self, destination: str, version: str) -> bool:
        return destination == self.destination and version in self.versions

    def to_data(self) -> dict[str, Any]:
        return {"path": self.path, "raw": dict(self.raw)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Consumer:
        return _consumer(Path(data["path"]), ConsumerFile.model_validate(data["raw"]), data["raw"])


def load_consumers(folder: Path, versions: Mapping[str, Iterable[str]] | None = None) -> tuple[Consumer, ...]:
    """Every `*.toml` of `folder`, validated; `versions` (destination -> its configured versions) checks
    that each consumer names a configured destination and versions. `ConfigError` for any mistake."""
    consumers = tuple(load_consumer(path, versions) for path in sorted(folder.glob("*.toml")))
    seen: dict[str, str] = {}
    for consumer in consumers:
        if consumer.name in seen:
            raise ConfigError(
                f"consumer {consumer.name!r} is also named in {seen[consumer.name]}",
                file=consumer.path,
                key="name",
                fix="give each consumer its own name",
            )
        seen[consumer.name] = consumer.path
    return consumers


def load_consumer(path: Path, versions: Mapping[str, Iterable[str]] | None = None) -> Consumer:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file ({exc.__class__.__name__})", file=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = str(exc)[: position.start()].rstrip() if position else str(exc)
        line = int(position.group(1)) if position else None
        raise ConfigError(
            f"not valid TOML: {message}", file=path, line=line, fix="fix the TOML syntax"
        ) from None
    lines = TomlLines(text)
    try:
        parsed = ConsumerFile.model_validate(raw)
    except ValidationError as exc:
        raise _from_pydantic(path, lines, exc, raw) from None
    consumer = _consumer(path, parsed, raw)
    _check(consumer, parsed, lines, versions)
    return consumer


def _consumer(path: Path, parsed: ConsumerFile, raw: Mapping[str, Any]) -> Consumer:
    name = parsed.name or path.stem
    queries = tuple(
        ConsumerQuery(
            name,
            table.name or f"query-{number}",
            table.endpoint,
            table.method,
            dict(table.params),
            dict(table.body),
            table.language,
            table.relies_on,
        )
        for number, table in enumerate(parsed.query, start=1)
    )
    return Consumer(name, parsed.owner, parsed.destination, tuple(parsed.versions), queries, str(path), raw)


def _check(
    consumer: Consumer, parsed: ConsumerFile, lines: TomlLines, versions: Mapping[str, Iterable[str]] | None
) -> None:
    def error(loc: tuple[str, ...], problem: str, fix: str) -> ConfigError:
        return ConfigError(problem, file=consumer.path, line=lines.line_of(loc), key=_key(loc), fix=fix)

    if not _NAME.match(consumer.name):
        raise error(
            ("name",), f"{consumer.name!r} is not a usable name", "use letters, digits, '-', '_' and '.'"
        )
    for number, version in enumerate(consumer.versions):
        if not _VERSION.match(version):
            raise error(
                ("versions",), f"{version!r} is not a version name", 'name versions as in the URL: "v2"'
            )
        if versions is not None:
            _check_version(consumer, version, versions, error, number)
    names = [query.name for query in consumer.queries]
    for index, (query, table) in enumerate(zip(consumer.queries, parsed.query, strict=True)):
        loc = ("query", str(index))
        if query.name in names[:index]:
            raise error(
                (*loc, "name"), f"two queries are named {query.name!r}", "give each query its own name"
            )
        if query.method == "GET" and table.body:
            raise error(
                (*loc, "body"), "a GET query has no body", 'write its values under params, or method = "POST"'
            )
        if query.method == "POST" and table.params:
            raise error((*loc, "params"), "a POST query sends its values in body", "move them to body")
        sent = set(query.params) | set(query.body)
        if query.relies.sort and not sent & set(_SORTS):
            raise error(
                (*loc, "relies_on", "sort"),
                "relies on a sort order but the query asks for none",
                "add sortAsc or sortDesc to the query, or remove sort",
            )


def _check_version(
    consumer: Consumer, version: str, versions: Mapping[str, Iterable[str]], error: Any, number: int
) -> None:
    if consumer.destination not in versions:
        raise error(
            ("destination",),
            f"no destination {consumer.destination!r} in targets.toml",
            f"name one of {', '.join(sorted(versions))}",
        )
    configured = list(versions[consumer.destination])
    if version not in configured:
        raise error(
            ("versions",),
            f"{consumer.destination} has no version {version!r} in targets.toml",
            f"name one of {', '.join(configured)}",
        )


def _from_pydantic(path: Path, lines: TomlLines, exc: ValidationError, raw: Mapping[str, Any]) -> ConfigError:
    error = min(exc.errors(), key=lambda item: item["type"] != "extra_forbidden")
    loc = tuple(str(part) for part in error["loc"])
    # pydantic names the member of a union it tried (`str`, `int`): the key is what the user wrote.
    loc = tuple(part for part in loc if part not in ("str", "int", "bool", "float"))
    model, key = _model_of(loc)
    if error["type"] == "extra_forbidden":
        valid = sorted(model.model_fields)
        problem, fix = f"unknown key {key!r}", f"remove it; valid keys: {', '.join(valid)}"
    elif error["type"] == "missing":
        problem, fix = f"missing key {key!r}", _hint(model, key) or f"add {key}"
    else:
        got = _value_at(raw, loc)
        message = error["msg"].removeprefix("Value error, ")
        message = (message[:1].lower() + message[1:]).replace("a valid list", "an array")
        problem = f"{message.replace('a valid dictionary', 'a table')} (got {toml_value(got)})"
        fix = _hint(model, key)
    return ConfigError(problem, file=path, line=lines.line_of(loc), key=_key(loc), fix=fix)


def _model_of(loc: tuple[str, ...]) -> tuple[type[BaseModel], str]:
    """The model whose field the error is about, and that field's name."""
    model: type[BaseModel] = ConsumerFile
    fields = [part for part in loc if not part.isdigit()]
    for part in fields[:-1]:
        model = {"query": QueryTable, "relies_on": Relies}.get(part, model)
    return model, fields[-1] if fields else ""


def _hint(model: type[BaseModel], key: str) -> str:
    info = model.model_fields.get(key)
    if info is None or not info.examples:
        return ""
    return f"{key} is {info.description}, e.g. {key} = {toml_value(info.examples[0])}"


def _value_at(raw: Any, loc: tuple[str, ...]) -> Any:
    for part in loc:
        if isinstance(raw, list) and part.isdigit() and int(part) < len(raw):
            raw = raw[int(part)]
        elif isinstance(raw, dict) and part in raw:
            raw = raw[part]
        else:
            return None
    return raw


def _key(loc: tuple[str, ...]) -> str:
    """`query[2].relies_on.sort` (the second [[query]], counted as a reader counts) for a key path."""
    text = ""
    for part in loc:
        text += f"[{int(part) + 1}]" if part.isdigit() else (f".{part}" if text else part)
    return text
