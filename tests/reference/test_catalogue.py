"""The catalogue is deterministic, realistic and shaped the way docs/architecture.md promises."""

from __future__ import annotations

import re
from collections import Counter

from destwatch.reference import catalogue


def test_catalogue_has_1200_products_with_three_variants_each() -> None:
    products = catalogue.table("products", "en")
    variants = catalogue.table("variants", "en")
    assert len(products) == 1200
    assert len(variants) == 3600
    assert Counter(v["productId"] for v in variants) == {p["id"]: 3 for p in products}


def test_ids_are_zero_padded_so_string_order_is_numeric_order() -> None:
    ids = [p["id"] for p in catalogue.table("products", "en")]
    assert ids[0] == "NW-10001" and ids[-1] == "NW-11200"
    assert ids == sorted(ids) == sorted(ids, key=lambda i: int(i[3:]))
    variant_ids = [v["id"] for v in catalogue.table("variants", "en")]
    assert variant_ids == sorted(variant_ids) and variant_ids[0] == "NW-10001-1"


def test_generation_is_deterministic_across_calls() -> None:
    catalogue.table.cache_clear()
    catalogue._base.cache_clear()
    first = catalogue.table("products", "sv")
    catalogue.table.cache_clear()
    catalogue._base.cache_clear()
    assert catalogue.table("products", "sv") == first


def test_localized_values_differ_per_language_and_plain_values_do_not() -> None:
    en, sv, de = (catalogue.table("products", lang) for lang in ("en", "sv", "de"))
    for a, b, c in zip(en, sv, de, strict=True):
        assert a["id"] == b["id"] == c["id"]
        assert a["brand"] == b["brand"] == c["brand"]
        assert (a["price"], a["stock"], a["changed"]) == (b["price"], b["stock"], b["changed"])
    assert {p["category"] for p in en} == {names[0] for names in catalogue.CATEGORIES}
    assert {p["category"] for p in sv} == {names[1] for names in catalogue.CATEGORIES}
    assert {p["category"] for p in de} == {names[2] for names in catalogue.CATEGORIES}
    assert sum(a["title"] != b["title"] for a, b in zip(en, sv, strict=True)) > 1000


def test_values_have_the_ties_and_edges_filters_need() -> None:
    products = catalogue.table("products", "en")
    assert len({p["brand"] for p in products}) == 12
    assert len({p["color"] for p in products}) == 10
    prices = Counter(p["price"] for p in products)
    assert set(prices) <= set(catalogue.PRICE_POINTS) and min(prices.values()) > 20
    stocks = [p["stock"] for p in products]
    assert 0 in stocks and all(0 <= s <= 200 for s in stocks) and max(stocks) > 150
    assert all(1.0 <= p["rating"] <= 5.0 for p in products)
    stamps = [p["changed"] for p in products]
    assert all(re.fullmatch(r"2026-(0\d|10)-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps)
    assert min(stamps) < "2026-02-01" and max(stamps) > "2026-10-01"


def test_feed_availability_follows_stock() -> None:
    products = catalogue.table("products", "en")
    feed = catalogue.table("feed", "en")
    for product, item in zip(products, feed, strict=True):
        assert item["availability"] == ("in stock" if product["stock"] else "out of stock")


def test_a_larger_dataset_starts_with_the_default_products() -> None:
    large = catalogue.Dataset(products=3000)
    assert len(catalogue.table("products", "en", large)) == 3000
    assert len(catalogue.table("variants", "sv", large)) == 9000
    assert catalogue.table("products", "de", large)[:1200] == catalogue.table("products", "de")


def test_dataset_traits_change_only_what_they_name() -> None:
    default = catalogue.table("products", "sv")
    lowercase = catalogue.table("products", "sv", catalogue.Dataset(lowercase_brands=True))
    assert {p["brand"] for p in lowercase} - {p["brand"] for p in default} == {"ember", "isbrytare"}
    assert [{**p, "brand": p["brand"].capitalize()} for p in lowercase] == list(default)
    english = catalogue.table("variants", "sv", catalogue.Dataset(localized=False))
    assert english == catalogue.table("variants", "en")
    for table in ("products", "variants", "feed"):
        dated = catalogue.table(table, "en", catalogue.Dataset(created=True))
        plain = catalogue.table(table, "en")
        assert [{k: v for k, v in row.items() if k != "created"} for row in dated] == list(plain)
        assert all(row["created"] <= row["changed"] for row in dated)
