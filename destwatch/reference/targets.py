"""targets.toml text that points destwatch at the reference destination, embedded or served at a URL.

The repository's own `targets.toml`, the project's tests and the benchmarks all describe the same
reference versions; rendering them from `REFERENCE` keeps one description of what the reference serves.
A served reference is configured as a real destination is: URLs, destination ids, client ids, and each
secret read from an environment variable (`demo_secrets()` says which holds what).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from destwatch._tomllines import toml_value
from destwatch.reference.model import REFERENCE, Customer, Version

__all__ = ["EXPECTATIONS", "demo_secrets", "embedded_targets"]

# An inline table too: a `second_application`, a `[reference] rate_limit`.
TomlValue = str | int | float | bool | list[str] | list[int] | Mapping[str, Any]

# What the reference's owner (this project) promises beyond Occtoo's documented contract. A targets.toml
# for the reference switches these expectations on, so the seeded faults that break them are caught.
EXPECTATIONS: Mapping[str, TomlValue] = {
    "rfc6750_strict": True,
    "token_errors_are_4xx": True,
    "token_grant": "version",
    "same_data_across_versions": True,
    "localized_properties": ["title", "category", "color"],
}


def embedded_targets(
    *,
    defaults: Mapping[str, TomlValue] | None = None,
    reference: Mapping[str, TomlValue] | None = None,
    versions: Iterable[str] | None = None,
    customer: Customer = REFERENCE,
    expectations: bool = True,
    served_at: str = "",
    version_tables: Mapping[str, Mapping[str, TomlValue]] | None = None,
) -> str:
    """The targets.toml text for every reference version, or only `versions` (`"productCatalog/v1"`), with
    the reference's `EXPECTATIONS` switched on on each destination's table (unless `expectations` is
    false), as the repository's targets.toml does; a key of `defaults` replaces its expectation. A version
    whose consumers use OAuth2 gets `token_flow = "oauth2"`.

    `served_at`: the URL of a reference already serving (`destwatch serve`, a test's server), configured
    as a real destination; the caller puts `demo_secrets(customer)` in the environment. `version_tables`
    adds keys to versions' tables, or replaces them (`{"productCatalog/v2": {"token_grant": "tenant"}}`)."""
    wanted = set(versions) if versions is not None else None
    given = dict(defaults or {})
    promised = {key: value for key, value in EXPECTATIONS.items() if key not in given} if expectations else {}
    lines = [*_table("defaults", given or None), *_table("reference", reference)]
    for destination in customer.destinations:
        chosen = [
            v for v in destination.versions if wanted is None or f"{destination.name}/{v.name}" in wanted
        ]
        if not chosen:
            continue
        where: dict[str, TomlValue] = {"base_url": "embedded", "customer": customer.name}
        if served_at:
            where["base_url"] = f"{served_at}/{{customer}}/{{destination}}"
            where["token_url"] = f"{served_at}/destinations/{{destination_id}}/token"
        lines += _table(f"destinations.{destination.name}", {**where, **promised})
        for version in chosen:
            settings: dict[str, TomlValue] = {
                "protected": version.protected,
                "languages": list(version.languages),
            }
            if version.protected and version.token_flow == "oauth2":
                settings["token_flow"] = "oauth2"
            if served_at:
                settings |= _served_version(served_at, destination.name, version)
            settings |= (version_tables or {}).get(f"{destination.name}/{version.name}", {})
            lines += _table(f"destinations.{destination.name}.versions.{version.name}", settings)
    return "\n".join(lines)


def _served_version(served_at: str, destination: str, version: Version) -> dict[str, TomlValue]:
    """What a targets.toml says of a served reference version: its ids and its demo applications."""
    settings: dict[str, TomlValue] = {"destination_id": version.destination_id}
    oauth = version.protected and version.token_flow == "oauth2"
    application = version.oauth_demo if oauth else (version.applications or (None,))[0]
    if oauth:
        # The destination's token_url is the destination flow's: this version names its own.
        settings |= {"token_url": f"{served_at}/oauth2/token", "audience": version.destination_id}
    if version.protected and application is not None:
        settings["client_id"] = application.client_id
        settings["client_secret"] = f"${{{_secret_variable(destination, version.name, oauth=oauth)}}}"
    second = version.second_demo(version.token_flow) if version.protected else None
    if second is not None:
        variable = _secret_variable(destination, version.name, oauth=oauth, second=True)
        settings["second_application"] = {"client_id": second.client_id, "client_secret": f"${{{variable}}}"}
    return settings


def demo_secrets(customer: Customer = REFERENCE) -> dict[str, str]:
    """The environment a served reference's targets.toml reads: each protected version's demo secret, and
    the OAuth2 one for the versions whose consumers use OAuth2."""
    found = {}
    for destination, version in customer.versions():
        if version.protected and version.applications:
            found[_secret_variable(destination.name, version.name)] = version.applications[0].client_secret
        if version.protected and version.token_flow == "oauth2" and version.oauth_demo is not None:
            variable = _secret_variable(destination.name, version.name, oauth=True)
            found[variable] = version.oauth_demo.client_secret
        second = version.second_demo(version.token_flow) if version.protected else None
        if second is not None:
            oauth = version.token_flow == "oauth2"
            found[_secret_variable(destination.name, version.name, oauth=oauth, second=True)] = (
                second.client_secret
            )
    return found


def _secret_variable(destination: str, version: str, *, oauth: bool = False, second: bool = False) -> str:
    kind = f"{'OAUTH_' if oauth else ''}{'SECOND_' if second else ''}"
    return f"DESTWATCH_DEMO_{destination}_{version}_{kind}SECRET".upper()


def _table(name: str, values: Mapping[str, TomlValue] | None) -> list[str]:
    if values is None:
        return []
    return [f"[{name}]", *(f"{key} = {toml_value(value)}" for key, value in values.items()), ""]
