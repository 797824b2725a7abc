"""The one place where secrets are masked before anything is printed, attached or stored."""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

__all__ = ["MASK", "curl", "redact", "redact_headers", "register_secret"]

MASK = "[redacted]"

_SENSITIVE_KEY = re.compile(r"authorization|token|secret|password|api[-_]?key|cookie", re.IGNORECASE)
# JWTs (three base64url segments, the first two JSON objects) are masked wherever they appear,
# so a token that slips into a URL, a body or an exception message never survives.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
# A credential after an auth scheme is a long run of token characters with at least one digit, so prose
# such as "token endpoint" or "Bearer authentication" stays readable.
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+(?=[\w.~+/=-]*\d)[\w.~+/=-]{8,}", re.IGNORECASE)
_JSON_SECRET = re.compile(
    r'("(?:clientSecret|client_secret|accessToken|access_token|refreshToken|password)"\s*:\s*)"[^"]*"',
    re.IGNORECASE,
)
# The same fields form-encoded (OAuth2 token requests): percent-encoding can hide a registered secret.
_FORM_SECRET = re.compile(
    r"(\b(?:client_?secret|access_?token|refresh_?token|password)=)[^&\s\"']+", re.IGNORECASE
)
_known_secrets: set[str] = set()
# Longest first, so a secret that contains another is masked whole; ordered once per new secret, not per
# call, because every recorded request is redacted. (One regex of them all was tried: compiling it anew
# for each of the thousands of tokens a long process issues took minutes.)
_ordered_secrets: tuple[str, ...] = ()
_registering = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask this exact value from now on, wherever it shows up (secrets read from the environment)."""
    global _ordered_secrets
    if not value or len(value) < 4 or value in _known_secrets:
        return
    with _registering:
        _known_secrets.add(value)
        _ordered_secrets = tuple(sorted(_known_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """Mask JWTs, bearer credentials, secret-looking JSON and form fields and every registered secret."""
    for secret in _ordered_secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _JWT.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JSON_SECRET.sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    return _FORM_SECRET.sub(lambda m: f"{m.group(1)}{MASK}", text)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers with every credential-bearing value masked (the scheme of Authorization is kept)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    masked: dict[str, str] = {}
    for name, value in items:
        if name.lower() == "authorization" and " " in value:
            masked[name] = f"{value.split(' ', 1)[0]} {MASK}"
        elif _SENSITIVE_KEY.search(name):
            masked[name] = MASK
        else:
            masked[name] = redact(value)
    return masked


_CURL_SKIPPED_HEADERS = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}


def curl(request: httpx.Request, *, body: Any = None) -> str:
    """A redacted curl command that reproduces `request` (paste it and fill in the token)."""
    parts = ["curl", "-X", request.method]
    for name, value in redact_headers(request.headers.multi_items()).items():
        if name.lower() not in _CURL_SKIPPED_HEADERS:
            parts += ["-H", f"{name}: {value}"]
    content = body if body is not None else _request_body(request)
    if content:
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        parts += ["-d", redact(text)]
    parts.append(redact(str(request.url)))
    return shlex.join(parts)


def _request_body(request: httpx.Request) -> str:
    try:
        return request.content.decode("utf-8", errors="replace")
    except httpx.RequestNotRead:
        return ""
