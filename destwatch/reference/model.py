"""The reference destination's configuration: customer, destinations, versions, endpoints, applications.

Everything the server answers and every OpenAPI document it serves is derived from these frozen values, so
changing an endpoint here changes the document and the server's validation together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "REFERENCE",
    "Application",
    "Customer",
    "Destination",
    "Endpoint",
    "Facet",
    "Property",
    "PropertyType",
    "Version",
]

PropertyType = Literal["string", "number", "integer", "date-time"]


@dataclass(frozen=True)
class Property:
    """One field of an endpoint's result objects."""

    name: str
    type: PropertyType
    # The catalogue field the value is read from; differs from `name` when a version renames a field.
    source: str = ""
    localized: bool = False
    filterable: bool = False
    rangeable: bool = False
    # Value bounds the document promises for numeric properties.
    minimum: float | None = None
    maximum: float | None = None

    @property
    def column(self) -> str:
        return self.source or self.name

    @property
    def searchable(self) -> bool:
        return self.type == "string"


@dataclass(frozen=True)
class Facet:
    """A facet as Occtoo configures it per endpoint: property, maximum number of values, localized header."""

    property: str
    size: int
    # (language, header) pairs: a tuple keeps the endpoint hashable, so derived data is cached per endpoint.
    headers: tuple[tuple[str, str], ...]

    def header(self, language: str) -> str:
        return dict(self.headers).get(language, self.headers[0][1])


@dataclass(frozen=True)
class Endpoint:
    id: str
    table: Literal["products", "variants", "feed"]
    properties: tuple[Property, ...]
    facets: tuple[Facet, ...] = ()

    @property
    def filterable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.filterable)

    @property
    def sortable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties)

    @property
    def rangeable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.rangeable)

    @property
    def searchable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.searchable)


@dataclass(frozen=True)
class Application:
    """A client registered on one destination version. The secret never shows in a repr."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class Version:
    name: str
    destination_id: str
    protected: bool
    languages: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    applications: tuple[Application, ...] = ()
    token_ttl: int = 3600
    # v3 of the product catalogue drops the GET `periodSince` parameter (a breaking change).
    get_period_since: bool = True

    def application(self, client_id: str) -> Application | None:
        return next((app for app in self.applications if app.client_id == client_id), None)


@dataclass(frozen=True)
class Destination:
    name: str
    versions: tuple[Version, ...]

    def version(self, name: str) -> Version | None:
        return next((version for version in self.versions if version.name == name), None)


@dataclass(frozen=True)
class Customer:
    name: str
    destinations: tuple[Destination, ...]

    def destination(self, name: str) -> Destination | None:
        return next((dest for dest in self.destinations if dest.name == name), None)

    def by_destination_id(self, destination_id: str) -> tuple[Destination, Version] | None:
        for destination in self.destinations:
            for version in destination.versions:
                if version.destination_id == destination_id:
                    return destination, version
        return None

    def versions(self) -> list[tuple[Destination, Version]]:
        return [(dest, version) for dest in self.destinations for version in dest.versions]


def _headers(en: str, sv: str, de: str) -> tuple[tuple[str, str], ...]:
    return (("en", en), ("sv", sv), ("de", de))


_CATEGORY = Facet("category", 20, _headers("Category", "Kategori", "Kategorie"))
_COLOR = Facet("color", 20, _headers("Color", "Färg", "Farbe"))
_SIZE = Facet("size", 20, _headers("Size", "Storlek", "Größe"))


def _products(version: int) -> Endpoint:
    brand = "brandName" if version >= 3 else "brand"
    props = [
        Property("id", "string", filterable=True),
        Property("title", "string", localized=True),
        Property(brand, "string", source="brand", filterable=True),
        Property("category", "string", localized=True, filterable=True),
        Property("color", "string", localized=True, filterable=True),
        Property("price", "number", rangeable=True),
        Property("stock", "integer", rangeable=True, minimum=0),
        Property("changed", "date-time"),
    ]
    if version >= 2:
        props.append(Property("rating", "number", rangeable=True, minimum=1, maximum=5))
    # 8 < 12 brands, so the brand facet is always cut to its configured size.
    brand_facet = Facet(brand, 8, _headers("Brand", "Varumärke", "Marke"))
    return Endpoint("products", "products", tuple(props), (_CATEGORY, brand_facet, _COLOR))


_VARIANTS = Endpoint(
    "variants",
    "variants",
    (
        Property("id", "string", filterable=True),
        Property("productId", "string", filterable=True),
        Property("size", "string", filterable=True),
        Property("color", "string", localized=True, filterable=True),
        Property("price", "number", rangeable=True),
        Property("stock", "integer", rangeable=True, minimum=0),
        Property("changed", "date-time"),
    ),
    (_SIZE, _COLOR),
)

_FEED = Endpoint(
    "feed",
    "feed",
    (
        Property("id", "string", filterable=True),
        Property("title", "string", localized=True),
        Property("brand", "string", filterable=True),
        Property("category", "string", localized=True, filterable=True),
        Property("price", "number", rangeable=True),
        Property("availability", "string", filterable=True),
        Property("changed", "date-time"),
    ),
    (Facet("brand", 10, (("en", "Brand"), ("sv", "Varumärke"))),),
)

_LANGUAGES = ("en", "sv", "de")
_GUID = "3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c0{}"


def _catalogue_version(n: int) -> Version:
    return Version(
        name=f"v{n}",
        destination_id=_GUID.format(n),
        protected=True,
        languages=_LANGUAGES,
        endpoints=(_products(n),) if n == 1 else (_products(n), _VARIANTS),
        applications=(Application(f"demo-client-v{n}", f"demo-secret-v{n}"),),
        get_period_since=n < 3,
    )


REFERENCE = Customer(
    "northwind",
    (
        Destination("productCatalog", tuple(_catalogue_version(n) for n in (1, 2, 3))),
        Destination(
            "googleMarketplace",
            (Version("v1", _GUID.format(4), protected=False, languages=("en", "sv"), endpoints=(_FEED,)),),
        ),
    ),
)
