"""targets.toml text that points destwatch at the embedded reference destination.

The repository's own `targets.toml`, the project's tests and the benchmarks all describe the same
reference versions; rendering them from `REFERENCE` keeps one description of what the reference serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from destwatch._tomllines import toml_value
from destwatch.reference.model import REFERENCE, Customer

__all__ = ["embedded_targets"]

TomlValue = str | int | float | bool | list[str] | list[int]


def embedded_targets(
    *,
    defaults: Mapping[str, TomlValue] | None = None,
    reference: Mapping[str, TomlValue] | None = None,
    versions: Iterable[str] | None = None,
    customer: Customer = REFERENCE,
) -> str:
    """The targets.toml text for every reference version, or only `versions` (`"productCatalog/v1"`)."""
    wanted = set(versions) if versions is not None else None
    lines = [*_table("defaults", defaults), *_table("reference", reference)]
    for destination in customer.destinations:
        chosen = [
            v for v in destination.versions if wanted is None or f"{destination.name}/{v.name}" in wanted
        ]
        if not chosen:
            continue
        lines += _table(
            f"destinations.{destination.name}", {"base_url": "embedded", "customer": customer.name}
        )
        for version in chosen:
            settings = {"protected": version.protected, "languages": list(version.languages)}
            lines += _table(f"destinations.{destination.name}.versions.{version.name}", settings)
    return "\n".join(lines)


def _table(name: str, values: Mapping[str, TomlValue] | None) -> list[str]:
    if values is None:
        return []
    return [f"[{name}]", *(f"{key} = {toml_value(value)}" for key, value in values.items()), ""]
