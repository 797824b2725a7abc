"""Forged credentials for the bearer-rejection clauses: tampered JWTs and other things that are not a token.

Every function here is pure: it takes a real token (or nothing) and returns the string an attacker or a
broken client would send. None of them can produce a valid signature, so a destination that accepts one
does not check what it should.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BearerProbe",
    "alg_none",
    "altered_signature",
    "claims",
    "header",
    "is_jwt",
    "rejection_probes",
]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segments(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"not a JWT: expected 3 dot-separated segments, got {len(parts)}")
    return parts[0], parts[1], parts[2]


def _json_segment(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a JWT: a segment is not base64url-encoded JSON") from exc
    if not isinstance(value, dict):
        raise ValueError("not a JWT: a segment is not a JSON object")
    return value


def is_jwt(token: str) -> bool:
    """Whether `token` is a compact JWS whose header and payload are JSON objects."""
    try:
        head, payload, _ = _segments(token)
        _json_segment(head)
        _json_segment(payload)
    except ValueError:
        return False
    return True


def header(token: str) -> dict[str, Any]:
    """The JOSE header, unverified."""
    return _json_segment(_segments(token)[0])


def claims(token: str) -> dict[str, Any]:
    """The payload claims, unverified (the harness never holds the destination's key)."""
    return _json_segment(_segments(token)[1])


def alg_none(token: str) -> str:
    """The same claims re-encoded with `alg: none` and no signature (RFC 7519 §6 unsecured JWT)."""
    head, payload, _ = _segments(token)
    forged = {**_json_segment(head), "alg": "none"}
    return f"{_b64encode(json.dumps(forged, separators=(',', ':')).encode())}.{payload}."


def altered_signature(token: str) -> str:
    """The same header and claims with one signature byte flipped.

    The byte is changed in decoded form: flipping the last base64 character could only touch padding
    bits and leave the signature the same.
    """
    head, payload, signature = _segments(token)
    raw = bytearray(_b64decode(signature)) or bytearray(b"\x00")
    raw[0] ^= 0xFF
    return f"{head}.{payload}.{_b64encode(bytes(raw))}"


@dataclass(frozen=True)
class BearerProbe:
    """One request variant that carries no valid credential for the version under test.

    `headers` replace the authenticated client's headers (an empty dict sends no Authorization at all);
    `params` are added to the query string.
    """

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def rejection_probes(
    token: str, *, expired: str | None = None, foreign: dict[str, str] | None = None
) -> list[BearerProbe]:
    """Every credential variant the bearer-rejection clause lists, built from a real `token`.

    `expired` is a real token of this version past its `expiresIn`, when the run has one; `foreign` maps
    other protected version ids to their real tokens. JWT tampering needs `token` to be a JWT. Names are
    kebab-case on purpose: prose such as "token as ..." would be masked by the redaction of credentials.
    """
    probes = [
        BearerProbe("no-authorization"),
        # HTTP forbids trailing whitespace in a header value: "Bearer" with nothing after it is the empty one.
        BearerProbe("bearer-empty", {"Authorization": "Bearer"}),
        BearerProbe("basic-scheme", {"Authorization": "Basic " + _b64encode(b"client:secret")}),
        BearerProbe("token-scheme", {"Authorization": f"Token {token}"}),
        BearerProbe("random-string", {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}),
        BearerProbe("query-parameter", params={"access_token": token}),
    ]
    if is_jwt(token):
        probes += [
            BearerProbe("signature-altered", {"Authorization": f"Bearer {altered_signature(token)}"}),
            BearerProbe("alg-none", {"Authorization": f"Bearer {alg_none(token)}"}),
        ]
    if expired is not None:
        probes.append(BearerProbe("expired", {"Authorization": f"Bearer {expired}"}))
    for version_id, other in sorted((foreign or {}).items()):
        probes.append(BearerProbe(f"foreign:{version_id}", {"Authorization": f"Bearer {other}"}))
    return probes
