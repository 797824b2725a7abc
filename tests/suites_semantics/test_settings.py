"""Settings the document cannot give: facet sizes and localized properties, from targets.toml."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from destwatch.config import TargetSettings, load_targets
from destwatch.semantics.model import EndpointModel
from destwatch.semantics.session import facet_sizes, localized_properties

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
    (target,) = load_targets(path).version_targets()
    assert target.settings.facet_sizes == {"products.brand": 8}
    assert target.settings.localized_properties == ("title",)
