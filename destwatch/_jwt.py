"""Reading a JWT without its key: what destwatch needs of a token it holds (its `exp`), and the pieces the
auth suite's forgeries are made of. Nothing here verifies a signature: the destination holds the key."""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["b64decode", "b64encode", "claims", "header", "is_jwt", "json_segment", "segments"]


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def segments(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"not a JWT: expected 3 dot-separated segments, got {len(parts)}")
    return parts[0], parts[1], parts[2]


def json_segment(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64decode(segment))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a JWT: a segment is not base64url-encoded JSON") from exc
    if not isinstance(value, dict):
        raise ValueError("not a JWT: a segment is not a JSON object")
    return value


def is_jwt(token: str) -> bool:
    """Whether `token` is a compact JWS whose header and payload are JSON objects."""
    try:
        head, payload, _ = segments(token)
        json_segment(head)
        json_segment(payload)
    except ValueError:
        return False
    return True


def header(token: str) -> dict[str, Any]:
    """The JOSE header, unverified."""
    return json_segment(segments(token)[0])


def claims(token: str) -> dict[str, Any]:
    """The payload claims, unverified (the harness never holds the destination's key)."""
    return json_segment(segments(token)[1])
