"""What two versions both declare, and what their documents declare differently."""

from __future__ import annotations

from destwatch.openapi.model import EndpointModel, Surface
from destwatch.openapi.versions import common_model, document_differences, version_number

V1 = EndpointModel(
    name="products",
    path="/products",
    get=Surface(
        "GET",
        features=frozenset({"top", "periodSince"}),
        filters=("brand",),
        sort_asc=("id", "brand"),
        sort_desc=("id", "brand"),
        max_top=1000,
    ),
    post=Surface("POST", features=frozenset({"top", "filter"}), filters=("id", "brand"), max_top=1000),
    properties={"id": "string", "brand": "string", "price": "number"},
)
V3 = EndpointModel(
    name="products",
    path="/products",
    get=Surface(
        "GET",
        features=frozenset({"top"}),
        filters=("brandName",),
        sort_asc=("id", "brandName"),
        sort_desc=("id",),
        max_top=500,
    ),
    post=Surface("POST", features=frozenset({"top", "filter"}), filters=("id", "brandName"), max_top=500),
    properties={"id": "string", "brandName": "string", "price": "string"},
)


def test_common_model_keeps_only_what_both_declare_per_method() -> None:
    common = common_model(V1, V3)
    assert common.get is not None and common.post is not None
    assert common.get.features == {"top"} and common.get.filters == ()
    assert common.post.filters == ("id",)
    assert (common.get.sort_asc, common.get.sort_desc) == (("id",), ("id",))
    assert common.top_limit == 500
    assert common.properties == {"id": "string"}  # price changed type: not common ground


def test_a_method_only_one_version_declares_is_not_common() -> None:
    get_only = EndpointModel(name="products", path="/products", get=V1.get)
    assert common_model(V1, get_only).post is None


def test_document_differences_name_each_difference_once() -> None:
    lines = document_differences({"products": V1, "gone": V1}, {"products": V3}, ("v1", "v3"))
    assert "endpoint gone: only in v1" in lines
    assert "products: property 'brand' only in v1" in lines
    assert "products: property 'brandName' only in v3" in lines
    assert "products: GET parameter 'periodSince' only in v1" in lines
    assert "products: property 'price' is number in v1, string in v3" in lines
    assert "products: largest top 1000 in v1, 500 in v3" in lines
    assert document_differences({"products": V1}, {"products": V1}, ("a", "b")) == []


def test_versions_order_by_number() -> None:
    assert sorted(["v10", "v2", "v1"], key=version_number) == ["v1", "v2", "v10"]
