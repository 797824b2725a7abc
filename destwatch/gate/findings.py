"""A finding's fingerprint: the same defect gets the same id in every run, whatever the seed or test order.

A fingerprint is built from the destination version, the request's method and path, the clause (numbers
in it replaced by `#`) and the *shape* of the counterexample: the answer's status, and the request's
parameters as kinds rather than values. Occtoo's own request vocabulary (`top`, `sortAsc`, `filter`,
`must`, `range`, `gte`...) is kept by name; any other name is a property of the destination's data and
counts as `{property}`, whichever one a seeded plan happened to choose; every value counts by its type.
A violation that knows its shape better says so itself (a fuzzed operation: the checks that failed, since
the generated values and parameters vary from seed to seed).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from destwatch.failures import ContractViolation

__all__ = ["ParsedRequest", "fingerprint", "identity", "parse_curl", "request_shape"]

# The names of Occtoo's request vocabulary (GET parameters, POST body keys, filter operators, token
# requests): kept in a shape. Everything else is named by the destination's data.
_VOCABULARY = frozenset(
    {
        *("top", "skip", "after", "language", "sortAsc", "sortDesc", "listIds", "includeTotals"),
        *("period", "periodSince", "since", "before", "search", "searchOn", "caseInsensitiveSearch"),
        *("filter", "must", "mustNot", "range", "gt", "gte", "lt", "lte"),
        *("clientId", "clientSecret", "grant_type", "client_id", "client_secret", "audience", "scope"),
    }
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class ParsedRequest:
    """A request as its redacted curl command states it."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def parse_curl(command: str) -> ParsedRequest | None:
    """The request of a curl command as `destwatch.redact.curl` writes it; None for anything else."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if len(words) < 2 or words[0] != "curl":
        return None
    method, headers, body = "GET", [], ""
    rest = iter(words[1:-1])
    for word in rest:
        value = next(rest, "")
        if word == "-X":
            method = value
        elif word == "-H":
            name, _, header = value.partition(":")
            headers.append((name.strip(), header.strip()))
        elif word == "-d":
            body = value
    return ParsedRequest(method, words[-1], tuple(headers), body)


def request_shape(request: ParsedRequest | None, status: int | None) -> tuple[str, ...]:
    """The kinds of what was asked and how it was answered, without any value."""
    shape = [f"status {status}"] if status is not None else []
    if request is None:
        return tuple(shape)
    query = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    if query:
        kinds = sorted({f"{_name(name)}={_text_kind(value)}" for name, value in query})
        shape.append("query " + "&".join(kinds))
    if request.body:
        try:
            shape.append("body " + json.dumps(_kind(json.loads(request.body)), sort_keys=True))
        except ValueError:
            # A form body (OAuth2's token request): its field names, as a query string's.
            fields = parse_qsl(request.body, keep_blank_values=True)
            shape.append("form " + "&".join(sorted({_name(name) for name, _ in fields})))
    return tuple(shape)


def fingerprint(target: str, clause: str, request: ParsedRequest | None, shape: Sequence[str]) -> str:
    """`F` and 12 hex digits, from the version, the request's method and path, the clause and `shape`."""
    method, path = (request.method, request.path) if request is not None else ("", "")
    parts = [target, method, path, _NUMBER.sub("#", clause), *shape]
    return "F" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def identity(target: str, message: str, found: ContractViolation | None) -> dict[str, Any]:
    """A failure's fingerprint, the shape it was built from and the answer's status, as reports carry them.
    Without a violation (a plain `assert`, an unusable token or document) the clause is all there is."""
    if found is None:
        return {"fingerprint": fingerprint(target, message, None, ())}
    request = parse_curl(found.request)
    shape = found.shape if found.shape is not None else request_shape(request, found.status)
    facts: dict[str, Any] = {
        "fingerprint": fingerprint(target, found.clause, request, shape),
        "shape": list(shape),
    }
    return facts | ({"status": found.status} if found.status is not None else {})


def _name(name: str) -> str:
    return name if name in _VOCABULARY else "{property}"


def _text_kind(value: str) -> str:
    if value in ("true", "false"):
        return "boolean"
    return "number" if _NUMBER.fullmatch(value.lstrip("-")) else "text"


def _kind(value: Any) -> Any:
    if isinstance(value, dict):
        return {_name(key): _kind(inner) for key, inner in value.items()}
    if isinstance(value, list):
        kinds = {json.dumps(_kind(inner), sort_keys=True) for inner in value}
        return [json.loads(kind) for kind in sorted(kinds)]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else "text"
