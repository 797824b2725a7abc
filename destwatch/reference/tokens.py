"""JWT minting and verification: one HS256 key per destination version, one for the authorization server.

Keys are random per server instance: a token is only good on the server that issued it. A destination-flow
token is signed with its version's key, so it is only good on that version, as a real destination's token
is. OAuth2 tokens all come from one authorization server and share its key, as a tenant's tokens do: there,
the audience is what keeps a token to the versions its application's grant covers.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterable

import jwt

from destwatch.reference.faults import (
    ALG_NONE_ACCEPTED,
    AUDIENCE_UNCHECKED,
    EXPIRED_OAUTH_TOKEN_ACCEPTED,
    EXPIRED_TOKEN_ACCEPTED,
    EXPIRES_IN_BEYOND_EXP,
    FOREIGN_TOKEN_ACCEPTED,
    NO_FAULT,
    TOKEN_LIFETIME_MISMATCH,
    FaultSwitch,
)
from destwatch.reference.model import Customer, Version

__all__ = ["TokenAuthority"]

_ALGORITHM = "HS256"
# The key id of the authorization server's key, in every OAuth2 token's header.
_OAUTH_KID = "oauth2"
# The lifetime a token really gets under `token-lifetime-mismatch`, whatever `expiresIn` says.
_MISMATCHED_LIFETIME = 600


class TokenAuthority:
    """Issues and checks the bearer tokens of every protected version of one customer, in both flows."""

    def __init__(
        self, customer: Customer, *, faults: FaultSwitch = NO_FAULT, token_ttl: int | None = None
    ) -> None:
        self._issuer = f"destwatch-reference/{customer.name}"
        self._oauth_issuer = f"{self._issuer}/oauth2"
        self._faults = faults
        self._token_ttl = token_ttl
        shared = secrets.token_bytes(32)
        # `foreign-token-accepted` is the classic "one signing key for the whole tenant" regression.
        self._keys = {
            version.destination_id: shared if faults.on(FOREIGN_TOKEN_ACCEPTED) else secrets.token_bytes(32)
            for _, version in customer.versions()
        }
        self._oauth_key = secrets.token_bytes(32)

    def lifetime(self, version: Version) -> int:
        return self._token_ttl if self._token_ttl is not None else version.token_ttl

    def issue(self, version: Version, client_id: str) -> tuple[str, int]:
        """Return `(accessToken, expiresIn)` for an application of `version` (the destination flow)."""
        expires_in = self.lifetime(version)
        real_lifetime = expires_in
        if self._faults.on(TOKEN_LIFETIME_MISMATCH):
            real_lifetime = (
                _MISMATCHED_LIFETIME if expires_in != _MISMATCHED_LIFETIME else _MISMATCHED_LIFETIME // 2
            )
        claims = self._claims(self._issuer, version.destination_id, client_id, real_lifetime)
        return jwt.encode(claims, self._keys[version.destination_id], algorithm=_ALGORITHM), expires_in

    def issue_oauth(self, audience: Version, client_id: str, reach: Iterable[str]) -> tuple[str, int]:
        """Return `(access_token, expires_in)` for an OAuth2 application asking for `audience`.

        The token's `aud` lists the asked version first, then every other version the application's grant
        reaches (`reach`, destination ids): a version accepts a token that names it.
        """
        lifetime = self.lifetime(audience)
        others = sorted(set(reach) - {audience.destination_id})
        aud: str | list[str] = [audience.destination_id, *others] if others else audience.destination_id
        claims = self._claims(self._oauth_issuer, aud, client_id, lifetime)
        expires_in = 2 * lifetime if self._faults.on(EXPIRES_IN_BEYOND_EXP) else lifetime
        token = jwt.encode(claims, self._oauth_key, algorithm=_ALGORITHM, headers={"kid": _OAUTH_KID})
        return token, expires_in

    @staticmethod
    def _claims(issuer: str, audience: str | list[str], client_id: str, lifetime: int) -> dict[str, object]:
        issued_at = int(time.time())
        return {
            "iss": issuer,
            "aud": audience,
            "sub": client_id,
            "iat": issued_at,
            "exp": issued_at + lifetime,
            "jti": uuid.uuid4().hex,
        }

    def rejection(self, version: Version, token: str) -> str | None:
        """Why `token` is not good for `version`, or None when it is."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return "malformed token"
        if self._faults.on(ALG_NONE_ACCEPTED) and str(header.get("alg", "")).lower() == "none":
            return None
        # The unverified key id only picks the key: the signature (and the issuer) are still checked.
        oauth = header.get("kid") == _OAUTH_KID
        key = self._oauth_key if oauth else self._keys[version.destination_id]
        check_audience = not self._faults.on(AUDIENCE_UNCHECKED if oauth else FOREIGN_TOKEN_ACCEPTED)
        check_expiry = not self._faults.on(EXPIRED_TOKEN_ACCEPTED) and not (
            oauth and self._faults.on(EXPIRED_OAUTH_TOKEN_ACCEPTED)
        )
        try:
            jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                audience=version.destination_id if check_audience else None,
                issuer=self._oauth_issuer if oauth else self._issuer,
                options={
                    "require": ["exp", "iat", "iss", "sub", "aud"],
                    "verify_exp": check_expiry,
                    "verify_aud": check_audience,
                },
            )
        except jwt.ExpiredSignatureError:
            return "token expired"
        except jwt.InvalidAudienceError:
            return "token issued for another audience" if oauth else "token issued for another destination"
        except jwt.InvalidTokenError:
            return "invalid token"
        return None
