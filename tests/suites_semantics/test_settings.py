"""Settings the document cannot give: facet sizes and localized properties from the target or environment."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from destwatch.semantics.model import EndpointModel
from destwatch.semantics.session import facet_sizes, localized_properties

PLAIN = SimpleNamespace(settings=SimpleNamespace())


def _model(name: str, facets: dict[str, int | None]) -> EndpointModel:
    return EndpointModel(name=name, path=f"/{name}", facets=facets)


def test_documented_facet_sizes_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESTWATCH_FACET_SIZES", "brand=3")
    assert facet_sizes(PLAIN, _model("products", {"brand": 8, "color": None})) == {"brand": 8}


def test_facet_sizes_from_the_environment_prefer_the_endpoint_qualified_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESTWATCH_FACET_SIZES", "brand=10, products.brand=8,feed.color=2,junk,size=x")
    assert facet_sizes(PLAIN, _model("products", {"brand": None})) == {"brand": 8}
    assert facet_sizes(PLAIN, _model("feed", {})) == {"brand": 10, "color": 2}


def test_facet_sizes_from_a_target_setting_when_the_config_carries_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DESTWATCH_FACET_SIZES", raising=False)
    target = SimpleNamespace(settings=SimpleNamespace(facet_sizes={"products.brand": 8}))
    assert facet_sizes(target, _model("products", {})) == {"brand": 8}
    assert facet_sizes(PLAIN, _model("products", {})) == {}


def test_localized_properties_come_from_the_target_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DESTWATCH_LOCALIZED_PROPERTIES", raising=False)
    assert localized_properties(PLAIN) is None
    monkeypatch.setenv("DESTWATCH_LOCALIZED_PROPERTIES", "title, color,")
    assert localized_properties(PLAIN) == ("title", "color")
    configured = SimpleNamespace(settings=SimpleNamespace(localized_properties=["category"]))
    assert localized_properties(configured) == ("category",)
