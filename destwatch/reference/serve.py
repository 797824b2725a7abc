"""What `destwatch serve` (`destwatch.cli.serve`) prints: the catalogues' listings, and the banner that says
how to reach the reference destination.

The banner lists every destination version's base URL, protection, destination id and demo client ids (both
token flows), so a new user can fetch a token and curl a version at once. Demo secrets are not printed: they
are documented test fixtures, and destwatch never prints secrets. Under a document variant it also names the
targets.toml settings the variant's owner would set; with a candidate, it says what productCatalog v4 does
differently from v2.
"""

from __future__ import annotations

from destwatch._tomllines import toml_value
from destwatch.reference.candidates import (
    CANDIDATE_DESTINATION,
    CANDIDATE_OF,
    CANDIDATE_VERSION,
    CANDIDATES,
)
from destwatch.reference.faults import FAULTS
from destwatch.reference.model import REFERENCE, Customer
from destwatch.reference.variants import VARIANTS

__all__ = ["DEFAULT_PORT", "banner", "candidate_listing", "fault_listing", "variant_listing"]

DEFAULT_PORT = 8765
_EXIT_USAGE = 2
_EXIT_START = 1


def fault_listing() -> str:
    """One line per seeded fault: name, description, the suites that must catch it."""
    width = max(len(name) for name in FAULTS)
    return "\n".join(
        f"{fault.name:<{width}}  {fault.description}  [{', '.join(fault.targets)}]"
        for fault in FAULTS.values()
    )


def variant_listing() -> str:
    """One line per document variant: name, what differs from the default document."""
    width = max(len(name) for name in VARIANTS)
    return "\n".join(f"{variant.name:<{width}}  {variant.description}" for variant in VARIANTS.values())


def candidate_listing() -> str:
    """One line per candidate: name, what v4 does differently from v2, whether its document says so."""
    width = max(len(name) for name in CANDIDATES)
    return "\n".join(
        f"{c.name:<{width}}  {c.description}{'  [document changes]' if c.document_changes else ''}"
        for c in CANDIDATES.values()
    )


def banner(
    url: str,
    *,
    fault: str | None,
    token_ttl: int | None,
    variant: str | None = None,
    customer: Customer = REFERENCE,
    candidate: str | None = None,
) -> str:
    """What `destwatch serve` prints once it accepts connections."""
    lines = [
        f"destwatch reference destination for customer {customer.name!r} at {url}",
        f"  fault: {fault or 'none'}",
    ]
    if variant:
        lines.append(f"  variant: {variant} ({VARIANTS[variant].description})")
        lines += [
            f"  targets.toml setting for it: {key} = {toml_value(value)}"
            for key, value in VARIANTS[variant].settings.items()
        ]
    if candidate:
        lines.append(
            f"  candidate: {candidate} as {CANDIDATE_DESTINATION} {CANDIDATE_VERSION}, a copy of "
            f"{CANDIDATE_OF} but for: {CANDIDATES[candidate].description}"
        )
    lines.append("")
    for destination, version in customer.versions():
        base = f"{url}/{customer.name}/{destination.name}/{version.name}"
        endpoints = ", ".join(endpoint.id for endpoint in version.endpoints)
        lines.append(f"{destination.name} {version.name}  {base}  (endpoints: {endpoints})")
        lines.append(f"    OpenAPI:        {base}/openapi")
        lines.append(f"    destination id: {version.destination_id}")
        if version.protected:
            lifetime = token_ttl if token_ttl is not None else version.token_ttl
            clients = ", ".join(app.client_id for app in version.applications) or "none"
            lines.append(f"    protected:      yes, demo client id {clients}, tokens live {lifetime} s")
            if version.oauth_applications:
                oauth = ", ".join(f"{app.client_id} ({app.grant})" for app in version.oauth_applications)
                lines.append(f"    OAuth2:         audience {version.destination_id}, client id {oauth}")
        else:
            lines.append("    protected:      no (no token needed)")
    lines += [
        "",
        f"Token: POST {url}/destinations/{{destinationId}}/token with "
        '{"clientId": "...", "clientSecret": "..."} (demo secrets: see docs/reference.md),',
        f"or OAuth2: POST {url}/oauth2/token with the form "
        "grant_type=client_credentials&client_id=...&client_secret=...&audience=...",
        "Stop with Ctrl+C.",
    ]
    return "\n".join(lines)
