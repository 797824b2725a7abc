"""JWT minting and verification, one HS256 key per destination version.

Keys are random per server instance: a token is only good on the server (and version) that issued it, just as
a real destination's token is only good on its own destination version.
"""

from __future__ import annotations

import secrets
import time
import uuid

import jwt

from destwatch.reference.faults import (
    ALG_NONE_ACCEPTED,
    EXPIRED_TOKEN_ACCEPTED,
    FOREIGN_TOKEN_ACCEPTED,
    NO_FAULT,
    TOKEN_LIFETIME_MISMATCH,
    FaultSwitch,
)
from destwatch.reference.model import Customer, Version

__all__ = ["TokenAuthority"]

_ALGORITHM = "HS256"
# The lifetime a token really gets under `token-lifetime-mismatch`, whatever `expiresIn` says.
_MISMATCHED_LIFETIME = 600


class TokenAuthority:
    """Issues and checks the bearer tokens of every protected version of one customer."""

    def __init__(
        self, customer: Customer, *, faults: FaultSwitch = NO_FAULT, token_ttl: int | None = None
    ) -> None:
        self._issuer = f"destwatch-reference/{customer.name}"
        self._faults = faults
        self._token_ttl = token_ttl
        shared = secrets.token_bytes(32)
        # `foreign-token-accepted` is the classic "one signing key for the whole tenant" regression.
        self._keys = {
            version.destination_id: shared if faults.on(FOREIGN_TOKEN_ACCEPTED) else secrets.token_bytes(32)
            for _, version in customer.versions()
        }

    def lifetime(self, version: Version) -> int:
        return self._token_ttl if self._token_ttl is not None else version.token_ttl

    def issue(self, version: Version, client_id: str) -> tuple[str, int]:
        """Return `(accessToken, expiresIn)` for an application of `version`."""
        expires_in = self.lifetime(version)
        real_lifetime = expires_in
        if self._faults.on(TOKEN_LIFETIME_MISMATCH):
            real_lifetime = (
                _MISMATCHED_LIFETIME if expires_in != _MISMATCHED_LIFETIME else _MISMATCHED_LIFETIME // 2
            )
        issued_at = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": version.destination_id,
            "sub": client_id,
            "iat": issued_at,
            "exp": issued_at + real_lifetime,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._keys[version.destination_id], algorithm=_ALGORITHM)
        return token, expires_in

    def rejection(self, version: Version, token: str) -> str | None:
        """Why `token` is not good for `version`, or None when it is."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return "malformed token"
        if self._faults.on(ALG_NONE_ACCEPTED) and str(header.get("alg", "")).lower() == "none":
            return None
        check_audience = not self._faults.on(FOREIGN_TOKEN_ACCEPTED)
        try:
            jwt.decode(
                token,
                self._keys[version.destination_id],
                algorithms=[_ALGORITHM],
                audience=version.destination_id if check_audience else None,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "iss", "sub", "aud"],
                    "verify_exp": not self._faults.on(EXPIRED_TOKEN_ACCEPTED),
                    "verify_aud": check_audience,
                },
            )
        except jwt.ExpiredSignatureError:
            return "token expired"
        except jwt.InvalidAudienceError:
            return "token issued for another destination"
        except jwt.InvalidTokenError:
            return "invalid token"
        return None
