"""Forged credentials for the bearer-rejection clauses: tampered JWTs and other things that are not a token.

Every function here is pure: it takes a real token (or nothing) and returns the string an attacker or a
broken client would send. None of them can produce a valid signature, so a destination that accepts one
does not check what it should.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

from destwatch._jwt import b64decode, b64encode, claims, header, is_jwt, json_segment, segments

__all__ = [
    "BearerProbe",
    "alg_none",
    "altered_signature",
    "claims",
    "header",
    "is_jwt",
    "rejection_probes",
]


def alg_none(token: str) -> str:
    """The same claims re-encoded with `alg: none` and no signature (RFC 7519 §6 unsecured JWT)."""
    head, payload, _ = segments(token)
    forged = {**json_segment(head), "alg": "none"}
    return f"{b64encode(json.dumps(forged, separators=(',', ':')).encode())}.{payload}."


def altered_signature(token: str) -> str:
    """The same header and claims with one signature byte flipped.

    The byte is changed in decoded form: flipping the last base64 character could only touch padding
    bits and leave the signature the same.
    """
    head, payload, signature = segments(token)
    raw = bytearray(b64decode(signature)) or bytearray(b"\x00")
    raw[0] ^= 0xFF
    return f"{head}.{payload}.{b64encode(bytes(raw))}"


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
        BearerProbe("basic-scheme", {"Authorization": "Basic " + b64encode(b"client:secret")}),
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
