"""A deterministic, multi-language product catalogue: 1,200 products with 3 variants each, and a feed.

Generated from a fixed seed, so every run, every machine and every version of the destination sees the same
data. Values are drawn from small lists on purpose: filters, facets and range bounds need ties and repeats to
have something to get wrong. A `Dataset` describes the catalogue a document variant needs (more products,
lowercase brand names, nothing localized, a creation instant); the default `Dataset()` is the catalogue above.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

__all__ = [
    "BRANDS",
    "CATEGORIES",
    "COLORS",
    "DEFAULT_DATASET",
    "LANGUAGES",
    "LOWERCASE_BRANDS",
    "PRICE_POINTS",
    "PRODUCT_COUNT",
    "SIZES",
    "Dataset",
    "table",
]

SEED = 20261128
PRODUCT_COUNT = 1200
VARIANTS_PER_PRODUCT = 3
LANGUAGES = ("en", "sv", "de")

BRANDS = (
    "Aurora", "Borealis", "Cascade", "Driftwood", "Ember", "Fjällräv", "Granite", "Harbor",
    "Isbrytare", "Juniper", "Kestrel", "Lumen",
)  # fmt: skip
# Brands that write their names in lowercase where a dataset asks for it: ordinal order puts them after every
# capitalized brand, case-insensitive order among them, so the two collations disagree.
LOWERCASE_BRANDS = frozenset({"Ember", "Isbrytare"})

# (en, sv, de); Swedish and German spellings keep non-ASCII letters so encoding bugs show.
CATEGORIES = (
    ("Shoes", "Skor", "Schuhe"),
    ("Bags", "Väskor", "Taschen"),
    ("Jackets", "Jackor", "Jacken"),
    ("Shirts", "Skjortor", "Hemden"),
    ("Trousers", "Byxor", "Hosen"),
    ("Dresses", "Klänningar", "Kleider"),
    ("Hats", "Hattar", "Hüte"),
    ("Gloves", "Handskar", "Handschuhe"),
    ("Scarves", "Halsdukar", "Schals"),
    ("Socks", "Strumpor", "Socken"),
)
# Singular nouns for titles, one per category above.
_NOUNS = (
    ("Sneaker", "Sko", "Schuh"),
    ("Tote", "Väska", "Tasche"),
    ("Jacket", "Jacka", "Jacke"),
    ("Shirt", "Skjorta", "Hemd"),
    ("Chinos", "Byxa", "Hose"),
    ("Dress", "Klänning", "Kleid"),
    ("Cap", "Mössa", "Mütze"),
    ("Mittens", "Vantar", "Fäustlinge"),
    ("Scarf", "Halsduk", "Schal"),
    ("Socks", "Strumpor", "Socken"),
)
COLORS = (
    ("Red", "Röd", "Rot"),
    ("Blue", "Blå", "Blau"),
    ("Green", "Grön", "Grün"),
    ("Black", "Svart", "Schwarz"),
    ("White", "Vit", "Weiß"),
    ("Grey", "Grå", "Grau"),
    ("Yellow", "Gul", "Gelb"),
    ("Brown", "Brun", "Braun"),
    ("Pink", "Rosa", "Rosa"),
    ("Navy", "Marinblå", "Marineblau"),
)
_ADJECTIVES = (
    ("Classic", "Klassisk", "Klassisch"),
    ("Light", "Lätt", "Leicht"),
    ("Warm", "Varm", "Warm"),
    ("Urban", "Urban", "Urban"),
    ("Trail", "Terräng", "Gelände"),
    ("Soft", "Mjuk", "Weich"),
    ("Rugged", "Tålig", "Robust"),
    ("Everyday", "Vardags", "Alltags"),
)
_MODELS = ("Alder", "Birch", "Cedar", "Delta", "Fjord", "Glacier", "Heath", "Tundra", "Moss", "Skerry")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# Prices come from a short list so range bounds land exactly on many items.
PRICE_POINTS = (
    9.95,
    14.95,
    19.95,
    24.95,
    29.95,
    39.95,
    49.95,
    59.95,
    79.95,
    99.95,
    129.0,
    149.0,
    199.0,
    249.0,
)

_START = datetime(2026, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC) - _START).total_seconds())
_INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# A product is created up to this long before its first change.
_CREATED_LEAD_SECONDS = 180 * 86400

Row = dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    """Which catalogue a destination serves; hashable, so every derived table is cached per dataset."""

    products: int = PRODUCT_COUNT
    # Brands in `LOWERCASE_BRANDS` are written in lowercase ("ember").
    lowercase_brands: bool = False
    # False: every language holds the English values.
    localized: bool = True
    # Products, variants and feed items carry `created`, an instant at or before their `changed`.
    created: bool = False
    # Every item has the first color: a filter key holding one value across the data.
    one_color: bool = False
    # Products carry `released`, always null: a property no answer ever shows populated.
    unreleased: bool = False


DEFAULT_DATASET = Dataset()


def _stock(rng: random.Random) -> int:
    # About one item in eight is out of stock: enough for availability and stock-range edge cases.
    return 0 if rng.random() < 0.125 else rng.randint(1, 200)


def _timestamp(rng: random.Random, not_before: int = 0) -> tuple[str, int]:
    offset = rng.randint(not_before, _SPAN_SECONDS)
    return (_START + timedelta(seconds=offset)).strftime(_INSTANT_FORMAT), offset


@cache
def _base(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Language-neutral products and variants: indexes into the localized lists, shared by every language.

    One random stream in id order, so a larger catalogue starts with the same products as a smaller one.
    """
    rng = random.Random(SEED)
    products: list[dict[str, Any]] = []
    variants: list[dict[str, Any]] = []
    for n in range(count):
        product_id = f"NW-{10001 + n}"
        category = rng.randrange(len(CATEGORIES))
        color = rng.randrange(len(COLORS))
        price = rng.choice(PRICE_POINTS)
        changed, offset = _timestamp(rng)
        products.append(
            {
                "id": product_id,
                "adjective": rng.randrange(len(_ADJECTIVES)),
                "model": rng.choice(_MODELS),
                "brand": rng.choice(BRANDS),
                "category": category,
                "color": color,
                "price": price,
                "stock": _stock(rng),
                "changed": changed,
                "rating": round(rng.uniform(1.0, 5.0), 1),
            }
        )
        first_size = rng.randrange(len(SIZES) - VARIANTS_PER_PRODUCT + 1)
        for k in range(VARIANTS_PER_PRODUCT):
            variant_changed, _ = _timestamp(rng, not_before=offset)
            variants.append(
                {
                    "id": f"{product_id}-{k + 1}",
                    "productId": product_id,
                    "size": SIZES[first_size + k],
                    "color": color if rng.random() < 0.7 else rng.randrange(len(COLORS)),
                    "price": price if rng.random() < 0.8 else rng.choice(PRICE_POINTS),
                    "stock": _stock(rng),
                    "changed": variant_changed,
                }
            )
    return products, variants


@cache
def _created(count: int) -> dict[str, str]:
    """A creation instant per product id, at or before the product's `changed` (and so its variants').

    Drawn from a stream of its own, so the rest of the catalogue is the same with or without it.
    """
    rng = random.Random(SEED + 1)
    products, _ = _base(count)
    created = {}
    for product in products:
        changed = datetime.strptime(product["changed"], _INSTANT_FORMAT).replace(tzinfo=UTC)
        lead = timedelta(seconds=rng.randint(0, _CREATED_LEAD_SECONDS))
        created[product["id"]] = (changed - lead).strftime(_INSTANT_FORMAT)
    return created


def _brand(base: dict[str, Any], data: Dataset) -> str:
    brand: str = base["brand"]
    return brand.lower() if data.lowercase_brands and brand in LOWERCASE_BRANDS else brand


def _dated(row: Row, product_id: str, data: Dataset) -> Row:
    """`row` with `created` just before `changed` when the dataset has creation instants."""
    if not data.created:
        return row
    changed = row.pop("changed")
    return {**row, "created": _created(data.products)[product_id], "changed": changed}


def _product(base: dict[str, Any], lang: int, data: Dataset) -> Row:
    category = base["category"]
    title = f"{_ADJECTIVES[base['adjective']][lang]} {_NOUNS[category][lang]} {base['model']}"
    row = {
        "id": base["id"],
        "title": title,
        "brand": _brand(base, data),
        "category": CATEGORIES[category][lang],
        "color": COLORS[0 if data.one_color else base["color"]][lang],
        "price": base["price"],
        "stock": base["stock"],
        "changed": base["changed"],
        "rating": base["rating"],
    }
    if data.unreleased:
        row["released"] = None
    return _dated(row, base["id"], data)


def _variant(base: dict[str, Any], lang: int, data: Dataset) -> Row:
    color = COLORS[0 if data.one_color else base["color"]][lang]
    return _dated({**base, "color": color}, base["productId"], data)


def _feed_item(base: dict[str, Any], lang: int, data: Dataset) -> Row:
    product = _product(base, lang, data)
    row = {
        "id": product["id"],
        "title": product["title"],
        "brand": product["brand"],
        "category": product["category"],
        "price": product["price"],
        "availability": "in stock" if product["stock"] > 0 else "out of stock",
        "changed": product["changed"],
    }
    return _dated(row, base["id"], data)


@cache
def table(name: str, language: str, data: Dataset = DEFAULT_DATASET) -> tuple[Row, ...]:
    """All rows of one catalogue table in one language, sorted by `id` (string order is numeric order).

    Rows hold catalogue field names; an endpoint projects and renames them. Callers must not mutate rows.
    """
    lang = LANGUAGES.index(language) if data.localized else 0
    products, variants = _base(data.products)
    build = {
        "products": (_product, products),
        "variants": (_variant, variants),
        "feed": (_feed_item, products),
    }
    make, source = build[name]
    return tuple(make(base, lang, data) for base in source)
