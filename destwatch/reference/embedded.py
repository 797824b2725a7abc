"""The reference destination as destwatch runs it for `base_url = "embedded"`: ids, credentials, a server.

`Embedded` answers what targets.toml needs to resolve an embedded version (see
`destwatch.config.EmbeddedReference`) and, once started, where the server listens. With a candidate, that
includes productCatalog v4 (a `[destinations.productCatalog.versions.v4]` table).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from destwatch.config import ServedVersion
from destwatch.redact import register_secret
from destwatch.reference.candidates import candidate_customer
from destwatch.reference.faults import FAULTS
from destwatch.reference.variants import VARIANTS, variant_customer

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
        self._stack = contextlib.ExitStack()

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
        if app is None:
            return ServedVersion(served.destination_id)
        register_secret(app.client_secret)
        return ServedVersion(served.destination_id, app.client_id, app.client_secret)

    def start(self) -> str:
        """Serve the reference on a free loopback port (once); returns its URL."""
        # Starlette and uvicorn are loaded here, by the run that serves, not by every run that validates.
        from destwatch.reference.app import create_app
        from destwatch.reference.server import serve_in_thread

        if not self._url:
            app = create_app(fault=self.fault, token_ttl=self.token_ttl, customer=self._customer)
            self._url = self._stack.enter_context(serve_in_thread(app)).url
        return self._url

    def stop(self) -> None:
        self._stack.close()
        self._url = ""
