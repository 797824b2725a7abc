"""The reference destination as destwatch runs it for `base_url = "embedded"`: ids, credentials, a server.

`Embedded` answers what targets.toml needs to resolve an embedded version (see
`destwatch.config.EmbeddedReference`) and, once started, where the server listens. With a candidate, that
includes productCatalog v4 (a `[destinations.productCatalog.versions.v4]` table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from destwatch.config import ServedVersion
from destwatch.redact import register_secret
from destwatch.reference.candidates import candidate_customer
from destwatch.reference.faults import FAULTS
from destwatch.reference.variants import VARIANTS, variant_customer

if TYPE_CHECKING:
    from destwatch.reference.server import ServedProcess

__all__ = ["Embedded"]


class Embedded:
    """The embedded reference destination of a run: configured once, started at most once."""

    def __init__(
        self,
        *,
        fault: str | None = None,
        variant: str | None = None,
        candidate: str | None = None,
        token_ttl: int | None = None,
        serving_at: str = "",
    ) -> None:
        """`serving_at`: the URL of this same reference already serving for the run (in the process that
        started it), so this process uses it instead of starting another."""
        if fault and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known faults: {', '.join(sorted(FAULTS))}")
        self.fault = fault or None
        self.variant = variant or None
        self.candidate = candidate or None
        self.token_ttl = token_ttl
        # Resolved here, so an unknown variant or candidate fails before anything starts.
        self._customer = candidate_customer(self.candidate, variant_customer(self.variant))
        self._url = serving_at
        self._served: ServedProcess | None = None

    @property
    def url(self) -> str:
        return self._url

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
        for known in (app, oauth):
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
        )

    def start(self) -> str:
        """Serve the reference on a free loopback port from its own process (once); returns its URL at once,
        while the process may still be starting (`ready()` waits for it)."""
        # The server module (uvicorn) is loaded here, by a run that serves, not by every run that validates.
        from destwatch.reference.server import serve_in_process

        if not self._url:
            settings = {
                "fault": self.fault,
                "variant": self.variant,
                "candidate": self.candidate,
                "token_ttl": self.token_ttl,
            }
            self._served = serve_in_process(settings)
            self._url = self._served.url
        return self._url

    def ready(self) -> None:
        """Return once the reference this process started answers (at once if another process started it);
        `ServerStartError` if it could not start."""
        if self._served is not None:
            self._served.ready()

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()
        self._served = None
        self._url = ""
