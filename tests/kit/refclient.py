"""Helpers for the reference destination's tests: versions by name (V4: the candidate version, as any
candidate serves it), a token-aware HTTP client, and the Schemathesis CLI run against one version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from destwatch.reference import REFERENCE, OAuthApplication, RunningServer, Version, candidate_customer

CATALOGUE = REFERENCE.destination("productCatalog")
MARKETPLACE = REFERENCE.destination("googleMarketplace")
assert CATALOGUE is not None and MARKETPLACE is not None
V1, V2, V3 = CATALOGUE.versions
FEED = MARKETPLACE.versions[0]
# OAuth2 applications granted more than one version (registered on v1).
CATALOGUE_WIDE = next(app for app in V1.oauth_applications if app.grant == "destination")
TENANT_WIDE = next(app for app in V1.oauth_applications if app.grant == "tenant")
# Names, ids and the demo application are the same whichever candidate serves v4.
V4 = candidate_customer("clean").versions()[3][1]
assert V4.name == "v4"


def base_path(version: Version) -> str:
    # By destination id: ids never change across variants and candidates, unlike the Version values.
    destination = MARKETPLACE if version.destination_id == FEED.destination_id else CATALOGUE
    return f"/{REFERENCE.name}/{destination.name}/{version.name}"


class RefClient:
    """An httpx client on one server that knows how to fetch tokens and query versions."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self._tokens: dict[str, str] = {}

    def token_response(self, version: Version, secret: str | None = None) -> httpx.Response:
        app = version.applications[0]
        body = {"clientId": app.client_id, "clientSecret": app.client_secret if secret is None else secret}
        return self.http.post(f"/destinations/{version.destination_id}/token", json=body)

    def oauth_response(
        self, audience: Version, client: OAuthApplication | None = None, **fields: str
    ) -> httpx.Response:
        """An OAuth2 client-credentials request for `audience` by `client` (default: the version's own
        demo application); `fields` replace or add form fields."""
        app = client or audience.oauth_demo
        assert app is not None, f"{audience.name} has no OAuth2 demo application"
        form = {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "audience": audience.destination_id,
            **fields,
        }
        return self.http.post("/oauth2/token", data=form)

    def oauth_token(self, audience: Version, client: OAuthApplication | None = None) -> str:
        response = self.oauth_response(audience, client)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def token(self, version: Version) -> str:
        if version.destination_id not in self._tokens:
            response = self.token_response(version)
            assert response.status_code == 200, response.text
            self._tokens[version.destination_id] = response.json()["accessToken"]
        return self._tokens[version.destination_id]

    def auth(self, version: Version) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(version)}"} if version.protected else {}

    def get(self, version: Version, endpoint: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{base_path(version)}/{endpoint}", params=params, headers=self.auth(version))

    def post(self, version: Version, endpoint: str, body: Any, **params: Any) -> httpx.Response:
        return self.http.post(
            f"{base_path(version)}/{endpoint}", json=body, params=params, headers=self.auth(version)
        )

    def close(self) -> None:
        self.http.close()


SCHEMATHESIS_SEED = "20261128"


def schemathesis(
    client: RefClient, version: Version, workdir: Path, *options: str, examples: int = 15
) -> subprocess.CompletedProcess[str]:
    """`st run` on `version`'s document with all its default checks, in a subprocess, with a real token."""
    command = [
        sys.executable,
        "-c",
        "from schemathesis.cli import schemathesis; schemathesis()",
        "run",
        f"{client.server.url}{base_path(version)}/openapi",
        "--max-examples",
        str(examples),
        "--seed",
        SCHEMATHESIS_SEED,
        "--generation-database",
        "none",
        "--no-color",
        *options,
    ]
    if version.protected:
        command += ["-H", f"Authorization: Bearer {client.token(version)}"]
    # The run writes its reports and caches into its working directory: keep them out of the tree.
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
