"""The reference destination as a run configures it for `base_url = "embedded"`: what it serves, its ids,
its demo credentials and the settings a variant's owner would set, all known without starting a server.

`Embedded` answers what targets.toml needs to resolve an embedded version (see
`destwatch.config.EmbeddedReference`); `server_settings()` is what `serve_in_process` starts it with. With a
candidate, it also serves productCatalog v4 (a `[destinations.productCatalog.versions.v4]` table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from destwatch.config import ServedVersion
from destwatch.redact import register_secret
from destwatch.reference.candidates import candidate_customer
from destwatch.reference.faults import FAULTS
from destwatch.reference.model import Customer
from destwatch.reference.variants import VARIANTS, variant_customer

__all__ = ["Embedded"]


@dataclass(frozen=True)
class Embedded:
    """The embedded reference as chosen for a run: a seeded fault, a document variant, a candidate v4."""

    fault: str | None = None
    variant: str | None = None
    candidate: str | None = None
    token_ttl: int | None = None
    rate_limit: tuple[float, float] | None = None
    """(requests, per seconds): `[reference] rate_limit`."""
    _customer: Customer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.fault and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; known faults: {', '.join(sorted(FAULTS))}")
        # Resolved now, so an unknown variant or a candidate the variant cannot show fails before anything
        # starts (ValueError, naming the choices).
        served = candidate_customer(self.candidate, variant_customer(self.variant))
        object.__setattr__(self, "_customer", served)

    @property
    def settings(self) -> Mapping[str, Any]:
        return VARIANTS[self.variant].settings if self.variant else {}

    def version(self, customer: str, destination: str, version: str) -> ServedVersion | None:
        if customer != self._customer.name:
            return None
        dest = self._customer.destination(destination)
        served = dest.version(version) if dest else None
        if served is None:
            return None
        app = served.applications[0] if served.applications else None
        oauth = served.oauth_demo
        second, second_oauth = served.second_demo("destination"), served.second_demo("oauth2")
        for known in (app, oauth, second, second_oauth):
            if known is not None:
                register_secret(known.client_secret)
        return ServedVersion(
            served.destination_id,
            app.client_id if app else None,
            app.client_secret if app else None,
            # The reference's API version id (the OAuth2 audience) is the version's destination id.
            audience=served.destination_id if served.protected else None,
            oauth_client_id=oauth.client_id if oauth else None,
            oauth_client_secret=oauth.client_secret if oauth else None,
            second=(second.client_id, second.client_secret) if second else None,
            second_oauth=(second_oauth.client_id, second_oauth.client_secret) if second_oauth else None,
        )

    def served(self) -> list[str]:
        customer = self._customer
        return [f"{customer.name}/{dest.name}/{version.name}" for dest, version in customer.versions()]

    def server_settings(self) -> dict[str, Any]:
        """`create_app`'s keyword arguments for this reference (as `serve_in_process` takes them)."""
        return {
            "fault": self.fault,
            "variant": self.variant,
            "candidate": self.candidate,
            "token_ttl": self.token_ttl,
            "rate_limit": list(self.rate_limit) if self.rate_limit else None,
        }
