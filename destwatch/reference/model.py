"""The reference destination's configuration: customer, destinations, versions, endpoints, applications.

Everything the server answers and every OpenAPI document it serves is derived from these frozen values, so
changing an endpoint here changes the document and the server's validation together. `northwind(...)` builds
the customer; its arguments are what a document variant changes (see `variants.py`), and `REFERENCE` is
`northwind()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from destwatch.reference.catalogue import DEFAULT_DATASET, Dataset

if TYPE_CHECKING:
    # For the annotation only: `candidates.py` builds its versions from this module's values.
    from destwatch.reference.candidates import Candidate

__all__ = [
    "GET",
    "POST",
    "RANGE_OPERATORS",
    "REFERENCE",
    "Application",
    "Collation",
    "Customer",
    "Destination",
    "Endpoint",
    "Facet",
    "Grant",
    "OAuthApplication",
    "Property",
    "PropertyType",
    "Style",
    "Surface",
    "TokenFlow",
    "Version",
    "northwind",
]

PropertyType = Literal["string", "number", "integer", "date-time"]
TokenFlow = Literal["destination", "oauth2"]
Grant = Literal["version", "destination", "tenant"]
Collation = Literal["ordinal", "case-insensitive"]
RANGE_OPERATORS = ("gt", "gte", "lt", "lte")


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
    sortable: bool = True
    # Value bounds the document promises for numeric properties.
    minimum: float | None = None
    maximum: float | None = None
    # The document allows null (`nullable: true`).
    nullable: bool = False

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
    # The `propertyId` answers and the document name the facet by; differs from `property` when a version
    # renames the facet but not the property.
    alias: str = ""

    @property
    def property_id(self) -> str:
        return self.alias or self.property

    def header(self, language: str) -> str:
        return dict(self.headers).get(language, self.headers[0][1])


@dataclass(frozen=True)
class Endpoint:
    id: str
    table: Literal["products", "variants", "feed"]
    properties: tuple[Property, ...]
    facets: tuple[Facet, ...] = ()
    # The date-time property that `periodSince` / `period` filter on.
    period: str = "changed"

    @property
    def filterable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.filterable)

    @property
    def sortable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.sortable)

    @property
    def rangeable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.rangeable)

    @property
    def searchable(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.searchable)

    @property
    def date_times(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.type == "date-time")

    def property_named(self, name: str) -> Property | None:
        return next((prop for prop in self.properties if prop.name == name), None)


@dataclass(frozen=True)
class Application:
    """A client registered on one destination version. The secret never shows in a repr."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class OAuthApplication(Application):
    """An application of the customer at the authorization server (OAuth2 client credentials), registered on
    the version that lists it. Its `grant` says which protected versions its tokens are for, counted from that
    version: "version" (that one), "destination" (every version of its destination), "tenant" (every
    protected version of the customer)."""

    grant: Grant = "version"


@dataclass(frozen=True)
class Surface:
    """The optional request features one method declares; paging, filters and search are always there."""

    include_totals: bool = True
    list_ids: bool = True
    sort: bool = True
    after: bool = True
    period: bool = True
    # GET: the `language` query parameter. POST: the `language` body field.
    language: bool = True
    # POST only: `language` as a query parameter too (a body `language` wins).
    language_query: bool = False


GET = Surface()
POST = Surface(language_query=True)


@dataclass(frozen=True)
class Style:
    """How a version's requests are shaped and its document is written, beyond its endpoints' properties."""

    get: Surface = GET
    post: Surface = POST
    max_top: int = 1000
    range_operators: tuple[str, ...] = RANGE_OPERATORS
    # `filter.must` / `mustNot` as open maps (any key) instead of closed objects listing the filterable
    # properties. The server then compares any property by equality: a key that is no string property of
    # the endpoint equals no value, so it matches nothing in `must` and excludes nothing in `mustNot`.
    open_filter_maps: bool = False
    # One schema per facet stating its property id and size, or one schema for all facets, sizes unstated.
    facet_sizes_declared: bool = True
    # How string sort keys compare: by code point, or by `str.casefold`.
    sort_collation: Collation = "ordinal"
    # Declare bearer security even on an unprotected version (the server still asks for no token).
    security_on_unprotected: bool = False


@dataclass(frozen=True)
class Version:
    name: str
    destination_id: str
    protected: bool
    languages: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    applications: tuple[Application, ...] = ()
    # Applications at the authorization server (the OAuth2 flow), registered on this version.
    oauth_applications: tuple[OAuthApplication, ...] = ()
    # The flow the version's consumers get credentials for: what a targets.toml for it says.
    token_flow: TokenFlow = "destination"
    token_ttl: int = 3600
    style: Style = Style()
    # The candidate this version is served as (see `candidates.py`), whose version fault the server asks
    # about through a `CandidateSwitch`; None for every configured version.
    candidate: Candidate | None = None

    @property
    def declares_security(self) -> bool:
        return self.protected or self.style.security_on_unprotected

    def application(self, client_id: str) -> Application | None:
        return next((app for app in self.applications if app.client_id == client_id), None)

    @property
    def oauth_demo(self) -> OAuthApplication | None:
        """The OAuth2 application granted this version alone, the one a targets.toml for it uses."""
        return next((app for app in self.oauth_applications if app.grant == "version"), None)

    def second_demo(self, flow: TokenFlow) -> Application | None:
        """The second application of `flow` registered on this version alone (a targets.toml's
        `second_application`), or None."""
        if flow == "oauth2":
            own: tuple[Application, ...] = tuple(a for a in self.oauth_applications if a.grant == "version")
        else:
            own = self.applications
        return own[1] if len(own) > 1 else None


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
    data: Dataset = DEFAULT_DATASET

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

    def oauth_application(self, client_id: str) -> tuple[OAuthApplication, frozenset[str]] | None:
        """The OAuth2 application with `client_id` and the destination ids of the protected versions its
        grant covers; None when there is no such application."""
        for destination, version in self.versions():
            for app in version.oauth_applications:
                if app.client_id == client_id:
                    return app, self._reach(app.grant, destination, version)
        return None

    def _reach(self, grant: Grant, destination: Destination, version: Version) -> frozenset[str]:
        if grant == "version":
            return frozenset({version.destination_id})
        versions = destination.versions if grant == "destination" else [v for _, v in self.versions()]
        return frozenset(v.destination_id for v in versions if v.protected)


def _headers(en: str, sv: str, de: str) -> tuple[tuple[str, str], ...]:
    return (("en", en), ("sv", sv), ("de", de))


_CATEGORY = Facet("category", 20, _headers("Category", "Kategori", "Kategorie"))
_COLOR = Facet("color", 20, _headers("Color", "Färg", "Farbe"))
_SIZE = Facet("size", 20, _headers("Size", "Storlek", "Größe"))


def _products(version: int) -> Endpoint:
    brand = _brand(version)
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
    brand_facet = Facet(brand, 8, _BRAND_HEADERS)
    return Endpoint("products", "products", tuple(props), (_CATEGORY, brand_facet, _COLOR))


def _brand(version: int) -> str:
    # v3 renames `brand` (a breaking change).
    return "brandName" if version >= 3 else "brand"


_BRAND_HEADERS = _headers("Brand", "Varumärke", "Marke")

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


def _more_endpoints(version: int) -> tuple[Endpoint, ...]:
    """Four more projections of the same tables, as an owner adds endpoints for other consumers."""
    brand = _brand(version)
    fullproductdata = Endpoint(
        "fullproductdata",
        "products",
        (
            Property("id", "string", filterable=True),
            # Free text: filterable by equality, but not a sort key.
            Property("title", "string", localized=True, filterable=True, sortable=False),
            Property(brand, "string", source="brand", filterable=True),
            Property("category", "string", localized=True, filterable=True),
            Property("color", "string", localized=True, filterable=True),
            Property("price", "number", rangeable=True),
            Property("stock", "integer", rangeable=True, minimum=0),
            Property("rating", "number", rangeable=True, minimum=1, maximum=5),
            Property("changed", "date-time"),
        ),
        # Sized to hold every value: nothing is cut.
        (Facet("category", 10, _CATEGORY.headers), Facet(brand, 12, _BRAND_HEADERS)),
    )
    prices = Endpoint(
        "prices",
        "variants",
        (
            Property("id", "string", filterable=True),
            Property("productId", "string", filterable=True),
            Property("price", "number", rangeable=True),
            Property("changed", "date-time"),
        ),
    )
    stock = Endpoint(
        "stock",
        "variants",
        (
            Property("id", "string", filterable=True),
            Property("productId", "string", filterable=True),
            Property("size", "string", filterable=True),
            Property("stock", "integer", rangeable=True, minimum=0),
            Property("changed", "date-time"),
        ),
        (Facet("size", 6, _SIZE.headers),),
    )
    outlet = Endpoint(
        "outlet",
        "products",
        (
            Property("id", "string", filterable=True),
            Property("title", "string", localized=True, sortable=False),
            Property(brand, "string", source="brand", filterable=True),
            Property("price", "number", rangeable=True),
            Property("rating", "number", rangeable=True, minimum=1, maximum=5),
            Property("changed", "date-time"),
        ),
        (Facet(brand, 5, _BRAND_HEADERS),),
    )
    return fullproductdata, prices, stock, outlet


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


def _fitted(endpoint: Endpoint, data: Dataset, facets: bool) -> Endpoint:
    """`endpoint` as the dataset and the facet configuration have it."""
    props = []
    for prop in endpoint.properties:
        if prop.name == "changed" and data.created:
            props.append(Property("created", "date-time"))
        props.append(replace(prop, localized=prop.localized and data.localized))
        if prop.name == "changed" and data.unreleased and endpoint.table == "products":
            props.append(Property("released", "date-time", sortable=False, nullable=True))
    return replace(endpoint, properties=tuple(props), facets=endpoint.facets if facets else ())


# Applications granted more than one version, registered on productCatalog v1.
_WIDER_GRANTS = (
    OAuthApplication("demo-oauth-catalog", "demo-oauth-secret-catalog", "destination"),
    OAuthApplication("demo-oauth-tenant", "demo-oauth-secret-tenant", "tenant"),
)


def _catalogue_version(
    n: int, style: Style, endpoints: tuple[Endpoint, ...], languages: tuple[str, ...] = _LANGUAGES
) -> Version:
    if n >= 3:
        # v3 drops the GET `periodSince` parameter (a breaking change).
        style = replace(style, get=replace(style.get, period=False))
    oauth = (
        OAuthApplication(f"demo-oauth-v{n}", f"demo-oauth-secret-v{n}"),
        OAuthApplication(f"demo-second-oauth-v{n}", f"demo-second-oauth-secret-v{n}"),
    )
    return Version(
        name=f"v{n}",
        destination_id=_GUID.format(n),
        protected=True,
        languages=languages,
        endpoints=endpoints,
        applications=(
            Application(f"demo-client-v{n}", f"demo-secret-v{n}"),
            Application(f"demo-second-client-v{n}", f"demo-second-secret-v{n}"),
        ),
        oauth_applications=oauth + _WIDER_GRANTS if n == 1 else oauth,
        # Every version serves both flows; v3's consumers are given OAuth2 credentials.
        token_flow="oauth2" if n == 3 else "destination",
        style=style,
    )


def northwind(
    style: Style = Style(),
    data: Dataset = DEFAULT_DATASET,
    *,
    facets: bool = True,
    more_endpoints: bool = False,
    languages: tuple[str, ...] | None = None,
) -> Customer:
    """The configured customer. `style` applies to every version, `data` is the catalogue every version
    serves, `facets=False` drops every facet, `more_endpoints` gives productCatalog v2 and v3 six endpoints,
    `languages` (the first ones of the default's) is what every version declares.

    Destinations, versions, destination ids and applications never change, nor does a language get added.
    """

    def fit(*endpoints: Endpoint) -> tuple[Endpoint, ...]:
        return tuple(_fitted(endpoint, data, facets) for endpoint in endpoints)

    def catalogue_endpoints(n: int) -> tuple[Endpoint, ...]:
        if n == 1:
            return fit(_products(n))
        return fit(_products(n), _VARIANTS, *(_more_endpoints(n) if more_endpoints else ()))

    return Customer(
        "northwind",
        (
            Destination(
                "productCatalog",
                tuple(
                    _catalogue_version(n, style, catalogue_endpoints(n), languages or _LANGUAGES)
                    for n in (1, 2, 3)
                ),
            ),
            Destination(
                "googleMarketplace",
                (
                    Version(
                        "v1",
                        _GUID.format(4),
                        protected=False,
                        languages=languages or ("en", "sv"),
                        endpoints=fit(_FEED),
                        style=style,
                    ),
                ),
            ),
        ),
        data,
    )


REFERENCE = northwind()
