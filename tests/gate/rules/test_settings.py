"""Settings the document cannot give: facet sizes and localized properties, from targets.toml."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from destwatch.config import TargetSettings, load_targets
from destwatch.gate.rules.session import facet_sizes, localized_properties, period_property
from destwatch.openapi.model import EndpointModel
from destwatch.reference.embedded import Embedded

PLAIN = SimpleNamespace(settings=TargetSettings())


def _model(name: str, facets: dict[str, int | None]) -> EndpointModel:
    return EndpointModel(name=name, path=f"/{name}", facets=facets)


def _target(**settings: object) -> SimpleNamespace:
    return SimpleNamespace(settings=TargetSettings(**settings))


def test_documented_facet_sizes_win_over_the_setting() -> None:
    target = _target(facet_sizes={"brand": 3})
    assert facet_sizes(target, _model("products", {"brand": 8, "color": None})) == {"brand": 8}


def test_endpoint_qualified_facet_size_wins_over_the_plain_one() -> None:
    target = _target(facet_sizes={"brand": 10, "products.brand": 8, "feed.color": 2})
    assert facet_sizes(target, _model("products", {"brand": None})) == {"brand": 8}
    assert facet_sizes(target, _model("feed", {})) == {"brand": 10, "color": 2}
    assert facet_sizes(PLAIN, _model("products", {})) == {}


def test_localized_properties_are_detected_unless_the_target_names_them() -> None:
    assert localized_properties(PLAIN) is None
    assert localized_properties(_target(localized_properties=["category"])) == ("category",)
    assert localized_properties(_target(localized_properties=[])) == ()


def test_targets_toml_carries_both_settings_per_version(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(
        """
[defaults]
facet_sizes = { "products.brand" = 8 }

[destinations.googleMarketplace]
base_url = "embedded"
customer = "northwind"

[destinations.googleMarketplace.versions.v1]
protected = false
languages = ["en", "sv"]
localized_properties = ["title"]
""",
        encoding="utf-8",
    )
    (target,) = load_targets(path).version_targets(embedded=Embedded())
    assert target.settings.facet_sizes == {"products.brand": 8}
    assert target.settings.localized_properties == ("title",)


def _dated(*names: str, named: tuple[str, ...] = ()) -> EndpointModel:
    return EndpointModel(
        name="p", path="/p", properties=dict.fromkeys(names, "date-time"), period_named=named
    )


def test_the_period_property_comes_from_the_setting_then_the_document_then_the_only_date_time() -> None:
    assert period_property(PLAIN, _dated("changed"))[0] == "changed"
    assert period_property(PLAIN, _dated("created", "changed", named=("changed",)))[0] == "changed"
    assert period_property(_target(period_property="created"), _dated("created", "changed"))[0] == "created"


def test_an_unknown_period_property_is_not_guessed_and_the_reason_names_the_setting() -> None:
    name, why = period_property(PLAIN, _dated("created", "changed"))
    assert name is None and "set period_property in targets.toml" in why and "created, changed" in why
    name, why = period_property(_target(period_property="stock"), _dated("changed"))
    assert name is None and "'stock' is not a date-time property" in why


def test_sort_collation_is_ordinal_unless_set_and_refuses_other_values() -> None:
    assert PLAIN.settings.sort_collation == "ordinal"
    assert _target(sort_collation="case-insensitive").settings.sort_collation == "case-insensitive"
    with pytest.raises(ValueError, match="sort_collation"):
        TargetSettings(sort_collation="locale")
