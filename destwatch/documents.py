"""Each version's OpenAPI document: fetched once per run, validated, kept for the reports.

The document is fetched without a token, as Occtoo's own code generators do. A protected version that
refuses that gets a second, authenticated try so the other suites can still run; `DocumentFetch.needed_token`
records it, and the smoke suite fails the version for it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destwatch._files import json_or_none, write_atomic
from destwatch.config import VersionTarget
from destwatch.errors import DocumentError, TargetUnreachable, TokenError, again
from destwatch.failures import ContractViolation
from destwatch.http import Client

__all__ = ["DocumentFetch", "DocumentStore", "endpoints", "validate_document"]

_HTTP_METHODS = ("get", "post")


@dataclass(frozen=True)
class DocumentFetch:
    """How a version's document was obtained."""

    url: str
    status: int
    needed_token: bool
    saved_to: Path | None = None


class DocumentStore:
    """Fetches, validates and caches documents; `save_dir` (e.g. `reports/specs`) keeps a copy of each.

    A failure is cached too, so an unreachable version costs one connection attempt per run.
    """

    def __init__(self, client: Callable[[VersionTarget], Client], *, save_dir: Path | None = None) -> None:
        self._client = client
        self._save_dir = save_dir
        self._documents: dict[str, dict[str, Any]] = {}
        self._fetches: dict[str, DocumentFetch] = {}
        self._failures: dict[str, Exception] = {}
        self._lock = threading.Lock()

    def get(self, target: VersionTarget) -> dict[str, Any]:
        """The validated document of `target`; raises `DocumentError` or `TargetUnreachable`."""
        with self._lock:
            if target.id in self._failures:
                raise again(self._failures[target.id])
            if target.id not in self._documents:
                try:
                    self._documents[target.id] = self._fetch(target)
                except (DocumentError, TargetUnreachable) as exc:
                    self._failures[target.id] = exc
                    raise
            return self._documents[target.id]

    def fetch_info(self, target: VersionTarget) -> DocumentFetch | None:
        """How the document was fetched, once `get` has run for `target`."""
        return self._fetches.get(target.id)

    def failure(self, target: VersionTarget) -> Exception | None:
        """The error `get` raised for `target`, if it did."""
        return self._failures.get(target.id)

    def handoff(self) -> dict[str, dict[str, Any]]:
        """What was fetched (or failed), as plain data for another process of the same run."""
        with self._lock:
            given: dict[str, dict[str, Any]] = {}
            for target_id, document in self._documents.items():
                fetch = self._fetches[target_id]
                given[target_id] = {
                    "document": document,
                    "fetch": [fetch.url, fetch.status, fetch.needed_token, str(fetch.saved_to or "")],
                }
            for target_id, failure in self._failures.items():
                unreachable = isinstance(failure, TargetUnreachable)
                given[target_id] = {"failure": [unreachable, str(failure)]}
            return given

    def adopt(self, given: Mapping[str, Mapping[str, Any]]) -> None:
        """Take over what `handoff` gave: those documents are not fetched again."""
        with self._lock:
            for target_id, item in given.items():
                if "failure" in item:
                    unreachable, message = item["failure"]
                    self._failures[target_id] = (TargetUnreachable if unreachable else DocumentError)(message)
                    continue
                url, status, needed_token, saved_to = item["fetch"]
                self._documents[target_id] = item["document"]
                saved = Path(saved_to) if saved_to else None
                self._fetches[target_id] = DocumentFetch(url, status, needed_token, saved)

    def _fetch(self, target: VersionTarget) -> dict[str, Any]:
        client = self._client(target)
        try:
            response = client.get(target.openapi_url, authenticated=False)
            needed_token = False
            if response.status_code in (401, 403) and target.protected:
                response = client.get(target.openapi_url)
                needed_token = True
        except ContractViolation as broken:
            raise DocumentError(
                f"{target.id}: GET {target.openapi_url}: {broken.detail or broken.clause}"
            ) from None
        except TokenError as exc:
            raise DocumentError(f"{target.id}: the document needs a token, and {exc}") from None
        if response.status_code != 200:
            raise DocumentError(
                f"{target.id}: GET {target.openapi_url} answered {response.status_code}, "
                "not the OpenAPI document"
            )
        document = json_or_none(response)
        if document is None:
            raise DocumentError(f"{target.id}: {target.openapi_url} is not JSON")
        validate_document(document, source=f"{target.id}: {target.openapi_url}")
        saved = self._save(target, response.content) if self._save_dir else None
        self._fetches[target.id] = DocumentFetch(
            target.openapi_url, response.status_code, needed_token, saved
        )
        return document

    def _save(self, target: VersionTarget, content: bytes) -> Path:
        assert self._save_dir is not None
        path = self._save_dir / f"{target.destination}-{target.version}.openapi.json"
        write_atomic(path, content)
        return path


def validate_document(document: Any, *, source: str) -> None:
    """Raise `DocumentError` unless `document` is a valid OpenAPI document (3.0 or 3.1)."""
    if not isinstance(document, Mapping):
        raise DocumentError(f"{source}: the document is not a JSON object, so not an OpenAPI document")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        found = (
            f"`openapi` is {version!r}" if "openapi" in document else f"keys: {', '.join(sorted(document))}"
        )
        raise DocumentError(f"{source}: not an OpenAPI document (no OpenAPI 3.x `openapi` field; {found})")
    problem = _openapi_problem(document)
    if problem is not None:
        raise DocumentError(f"{source}: {problem}")


# Verdicts by content: a run checks each document where it is fetched, and the suites' own clauses (the
# smoke suite's fresh copy, the fuzz suite's document test) ask again, as do later runs in one process.
_verdicts: dict[str, str | None] = {}
# A server URL's port: any digits there are equally valid, so the same document served on another port
# (a fresh loopback server) has the same verdict.
_PORT = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#:]*):[0-9]+")


def _openapi_problem(document: Mapping[str, Any]) -> str | None:
    servers = document.get("servers")
    if isinstance(servers, list):
        servers = [
            {**server, "url": _PORT.sub(r"\1:0", server["url"])}
            if isinstance(server, Mapping) and isinstance(server.get("url"), str)
            else server
            for server in servers
        ]
        document = {**document, "servers": servers}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    key = hashlib.sha256(canonical.encode()).hexdigest()
    if key not in _verdicts:
        _verdicts[key] = _validate(document)
    return _verdicts[key]


def _validate(document: Mapping[str, Any]) -> str | None:
    # Imported here: the validator takes longer to import than a monitor cycle takes to run, and a monitor
    # whose document has not changed since its last run never needs it.
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(part) for part in getattr(exc, "absolute_path", ())) or "document root"
        message = str(exc).splitlines()[0]
        return f"not valid OpenAPI at {where}: {message}"
    except Exception as exc:  # the validator raises assorted errors on documents it cannot read
        detail = str(exc).splitlines()[0] if str(exc) else "the validator could not read it"
        return f"not valid OpenAPI ({detail})"
    return None


def endpoints(document: Mapping[str, Any]) -> list[str]:
    """The endpoint ids of a version's document: its paths `/{endpoint}` that answer GET or POST."""
    found = []
    for path, item in document.get("paths", {}).items():
        if isinstance(item, Mapping) and any(method in item for method in _HTTP_METHODS):
            found.append(path.strip("/"))
    return found
