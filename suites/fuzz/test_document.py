"""The OpenAPI document itself: what every generated client and the fuzzer start from.

Each version's document lives at `{base}/openapi` [doc], is fetched without a token [code], and must be a
valid OpenAPI 3.x document whose server is the version's own base URL and whose security scheme says
exactly whether the version is protected.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from destwatch import notices
from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.documents import validate_document
from destwatch.environment import Environment
from destwatch.errors import DocumentError
from destwatch.failures import violation

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def test_document_is_served_without_a_token(target: VersionTarget, dw_run: Environment) -> None:
    response = dw_run.http(target).get(target.openapi_url, authenticated=False)
    if response.status_code != 200:
        raise violation(
            "openapi: the document is served at {base}/openapi without a token",
            response,
            detail=f"expected 200, got {response.status_code}",
            counterexample=f"GET {target.openapi_url} (no Authorization header) -> {response.status_code}",
        )
    document = json_or_none(response)
    if document is None:
        raise violation(
            "openapi: the document is served at {base}/openapi without a token",
            response,
            detail=f"the body is not JSON (content-type {response.headers.get('content-type')!r})",
        )
    if not isinstance(document, dict):
        raise violation(
            "openapi: the document is served at {base}/openapi without a token",
            response,
            detail=f"the body is a JSON {type(document).__name__}, not an object",
        )


def test_document_is_valid_openapi_3(target: VersionTarget, document: dict[str, Any]) -> None:
    version = str(document.get("openapi", ""))
    if not version.startswith("3."):
        raise violation(
            "openapi: the document is OpenAPI 3.x",
            detail=f"`openapi` is {version!r}",
            counterexample=f"{target.openapi_url}: openapi={version!r}",
        )
    try:
        validate_document(document, source=target.openapi_url)
    except DocumentError as exc:
        raise violation("openapi: the document is valid OpenAPI 3.x", counterexample=str(exc)) from None


def test_document_server_url_is_the_version_base_url(target: VersionTarget, document: dict[str, Any]) -> None:
    servers = document.get("servers") or []
    if not servers or "url" not in servers[0]:
        raise violation(
            "openapi: servers[0].url is the version's base URL",
            detail="the document declares no server",
            counterexample=f"{target.openapi_url}: servers={servers!r}",
        )
    # A relative server URL is relative to where the document was fetched (OpenAPI 3.0 §4.7.5).
    declared = urljoin(target.openapi_url, servers[0]["url"]).rstrip("/")
    if declared != target.base_url.rstrip("/"):
        raise violation(
            "openapi: servers[0].url is the version's base URL",
            detail=f"expected {target.base_url}, the document says {servers[0]['url']}",
            counterexample=f"{target.id}: servers[0].url={servers[0]['url']!r}",
        )


def test_document_declares_security_when_protected(target: VersionTarget, document: dict[str, Any]) -> None:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    unsecured = _operations_without_security(document)
    if target.protected:
        if not schemes:
            raise violation(
                "openapi: a protected version declares its bearer security scheme",
                detail="components.securitySchemes is empty",
                counterexample=f"{target.id}: protected = true, securitySchemes = {{}}",
            )
        if unsecured:
            raise violation(
                "openapi: every operation of a protected version requires the security scheme",
                detail=f"{len(unsecured)} operation(s) have no security requirement",
                counterexample=[f"{target.id}: {label} has security []" for label in unsecured],
            )
    elif schemes or len(unsecured) != len(_labels(document)):
        # Generators of unprotected destinations often keep the scheme: misleading, not a broken contract.
        secured = sorted(set(_labels(document)) - set(unsecured))
        notices.note(
            target.id,
            f"unprotected (protected = false), but its document declares security (schemes: "
            f"{sorted(schemes) or 'none'}; secured operations: {secured or 'none'})",
        )


def _labels(document: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in (document.get("paths") or {}).items()
        for method in item
        if method in _METHODS
    ]


def _operations_without_security(document: dict[str, Any]) -> list[str]:
    """Operations whose effective security (their own, else the document's) requires nothing."""
    default = document.get("security") or []
    unsecured = []
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            requirements = operation.get("security", default)
            # `[{}]` (an empty requirement) means "no credentials needed" just like `[]`.
            if not any(requirement for requirement in requirements):
                unsecured.append(f"{method.upper()} {path}")
    return unsecured
