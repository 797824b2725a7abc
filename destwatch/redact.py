"""The one place where secrets are masked before anything is printed, attached or stored."""

from __future__ import annotations

import json
import math
import re
import shlex
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

__all__ = ["FORGET_AFTER", "MASK", "curl", "known_secrets", "redact", "redact_headers", "register_secret"]

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
# Each registered secret with the moment (monotonic) it may be forgotten: never for a client secret, an
# hour after its expiry for a token (a token no longer works, and a long monitor issues one after another).
_known_secrets: dict[str, float] = {}
# Longest first, so a secret that contains another is masked whole; ordered once per change, not per
# call, because every recorded request is redacted. (One regex of them all was tried: compiling it anew
# for each of the thousands of tokens a long process issues took minutes.)
_ordered_secrets: tuple[str, ...] = ()
_registering = threading.Lock()
# How long a token's value stays masked after it expired: it may still show in a late log line.
FORGET_AFTER = 3600.0
_FOREVER = math.inf


def register_secret(value: str | None, *, lifetime: float | None = None, now: float | None = None) -> None:
    """Mask this exact value from now on, wherever it shows up: a secret read from the environment for as
    long as the process runs, a token (`lifetime`, seconds it is valid) until `FORGET_AFTER` past that.

    Registering a known value again with a `lifetime` extends it; without one, it stays as it was.
    `now` is the monotonic clock's reading (tests and benchmarks pass their own)."""
    global _ordered_secrets
    if not value or len(value) < 4:
        return
    at = time.monotonic() if now is None else now
    until = _FOREVER if lifetime is None else at + max(0.0, lifetime) + FORGET_AFTER
    known = _known_secrets.get(value)
    if known is not None and (lifetime is None or until <= known):
        return
    with _registering:
        _known_secrets[value] = until if known is None else max(known, until)
        for old in [secret for secret, expiry in _known_secrets.items() if expiry < at]:
            del _known_secrets[old]
        _ordered_secrets = tuple(sorted(_known_secrets, key=len, reverse=True))


def known_secrets() -> int:
    """How many values are masked now (the soak benchmark watches it stay flat)."""
    return len(_known_secrets)


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
