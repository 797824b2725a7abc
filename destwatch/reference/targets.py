"""targets.toml text that points destwatch at the embedded reference destination.

The repository's own `targets.toml`, the project's tests and the benchmarks all describe the same
reference versions; rendering them from `REFERENCE` keeps one description of what the reference serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from destwatch._tomllines import toml_value
from destwatch.reference.model import REFERENCE, Customer

__all__ = ["EXPECTATIONS", "embedded_targets"]

TomlValue = str | int | float | bool | list[str] | list[int]

# What the reference's owner (this project) promises beyond Occtoo's documented contract. A targets.toml
# for the reference switches these expectations on, so the seeded faults that break them are caught.
EXPECTATIONS: Mapping[str, TomlValue] = {
    "rfc6750_strict": True,
    "token_errors_are_4xx": True,
    "shared_applications": False,
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
) -> str:
    """The targets.toml text for every reference version, or only `versions` (`"productCatalog/v1"`), with
    the reference's `EXPECTATIONS` switched on under `defaults` (unless `expectations` is false)."""
    wanted = set(versions) if versions is not None else None
    promised = EXPECTATIONS if expectations else {}
    lines = [*_table("defaults", {**promised, **(defaults or {})} or None), *_table("reference", reference)]
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
