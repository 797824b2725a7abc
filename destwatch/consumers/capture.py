"""A consumer file from the traffic a consumer already sends: a HAR export, or access-log lines.

Requests to one destination version's data endpoints are grouped into query shapes (endpoint, method,
language and the names of what is sent); within a shape a value that varies becomes a placeholder, and
`skip` / `after` become the paging mode. Nothing that could be a credential is written: no header or
cookie is read at all, and parameters or body fields named like one, or holding a JWT, are dropped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from destwatch._files import json_or_none
from destwatch._tomllines import toml_value
from destwatch.errors import ConfigError

__all__ = ["Seen", "capture", "read_traffic"]

# Common and combined log format: host ident user [time] "METHOD target PROTOCOL" status size ...
_CLF = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "(?P<method>[A-Z]+) (?P<target>\S+)(?: [^"]*)?" \d{3} ')
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_CREDENTIAL = re.compile(r"token|secret|password|passwd|auth|key|signature|^sig$|session|cookie|^code$", re.I)
_PAGING = ("skip", "after")
_DATES = ("periodSince", "period.since", "period.before")
# Keys whose values are part of what a query is (another sort key is another query), never placeholders.
_STRUCTURAL = ("sortAsc", "sortDesc", "listIds", "includeTotals")


@dataclass(frozen=True)
class Seen:
    """One request as the consumer sent it: method, URL path, query parameters and JSON body."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None


def read_traffic(path: Path) -> list[Seen]:
    """The requests of a HAR file, or of access-log lines (common/combined format or JSON lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file ({exc.__class__.__name__})", file=path) from None
    whole = json_or_none(text) if text.lstrip().startswith("{") else None
    if isinstance(whole, dict) and isinstance(whole.get("log"), dict):
        return [_from_har(entry) for entry in whole["log"].get("entries") or [] if isinstance(entry, dict)]
    seen = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            seen.append(_from_line(line, path, number))
    return seen


def _from_har(entry: Mapping[str, Any]) -> Seen:
    request = entry.get("request") or {}
    parts = urlsplit(str(request.get("url", "")))
    posted = (request.get("postData") or {}).get("text")
    return Seen(
        str(request.get("method", "GET")).upper(),
        parts.path,
        tuple(parse_qsl(parts.query, keep_blank_values=True)),
        json_or_none(posted) if posted else None,
    )


def _from_line(line: str, path: Path, number: int) -> Seen:
    if line.lstrip().startswith("{"):
        record = json_or_none(line)
        if isinstance(record, dict) and "method" in record and ("url" in record or "path" in record):
            parts = urlsplit(str(record.get("url") or record.get("path")))
            body = record.get("body")
            return Seen(
                str(record["method"]).upper(),
                parts.path,
                tuple(parse_qsl(parts.query, keep_blank_values=True)),
                json_or_none(body) if isinstance(body, str) else body,
            )
    else:
        match = _CLF.match(line)
        if match:
            parts = urlsplit(match.group("target"))
            return Seen(
                match.group("method"), parts.path, tuple(parse_qsl(parts.query, keep_blank_values=True))
            )
    raise ConfigError(
        "not a HAR, a common/combined log line or a JSON line with method and url",
        file=path,
        line=number,
        fix="export a HAR, or give access-log lines",
    )


@dataclass
class _Shape:
    method: str
    endpoint: str
    language: str | None
    sent: list[dict[str, Any]] = field(default_factory=list)
    paging: str = "none"


def capture(seen: Iterable[Seen], *, name: str, owner: str, destination: str, version: str) -> str:
    """The consumer file (TOML text) for the requests to `destination`'s `version`; `ConfigError` when
    none of them is a data request to that version."""
    shapes: dict[tuple[Any, ...], _Shape] = {}
    prefix = f"/{destination}/{version}/"
    for request in seen:
        if prefix not in request.path or request.method not in ("GET", "POST"):
            continue
        endpoint = request.path.split(prefix, 1)[1].strip("/")
        if not endpoint or "/" in endpoint or endpoint == "openapi":
            continue
        sent, language, paging = _flattened(request)
        structure = sorted(
            (k, repr(v)) for k, v in sent.items() if k.lstrip("?").split(".")[0] in _STRUCTURAL
        )
        key = (request.method, endpoint, language, tuple(sorted(sent)), tuple(structure))
        shape = shapes.setdefault(key, _Shape(request.method, endpoint, language))
        shape.sent.append(sent)
        if paging == "keyset" or shape.paging == "none":
            shape.paging = paging if paging != "none" else shape.paging
    if not shapes:
        raise ConfigError(
            f"no GET or POST data request to {destination}/{version} in the traffic",
            key="--destination/--version",
            fix="name the destination and version the consumer's requests go to (as in their URLs)",
        )
    lines = [
        f"# Captured by `destwatch consumers capture` from {sum(len(s.sent) for s in shapes.values())} "
        "requests. relies_on is a first guess: say what the consumer's code reads.",
        f"name = {toml_value(name)}",
        f"owner = {toml_value(owner)}",
        f"destination = {toml_value(destination)}",
        f"versions = {toml_value([version])}",
    ]
    for number, shape in enumerate(shapes.values(), start=1):
        lines += ["", *_query_lines(shape, number)]
    return "\n".join(lines) + "\n"


def _flattened(request: Seen) -> tuple[dict[str, Any], str | None, str]:
    """What the request sends as `path -> value` (no credential, no paging), its language and paging."""
    sent: dict[str, Any] = {}
    language: str | None = None
    paging = "none"
    pairs: list[tuple[str, Any]] = list(request.params)
    if request.method == "POST" and isinstance(request.body, dict):
        pairs += list(_leaves(request.body))
    for key, value in pairs:
        if key == "language":
            language = str(value)
        elif key.split(".")[0] in _PAGING:
            paging = "keyset" if key.startswith("after") else ("skip" if _number(value) else paging)
        elif not _credential(key, value):
            sent[key] = value
    if request.method == "GET":
        sent = {f"?{key}": value for key, value in sent.items()}
    return sent, language, paging


def _leaves(body: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    """A JSON body as `dotted.path -> value`; lists of objects are walked (by index), lists of values kept."""
    for key, value in body.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _leaves(value, path + ".")
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value):
                yield from _leaves(item, f"{path}.{index}.")
        else:
            yield path, value


def _credential(key: str, value: Any) -> bool:
    if any(_CREDENTIAL.search(part) for part in key.split(".")):
        return True
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(text, str) and _JWT.search(text) for text in texts)


def _number(value: Any) -> bool:
    try:
        return float(value) != 0
    except (TypeError, ValueError):
        return False


def _query_lines(shape: _Shape, number: int) -> list[str]:
    merged = {key: _merged(key, [sent[key] for sent in shape.sent]) for key in shape.sent[0]}
    params = {key[1:]: value for key, value in merged.items() if key.startswith("?")}
    body = _nested({key: value for key, value in merged.items() if not key.startswith("?")})
    sorts = any(key.split(".")[0].lstrip("?") in ("sortAsc", "sortDesc") for key in merged)
    totals = any(
        key.lstrip("?") == "includeTotals" and value in (True, "true") for key, value in merged.items()
    )
    lines = [
        "[[query]]",
        f"name = {toml_value(f'{shape.method.lower()}-{shape.endpoint}-{number}')}",
        f"endpoint = {toml_value(shape.endpoint)}",
        f"method = {toml_value(shape.method)}",
    ]
    if shape.language is not None:
        lines.append(f"language = {toml_value(shape.language)}")
    if params:
        lines.append(f"params = {toml_value(params)}")
    if body:
        lines.append(f"body = {toml_value(body)}")
    relies = {"properties": ["id"], "sort": sorts, "total": totals, "facets": [], "paging": shape.paging}
    return [
        *lines,
        "",
        "[query.relies_on]",
        *(f"{key} = {toml_value(value)}" for key, value in relies.items()),
    ]


def _merged(key: str, values: Sequence[Any]) -> Any:
    """One value for a key of a shape: the literal when every request sent the same, else a placeholder."""
    if all(value == values[0] for value in values):
        return values[0]
    name = key.lstrip("?").split(".")[-1]
    if name == "top":
        return max((_int(value) for value in values), default=0)
    dated = key.lstrip("?") in _DATES
    placeholder = "{date}" if dated else "{" + re.sub(r"[^A-Za-z0-9_]", "_", name) + "}"
    if isinstance(values[0], list):
        return [placeholder] * len(values[0])
    return placeholder


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """`dotted.path -> value` back into JSON (numeric parts are list indices)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node: Any = root
        for part, following in itertools.pairwise(parts):
            child = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(child)
                node = node[index]
            else:
                node = node.setdefault(part, child)
        if isinstance(node, list):
            node.append(value)
        else:
            node[parts[-1]] = value
    return root
