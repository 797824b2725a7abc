"""targets.toml: the destinations and versions to test, validated once into frozen objects.

Settings merge per version: `[defaults]` < the destination's table < the version's table. Credentials are
`${ENV}` references resolved only for the versions a run selects, so testing one destination never needs
the secrets of another. Every mistake is a `ConfigError` naming the file, line, key and the fix.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TextIO, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

import destwatch.templates
from destwatch._durations import parse_duration
from destwatch._tomllines import TomlLines, toml_value
from destwatch.errors import ConfigError
from destwatch.redact import register_secret

__all__ = [
    "BUILT_IN",
    "DEFAULT_OAUTH2_TOKEN_URL",
    "DEFAULT_TOKEN_URL",
    "EMBEDDED",
    "EXAMPLE_TARGETS",
    "MONITOR_STEPS",
    "OUR_EXPECTATIONS",
    "ConfigError",
    "CoverageKind",
    "EmbeddedReference",
    "MaintenanceSettings",
    "MonitorSettings",
    "RateLimit",
    "ReferenceSettings",
    "ServedVersion",
    "TargetSettings",
    "Targets",
    "TokenFlowName",
    "TokenGrant",
    "VersionTarget",
    "did_you_mean",
    "load_targets",
    "targets_file",
]

# The built-in example (what `destwatch init` writes): used when no targets.toml is given or found.
EXAMPLE_TARGETS = Path(destwatch.templates.__file__).resolve().parent / "targets.toml"


def targets_file(given: Path | None, *, err: TextIO | None = None) -> Path:
    """The targets.toml to use: the one given, else ./targets.toml, else the built-in example (said so)."""
    if given is not None:
        return given
    here = Path.cwd() / "targets.toml"
    if here.exists():
        return here
    if err is not None:
        print(
            "destwatch: no targets.toml here; using the built-in example (the embedded reference "
            "destination). Write your own with `destwatch init`.",
            file=err,
        )
    return EXAMPLE_TARGETS


EMBEDDED = "embedded"
# The source of a setting no table of targets.toml sets.
BUILT_IN = "built-in default"
DEFAULT_TOKEN_URL = "https://destinations.occtoo.com/destinations/{destination_id}/token"
DEFAULT_OAUTH2_TOKEN_URL = "https://auth.occtoo.com/oauth2/token"
TokenFlowName = Literal["destination", "oauth2"]
# How far one application's token reaches: its own API version, every version of its destination, or every
# protected destination API of the tenant (the grants Occtoo's applications can be given).
TokenGrant = Literal["version", "destination", "tenant"]
# The kinds of contract-coverage item (`destwatch.coverage`), in the order reports list them.
CoverageKind = Literal[
    "operations",
    "parameters",
    "body_fields",
    "filters",
    "sort",
    "facets",
    "languages",
    "paging",
    "statuses",
    "properties",
]
_TOKEN_URLS: dict[str, str] = {"destination": DEFAULT_TOKEN_URL, "oauth2": DEFAULT_OAUTH2_TOKEN_URL}

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_VERSION_NAME = re.compile(r"^v[1-9][0-9]*$")
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)
_Model = TypeVar("_Model", bound=BaseModel)


class RateLimit(BaseModel):
    """A rate limit an owner declares: at most `requests` in any `per` seconds (per application)."""

    model_config = _STRICT

    requests: StrictInt = Field(gt=0, le=1000, description="requests allowed", examples=[10])
    per: Annotated[float, BeforeValidator(parse_duration)] = Field(
        gt=0, le=60, description="in this many seconds", examples=["1s"]
    )


class TargetSettings(BaseModel):
    """Every per-target setting with its default; any of them may be set per destination or version."""

    model_config = _STRICT

    timeout: float = Field(
        10.0,
        gt=0,
        allow_inf_nan=False,
        description="seconds for a whole request, connect to last byte",
        examples=[10.0],
    )
    max_rps: float = Field(
        50.0,
        gt=0,
        allow_inf_nan=False,
        description="requests per second per destination version",
        examples=[50.0],
    )
    response_time_budget: float = Field(
        1.0,
        gt=0,
        allow_inf_nan=False,
        description="seconds a response may take (a slower request is sent again; slow twice fails)",
        examples=[1.0],
    )
    run_deadline: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="seconds the whole run may take; what did not start by then is reported as not run",
        examples=[900.0],
    )
    version_budget: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="seconds one version's tests may take; the rest of them are reported as not run",
        examples=[300.0],
    )
    latency_regression: float = Field(
        1.5,
        gt=1,
        allow_inf_nan=False,
        description="validate: a candidate this many times slower than the version in use is maybe-breaking",
        examples=[1.5],
    )
    max_response_bytes: int = Field(
        10 * 1024 * 1024,
        gt=0,
        description="the largest answer destwatch reads; a larger one is a violation",
        examples=[10485760],
    )
    examples: int = Field(25, gt=0, description="Schemathesis examples per operation", examples=[25])
    request_budget: int = Field(
        400, gt=0, description="requests per endpoint per suite (shape, filters)", examples=[400]
    )
    auth_reject_statuses: tuple[StrictInt, ...] = Field(
        (401, 403),
        strict=False,
        min_length=1,
        description="statuses that count as an auth rejection",
        examples=[[401, 403]],
    )
    token_lifetime: int = Field(
        3600, gt=0, description="documented token lifetime in seconds", examples=[3600]
    )
    expiry_wait_budget: float = Field(
        5.0,
        ge=0,
        allow_inf_nan=False,
        description="seconds the auth suite may wait for a token to expire",
        examples=[5.0],
    )
    # Our own expectations where Occtoo's public contract is silent: unset, a break is a warning.
    rfc6750_strict: bool = Field(
        False, description="whether a 401 without WWW-Authenticate fails (true) or warns", examples=[False]
    )
    token_errors_are_4xx: bool | None = Field(
        None,
        description="bad token requests get a 4xx without a token: true a rule, false unchecked, unset warns",
        examples=[True],
    )
    same_data_across_versions: bool | None = Field(
        None,
        description="versions serve the same items: true a rule, false unchecked, unset warns",
        examples=[True],
    )
    token_grant: TokenGrant | None = Field(
        None,
        description='how far a token reaches: "version", "destination" or "tenant" (a rule); unset warns',
        examples=["version"],
    )
    shared_applications: bool | None = Field(
        None,
        description='the old spelling: false is token_grant = "version", true leaves reach unchecked',
        examples=[False],
    )
    rate_limit: RateLimit | None = Field(
        None,
        description="the data endpoints' declared limit per application, checked by the ratelimit suite",
        examples=[{"requests": 10, "per": "1s"}],
    )
    token_rate_limit: RateLimit | None = Field(
        None,
        description="the token endpoint's declared limit; the ratelimit suite checks it (opt-in)",
        examples=[{"requests": 5, "per": "1s"}],
    )
    seed: int = Field(20261128, description="the fuzz seed", examples=[20261128])
    localized_properties: tuple[StrictStr, ...] | None = Field(
        None,
        strict=False,
        description="properties whose values are localized; unset: detected from the data",
        examples=[["title", "category"]],
    )
    period_property: str | None = Field(
        None,
        description="the date-time property the period filters on; unset: from the document",
        examples=["changed"],
    )
    sort_collation: Literal["ordinal", "case-insensitive"] = Field(
        "ordinal",
        description='how the destination orders text: "ordinal" or "case-insensitive"',
        examples=["case-insensitive"],
    )
    facet_sizes: dict[str, int] = Field(
        default_factory=dict,
        description="facet sizes the document does not state, as `property` or `endpoint.property`",
        examples=[{"products.brand": 8}],
    )
    min_proven: float | None = Field(
        None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="the fraction of coverage items a run must prove, else it exits 5; unset: reported only",
        examples=[0.9],
    )
    require_proven: tuple[CoverageKind, ...] = Field(
        (),
        strict=False,
        description="kinds of coverage item that must all be proven, else the run exits 5",
        examples=[["filters", "sort", "paging"]],
    )


class ReferenceSettings(BaseModel):
    """How destwatch starts the embedded reference destination (only for `base_url = "embedded"`)."""

    model_config = _STRICT

    fault: str = Field("", description='a seeded fault name, or "" for none', examples=["hang"])
    variant: str = Field(
        "", description='a document variant of the reference, or "" for none', examples=["must-open-map"]
    )
    candidate: str = Field(
        "",
        description='a candidate version v4 of productCatalog (for `destwatch validate`), or "" for none',
        examples=["drops-items"],
    )
    token_ttl: int | None = Field(None, gt=0, description="token lifetime in seconds", examples=[3600])
    rate_limit: RateLimit | None = Field(
        None,
        description="data and token requests the reference allows per application (unset: unlimited)",
        examples=[{"requests": 5, "per": "1s"}],
    )


# The monitor's probe steps, in the order a cycle runs them (`[monitor] steps` switches them off by name).
MONITOR_STEPS = ("document", "token", "get", "post", "no-token", "empty", "token-errors", "tls")
# Seconds, written as a number or a duration string ("500ms", "60s", "10m", "1h").
_Seconds = Annotated[float, BeforeValidator(parse_duration)]


class MaintenanceSettings(BaseModel):
    """One `[[monitor.maintenance]]` window: once (`end` or `duration`), or every `every` from `start` on."""

    model_config = _STRICT

    targets: tuple[StrictStr, ...] = Field(
        strict=False,
        min_length=1,
        description='the versions it covers: "destination/v1", "destination" (every version) or "*"',
        examples=[["productCatalog/v2"]],
    )
    start: datetime.datetime = Field(
        strict=False,
        description="when it (first) starts, with a UTC offset",
        examples=[datetime.datetime(2026, 12, 6, 2, 0, tzinfo=datetime.UTC)],
    )
    end: datetime.datetime | None = Field(
        None, strict=False, description="when a one-off window ends (or give duration)", examples=[None]
    )
    duration: _Seconds | None = Field(None, gt=0, description="how long each window lasts", examples=["2h"])
    every: _Seconds | None = Field(
        None, gt=0, description="a recurring window: the period from one start to the next", examples=["7d"]
    )
    reason: str = Field(
        min_length=1, description="why, as the status page shows it", examples=["database upgrade"]
    )


class MonitorSettings(BaseModel):
    """`destwatch monitor`'s settings, the `[monitor]` table (every key optional)."""

    model_config = _STRICT

    history: str = Field(
        "reports/monitor.db",
        min_length=1,
        description="the SQLite history file (relative to the current folder)",
        examples=["reports/monitor.db"],
    )
    textfile: str = Field(
        "reports/monitor.prom",
        min_length=1,
        description="the node_exporter textfile `--once` writes (relative to the current folder)",
        examples=["reports/monitor.prom"],
    )
    keep_days: int = Field(90, gt=0, description="days of history kept", examples=[90])
    degraded_after: _Seconds = Field(
        1.0, gt=0, description="a step slower than this degrades the version", examples=["1s"]
    )
    availability_objective: float = Field(
        99.9,
        gt=0,
        lt=100,
        allow_inf_nan=False,
        description="the availability SLO in percent of cycles not down",
        examples=[99.9],
    )
    latency_objective: _Seconds = Field(
        0.5, gt=0, description="the p95 latency SLO of a cycle's slowest data answer", examples=["500ms"]
    )
    failure_threshold: int = Field(
        2, ge=1, description="consecutive down cycles before an alert fires", examples=[2]
    )
    success_threshold: int = Field(
        2, ge=1, description="consecutive good cycles before a firing alert resolves", examples=[2]
    )
    renotify: _Seconds = Field(
        3600.0, ge=0, description='how often a firing alert is repeated ("0s": never)', examples=["1h"]
    )
    tls_warn_days: int = Field(
        14,
        ge=0,
        description="days of certificate validity left below which a version is degraded",
        examples=[14],
    )
    steps: dict[str, StrictBool] = Field(
        default_factory=dict,
        description="steps switched off, by name",
        examples=[{"tls": False, "token-errors": False}],
    )
    webhook: str | None = Field(
        None,
        description="an ${ENV} reference to the URL alerts are POSTed to as JSON",
        examples=["${DESTWATCH_WEBHOOK_URL}"],
    )
    notify: tuple[StrictStr, ...] = Field(
        (),
        strict=False,
        description="${ENV} references to apprise URLs (Slack, Teams, email, PagerDuty, ntfy, ...)",
        examples=[["${DESTWATCH_SLACK_URL}"]],
    )
    alert_on_throttled: StrictBool = Field(
        True,
        description="a version throttled for failure_threshold cycles alerts (its own rule)",
        examples=[True],
    )
    group_by: tuple[Literal["host", "destination", "target"], ...] = Field(
        ("host",),
        strict=False,
        description="what one cycle's alerts are grouped by, as Alertmanager's group_by (\"target\": none)",
        examples=[["host"]],
    )
    throttled_objective: float | None = Field(
        None,
        gt=0,
        lt=100,
        allow_inf_nan=False,
        description="an optional SLO in percent of cycles not throttled (429 after Retry-After)",
        examples=[99.0],
    )
    maintenance: tuple[MaintenanceSettings, ...] = Field(
        (),
        strict=False,
        description="maintenance windows ([[monitor.maintenance]]): not counted in SLOs, never alerted on",
        examples=[[]],
    )

    consumers: StrictBool = Field(
        False,
        description="whether a cycle probes one consumer query of the version in turn (consumers_dir), "
        "an optional step within the request budget",
        examples=[True],
    )

    def step_on(self, step: str) -> bool:
        return self.steps.get(step, True)


class _ApplicationTable(BaseModel):
    """`second_application`: another application registered on the same version, credentials of its own."""

    model_config = _STRICT

    client_id: str = Field(description="its client id", examples=["${NW_V1_SECOND_CLIENT_ID}"])
    client_secret: str = Field(
        description="an ${ENV} reference to its client secret", examples=["${NW_V1_SECOND_CLIENT_SECRET}"]
    )


class _VersionTable(BaseModel):
    model_config = _STRICT

    protected: StrictBool = Field(description="whether data requests need a token", examples=[True])
    languages: tuple[StrictStr, ...] = Field(
        strict=False, min_length=1, description="the version's languages", examples=[["en", "sv"]]
    )
    destination_id: str | None = Field(
        None, description="the version's destination id (a GUID)", examples=["${NW_V1_DESTINATION_ID}"]
    )
    client_id: str | None = Field(
        None, description="an application's client id", examples=["${NW_V1_CLIENT_ID}"]
    )
    client_secret: str | None = Field(
        None, description="an ${ENV} reference to the client secret", examples=["${NW_V1_CLIENT_SECRET}"]
    )
    token_url: str | None = Field(None, description="the token URL template", examples=[DEFAULT_TOKEN_URL])
    token_flow: TokenFlowName | None = Field(
        None, description='"destination" or "oauth2" (default: the destination\'s)', examples=["oauth2"]
    )
    audience: str | None = Field(
        None,
        description='token_flow = "oauth2": the API version id a token is for',
        examples=["${NW_V1_AUDIENCE}"],
    )
    second_application: _ApplicationTable | None = Field(
        None,
        description="another application of the version (client_id, client_secret), for the ratelimit "
        "suite's clause that one application's burst leaves its token alone",
        examples=[
            {"client_id": "${NW_V1_SECOND_CLIENT_ID}", "client_secret": "${NW_V1_SECOND_CLIENT_SECRET}"}
        ],
    )


class _DestinationTable(BaseModel):
    model_config = _STRICT

    base_url: str = Field(
        description='"embedded" or the destination URL without version',
        examples=["https://global.occtoo.com/{customer}/{destination}"],
    )
    customer: str = Field(description="the Occtoo customer (lowercase)", examples=["northwind"])
    token_url: str | None = Field(
        None, description="the token URL template (default: the token flow's)", examples=[DEFAULT_TOKEN_URL]
    )
    token_flow: TokenFlowName = Field(
        "destination",
        description='how versions get tokens: "destination" (JSON to the destination) or "oauth2"',
        examples=["oauth2"],
    )
    versions: dict[str, dict[str, Any]] = Field(
        min_length=1, description="one table per version", examples=[{"v1": {}}]
    )


_SETTING_KEYS = frozenset(TargetSettings.model_fields)
# Settings that switch on an expectation of ours where Occtoo's public contract is silent: while unset, a
# break of one is a warning, never a failure.
OUR_EXPECTATIONS = frozenset(
    {
        "rfc6750_strict",
        "token_errors_are_4xx",
        "same_data_across_versions",
        "shared_applications",
        "token_grant",
        "localized_properties",
    }
)
# Keys whose values may hold credentials (alert URLs carry their keys): never echoed in an error.
_URL_KEYS = frozenset({"webhook", "notify"})
_TOP_KEYS = ("suites_dir", "consumers_dir", "baseline", "defaults", "reference", "monitor", "destinations")


@dataclass(frozen=True)
class ServedVersion:
    """What the embedded reference says about one of its versions: its ids and a demo application per flow
    (`client_*` for the destination flow, `oauth_client_*` for OAuth2)."""

    destination_id: str
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    audience: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = field(default=None, repr=False)
    # A second demo application per flow (destination flow, then OAuth2): id and secret.
    second: tuple[str, str] | None = field(default=None, repr=False)
    second_oauth: tuple[str, str] | None = field(default=None, repr=False)

    def credentials(self, flow: TokenFlowName) -> tuple[str | None, str | None]:
        """The client id and secret of the version's demo application for `flow`."""
        if flow == "oauth2":
            return self.oauth_client_id, self.oauth_client_secret
        return self.client_id, self.client_secret

    def second_credentials(self, flow: TokenFlowName) -> tuple[str, str] | None:
        """The client id and secret of the version's second demo application for `flow`, if it has one."""
        return self.second_oauth if flow == "oauth2" else self.second


class EmbeddedReference(Protocol):
    """What the reference destination `base_url = "embedded"` stands for serves (see
    `destwatch.reference.embedded`): resolving needs no server, only this."""

    @property
    def settings(self) -> Mapping[str, Any]:
        """targets.toml settings its variant needs, as the destination's owner would set them."""
        ...

    def version(self, customer: str, destination: str, version: str) -> ServedVersion | None:
        """The version's ids and demo credentials, or None when the reference does not serve it."""
        ...

    def served(self) -> list[str]:
        """Every version it serves, as `customer/destination/vN`."""
        ...


@dataclass(frozen=True, repr=False)
class VersionTarget:
    """One destination version to test, fully resolved (URLs, settings, credentials)."""

    destination: str
    version: str
    customer: str
    base_url: str
    protected: bool
    destination_id: str
    token_url: str
    languages: tuple[str, ...]
    settings: TargetSettings
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    # `second_application`: another application of the version, in the same token flow.
    second_client_id: SecretStr | None = None
    second_client_secret: SecretStr | None = None
    embedded: bool = False
    token_flow: TokenFlowName = "destination"
    # token_flow = "oauth2": the API version id tokens are asked for.
    audience: str | None = None
    # Where each setting's value came from (`BUILT_IN`, "[defaults]", a table, a variant's owner).
    setting_sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", f"{self.destination}/{self.version}")

    @property
    def openapi_url(self) -> str:
        return f"{self.base_url}/openapi"

    def url(self, path: str) -> str:
        """The absolute URL of `path` under this version's base URL (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    @property
    def has_second_application(self) -> bool:
        return self.second_client_id is not None and self.second_client_secret is not None

    def as_second_application(self) -> VersionTarget:
        """This version with its second application's credentials in place of the first's."""
        if not self.has_second_application:
            raise ValueError(f"{self.id} has no second_application")
        return replace(self, client_id=self.second_client_id, client_secret=self.second_client_secret)

    def source_of(self, setting: str) -> str:
        """Where `setting`'s value came from, e.g. `[destinations.shop.versions.v2]` or `built-in default`."""
        return self.setting_sources.get(setting, BUILT_IN)

    def bound_to(self, url: str) -> VersionTarget:
        """This version of the embedded reference, at the URL the reference serves from (itself when it is
        not embedded): until a run starts the reference, an embedded version's URLs begin `embedded/`."""
        if not self.embedded:
            return self
        root = url.rstrip("/")
        return replace(
            self,
            base_url=root + self.base_url.removeprefix(EMBEDDED),
            token_url=root + self.token_url.removeprefix(EMBEDDED),
        )

    def to_data(self) -> dict[str, Any]:
        """This version as plain data, for another process of the same run (secrets included: it is kept
        in memory and sent down a pipe, never written)."""
        data = {name: getattr(self, name) for name in _TARGET_FIELDS}
        data["settings"] = self.settings.model_dump()
        data["setting_sources"] = dict(self.setting_sources)
        for name in _SECRET_FIELDS:
            secret = getattr(self, name)
            data[name] = secret.get_secret_value() if secret is not None else None
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> VersionTarget:
        """The version `to_data` gave; its secret is registered for redaction in this process too."""
        register_secret(data["client_secret"])
        register_secret(data["second_client_secret"])
        return cls(
            **{name: data[name] for name in _TARGET_FIELDS},
            settings=TargetSettings.model_validate(data["settings"]),
            setting_sources=data["setting_sources"],
            **{name: SecretStr(data[name]) if data[name] else None for name in _SECRET_FIELDS},
        )

    def __repr__(self) -> str:
        # Short on purpose: pytest and allure-pytest show parameter reprs, and secrets must stay out.
        return f"VersionTarget({self.id!r})"

    __str__ = __repr__


# A `VersionTarget`'s plain fields, as `to_data` and `from_data` carry them.
_TARGET_FIELDS = (
    "destination",
    "version",
    "customer",
    "base_url",
    "protected",
    "destination_id",
    "token_url",
    "languages",
    "embedded",
    "token_flow",
    "audience",
)
_SECRET_FIELDS = ("client_id", "client_secret", "second_client_id", "second_client_secret")


@dataclass(frozen=True)
class _Version:
    name: str
    table: _VersionTable
    settings: dict[str, Any]


@dataclass(frozen=True)
class _Destination:
    name: str
    table: _DestinationTable
    settings: dict[str, Any]
    versions: tuple[_Version, ...]


@dataclass(frozen=True)
class Targets:
    """The validated targets.toml; `version_targets` resolves the selected versions."""

    path: Path
    defaults: TargetSettings
    reference: ReferenceSettings
    _destinations: tuple[_Destination, ...]
    _lines: TomlLines
    # The user's own suites, beside destwatch's (relative to the file's folder in targets.toml).
    suites_dir: Path | None = None
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    # The gate's baseline of accepted findings (relative to the file's folder in targets.toml).
    baseline: Path | None = None
    # Consumer files (`NAME.toml`, see destwatch.consumers), relative to the file's folder in targets.toml.
    consumers_dir: Path | None = None

    @property
    def destinations(self) -> tuple[str, ...]:
        return tuple(dest.name for dest in self._destinations)

    def configured_versions(self) -> dict[str, list[str]]:
        """Each destination's configured version names (what consumer files may name)."""
        return {dest.name: [ver.name for ver in dest.versions] for dest in self._destinations}

    def version_names(self, names: Sequence[str] = (), versions: Sequence[str] = ()) -> list[str]:
        """Every configured version as `destination/vN`, or those the selection picks: `names` are
        `destination` or `destination/vN`, `versions` are `vN`. `ConfigError` for a name that is not
        configured, or for filters that together select nothing (a run that checks nothing must not pass)."""
        every = [f"{dest.name}/{ver.name}" for dest in self._destinations for ver in dest.versions]
        if not names and not versions:
            return every
        self._check_selection(names, versions)
        chosen = [
            name
            for name in every
            if (not names or name in names or name.split("/")[0] in names)
            and (not versions or name.split("/")[1] in versions)
        ]
        if not chosen:
            raise ConfigError(
                f"no configured version is both {' or '.join(names)} and {' or '.join(versions)}",
                file=self.path,
                key="--target/--version",
                fix=f"choose from {', '.join(sorted(every))}",
            )
        return chosen

    def version_targets(
        self,
        names: Sequence[str] = (),
        versions: Sequence[str] = (),
        *,
        embedded: EmbeddedReference | None = None,
    ) -> list[VersionTarget]:
        """The selected versions, resolved; `names` are `destination` or `destination/vN`.

        `embedded` is the reference destination that `base_url = "embedded"` stands for: it gives the
        destination ids, demo credentials and the settings its variant needs. An embedded version's URLs
        begin `embedded/` until a run binds them to where it serves the reference (`VersionTarget.bound_to`).
        """
        chosen = set(self.version_names(names, versions))
        return [
            self._resolve(dest, ver, embedded)
            for dest in self._destinations
            for ver in dest.versions
            if f"{dest.name}/{ver.name}" in chosen
        ]

    def _check_selection(self, names: Sequence[str], versions: Sequence[str]) -> None:
        known = set(self.destinations) | set(self.version_names())
        for name in names:
            if name not in known:
                raise ConfigError(
                    f"no destination or version named {name!r}",
                    file=self.path,
                    key="--target",
                    fix=f"choose from {', '.join(sorted(known))}{did_you_mean(name, known)}",
                )
        known_versions = {ver.name for dest in self._destinations for ver in dest.versions}
        for version in versions:
            if version not in known_versions:
                raise ConfigError(
                    f"no destination has a version {version!r}",
                    file=self.path,
                    key="--version",
                    fix=f"choose from {', '.join(sorted(known_versions))}",
                )

    def _resolve(
        self, dest: _Destination, ver: _Version, reference: EmbeddedReference | None
    ) -> VersionTarget:
        table = ver.table
        embedded = dest.table.base_url == EMBEDDED
        loc = ("destinations", dest.name, "versions", ver.name)
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for where, layer in self._setting_layers(dest, ver, reference if embedded else None):
            values.update(layer)
            sources.update(dict.fromkeys(layer, where))
        settings = TargetSettings.model_validate(values)
        if embedded and reference is None:
            raise ValueError(f"{dest.name}: base_url = {EMBEDDED!r} needs the embedded reference to resolve")
        served = (
            reference.version(dest.table.customer, dest.name, ver.name) if embedded and reference else None
        )
        if embedded and served is None:
            raise self.error(
                loc,
                f"the embedded reference serves no {dest.table.customer}/{dest.name}/{ver.name}",
                f"use one it serves ({', '.join(reference.served())}), or a real URL",
            )
        flow = table.token_flow or dest.table.token_flow
        destination_id = self._env((*loc, "destination_id"), table.destination_id)
        audience = self._env((*loc, "audience"), table.audience)
        client_id = self._env((*loc, "client_id"), table.client_id)
        client_secret = self._env((*loc, "client_secret"), table.client_secret)
        if served is not None:
            destination_id = destination_id or served.destination_id
            audience = audience or (served.audience if flow == "oauth2" else None)
            if table.protected and client_id is None and client_secret is None:
                client_id, client_secret = served.credentials(flow)
        token_template = self._token_template(dest, ver, flow, reference if embedded else None)
        if not destination_id and "{destination_id}" in token_template:
            raise self.error(
                (*loc, "destination_id"),
                "missing destination_id",
                f'add destination_id = "${{{_env_name(dest.name, ver.name, "DESTINATION_ID")}}}" '
                "(the GUID on the version's settings tab)",
            )
        if table.protected and flow == "oauth2" and not audience:
            raise self.error(
                (*loc, "audience"),
                'token_flow = "oauth2" needs an audience',
                f'add audience = "${{{_env_name(dest.name, ver.name, "AUDIENCE")}}}" (the API version id '
                "the token is for) and export it",
            )
        if table.protected and not (client_id and client_secret):
            missing = "client_id" if not client_id else "client_secret"
            raise self.error(
                (*loc, missing),
                f"a protected version needs {missing}",
                f'add {missing} = "${{{_env_name(dest.name, ver.name, missing.upper())}}}" and export it',
            )
        register_secret(client_secret)
        second = self._second_application(loc, table, served, flow)
        if second is not None:
            sources["second_application"] = second[2]
        if embedded:
            base_url = f"{EMBEDDED}/{dest.table.customer}/{dest.name}/{ver.name}"
        else:
            base = dest.table.base_url.format(customer=dest.table.customer, destination=dest.name)
            base_url = f"{base.rstrip('/')}/{ver.name}"
        return VersionTarget(
            destination=dest.name,
            version=ver.name,
            customer=dest.table.customer,
            base_url=base_url,
            protected=table.protected,
            destination_id=destination_id or "",
            token_url=token_template.format(destination_id=destination_id or ""),
            languages=table.languages,
            settings=settings,
            client_id=SecretStr(client_id) if client_id else None,
            client_secret=SecretStr(client_secret) if client_secret else None,
            second_client_id=SecretStr(second[0]) if second else None,
            second_client_secret=SecretStr(second[1]) if second else None,
            embedded=embedded,
            token_flow=flow,
            audience=audience if flow == "oauth2" else None,
            setting_sources=sources,
        )

    def _second_application(
        self, loc: tuple[str, ...], table: _VersionTable, served: ServedVersion | None, flow: TokenFlowName
    ) -> tuple[str, str, str] | None:
        """The second application's client id and secret, and where they came from: the version's table,
        else the embedded reference's second demo application when the first came from it too."""
        given = table.second_application
        if given is not None:
            where = (*loc, "second_application")
            client_id = self._env((*where, "client_id"), given.client_id) or ""
            secret = self._env((*where, "client_secret"), given.client_secret) or ""
            source = f"[{'.'.join(loc)}]"
        elif (
            served is not None and table.protected and table.client_id is None and table.client_secret is None
        ):
            demo = served.second_credentials(flow)
            if demo is None:
                return None
            (client_id, secret), source = demo, "the embedded reference"
        else:
            return None
        register_secret(secret)
        return client_id, secret, source

    def _token_template(
        self, dest: _Destination, ver: _Version, flow: TokenFlowName, reference: EmbeddedReference | None
    ) -> str:
        """The version's token URL template: its own, else its destination's when that one is for the same
        flow, else the flow's default (the embedded reference's, for an embedded version)."""
        if ver.table.token_url:
            return ver.table.token_url
        if dest.table.token_url and flow == dest.table.token_flow:
            return dest.table.token_url
        if reference is not None:
            if flow == "oauth2":
                return f"{EMBEDDED}/oauth2/token"
            return f"{EMBEDDED}/destinations/{{destination_id}}/token"
        return _TOKEN_URLS[flow]

    def _setting_layers(
        self, dest: _Destination, ver: _Version, reference: EmbeddedReference | None
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """The tables a version's settings come from, weakest first (built-in defaults lie beneath all).

        A variant of the embedded reference is another owner's configuration of the reference: what that
        owner would set replaces what the reference's own destination table promises; the version's table
        still wins over both.
        """
        layers: list[tuple[str, Mapping[str, Any]]] = [
            ("[defaults]", self.defaults.model_dump(include=self.defaults.model_fields_set)),
            (f"[destinations.{dest.name}]", dest.settings),
        ]
        if reference is not None and reference.settings:
            layers.append(("the reference variant's owner", reference.settings))
        layers.append((f"[destinations.{dest.name}.versions.{ver.name}]", ver.settings))
        return layers

    def _env(self, loc: tuple[str, ...], value: str | None) -> str | None:
        if value is None:
            return None
        match = _ENV_REF.match(value)
        if not match:
            return value
        resolved = os.environ.get(match.group(1), "")
        if not resolved:
            raise self.error(
                loc,
                f"environment variable {match.group(1)} is not set",
                f"export {match.group(1)}=... before running, or select other targets with --target",
            )
        return resolved

    def monitor_channels(self) -> tuple[str | None, tuple[str, ...]]:
        """The `[monitor]` webhook URL and apprise URLs, read from their environment variables.

        Each value is registered for redaction: webhook URLs carry their keys, so none is ever shown.
        """
        webhook = self._channel(("monitor", "webhook"), self.monitor.webhook)
        notify = tuple(self._channel(("monitor", "notify"), ref) or "" for ref in self.monitor.notify)
        return webhook, notify

    def _channel(self, loc: tuple[str, ...], reference: str | None) -> str | None:
        if reference is None:
            return None
        name = reference[2:-1]
        value = os.environ.get(name, "")
        if not value:
            raise self.error(
                loc,
                f"environment variable {name} is not set",
                f"export {name}=... (the URL) before starting the monitor, or remove {loc[-1]}",
            )
        register_secret(value)
        return value

    def error(self, loc: tuple[str, ...], problem: str, fix: str) -> ConfigError:
        """A `ConfigError` about the key at `loc` (e.g. `("reference", "fault")`), naming its line."""
        return ConfigError(problem, file=self.path, line=self._lines.line_of(loc), key=".".join(loc), fix=fix)


def load_targets(path: Path | str) -> Targets:
    """Read and validate targets.toml; raises `ConfigError` (one line: file, line, key, fix)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "file not found", file=path, fix="pass --targets FILE, or create one with `destwatch init`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file ({exc.__class__.__name__})", file=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the line is only in the message.
        position = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(position.group(1)) if position else None
        message = str(exc)[: position.start()].rstrip() if position else str(exc)
        raise ConfigError(
            f"not valid TOML: {message}", file=path, line=line, fix="fix the TOML syntax"
        ) from None
    return _Parser(path, TomlLines(text)).parse(raw)


@dataclass
class _Parser:
    path: Path
    lines: TomlLines

    def parse(self, raw: dict[str, Any]) -> Targets:
        for key in raw:
            if key not in _TOP_KEYS:
                raise self._unknown((key,), _TOP_KEYS)
        defaults = self._model(TargetSettings, raw.get("defaults", {}), ("defaults",))
        reference = self._model(ReferenceSettings, raw.get("reference", {}), ("reference",))
        monitor = self._monitor(raw.get("monitor", {}))
        tables = raw.get("destinations")
        if not isinstance(tables, dict) or not tables:
            raise ConfigError(
                "no destination is listed",
                file=self.path,
                line=self.lines.line_of(("destinations",)),
                key="destinations",
                fix="add a [destinations.NAME] table with base_url, customer and "
                "[destinations.NAME.versions.v1]",
            )
        destinations = tuple(self._destination(name, table) for name, table in tables.items())
        self._refuse_case_duplicates([dest.name for dest in destinations], ("destinations",))
        return Targets(
            self.path,
            defaults,
            reference,
            destinations,
            self.lines,
            self._folder(raw, "suites_dir", "suites", "create it, or point suites_dir at your suites"),
            monitor,
            baseline=self._baseline(raw),
            consumers_dir=self._folder(
                raw, "consumers_dir", "consumers", "create it, or point consumers_dir at your consumer files"
            ),
        )

    def _monitor(self, table: Any) -> MonitorSettings:
        loc = ("monitor",)
        settings = self._model(MonitorSettings, table, loc)
        for name in settings.steps:
            if name not in MONITOR_STEPS:
                raise self._error(
                    (*loc, "steps", name),
                    f"unknown step {name!r}",
                    f"remove it{did_you_mean(name, MONITOR_STEPS)}; steps: {', '.join(MONITOR_STEPS)}",
                )
        for number, window in enumerate(settings.maintenance):
            self._maintenance(window, (*loc, "maintenance", str(number)))
        references = [("webhook", settings.webhook)] + [("notify", url) for url in settings.notify]
        for key, value in references:
            if value is not None and not _ENV_REF.match(value):
                variable = "DESTWATCH_WEBHOOK_URL" if key == "webhook" else "DESTWATCH_NOTIFY_URL"
                shown = f'"${{{variable}}}"' if key == "webhook" else f'["${{{variable}}}"]'
                raise self._error(
                    (*loc, key),
                    f"a literal {key} URL is refused (alert URLs carry their keys)",
                    f"write {key} = {shown} and export that variable",
                )
        return settings

    def _maintenance(self, window: MaintenanceSettings, loc: tuple[str, ...]) -> None:
        """What pydantic cannot see in one field: an offset on every time, one way to end, an order."""
        for key in ("start", "end"):
            moment = getattr(window, key)
            if moment is not None and moment.utcoffset() is None:
                raise self._error(
                    (*loc, key),
                    f"{key} = {moment.isoformat()} has no UTC offset (whose 02:00?)",
                    f"write {key} = {moment.isoformat()}Z (or +01:00, ...)",
                )
        if (window.end is None) == (window.duration is None):
            raise self._error(
                loc,
                "a maintenance window needs exactly one of end and duration",
                'write end = 2026-12-06T04:00:00Z for a one-off window, or duration = "2h"',
            )
        if window.end is not None and window.end <= window.start:
            raise self._error((*loc, "end"), "end is not after start", "write an end later than start")
        if window.every is not None and (window.duration is None or window.every < window.duration):
            raise self._error(
                (*loc, "every"),
                "a recurring window needs a duration no longer than its period",
                'write e.g. every = "7d" with duration = "2h"',
            )

    def _folder(self, raw: dict[str, Any], key: str, example: str, fix: str) -> Path | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self._error(
                (key,), f"must be a folder path (got {toml_value(value)})", f'write {key} = "{example}"'
            )
        folder = (self.path.parent / value).resolve()
        if not folder.is_dir():
            raise self._error((key,), f"{folder} is not a folder", fix)
        return folder

    def _baseline(self, raw: dict[str, Any]) -> Path | None:
        value = raw.get("baseline")
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self._error(
                ("baseline",),
                f"must be a file path (got {toml_value(value)})",
                'write baseline = "baseline.toml"',
            )
        path = (self.path.parent / value).resolve()
        if not path.is_file():
            raise self._error(
                ("baseline",),
                f"{path} is not a file",
                "create it with destwatch baseline create, or remove the key",
            )
        return path

    def _destination(self, name: str, table: Any) -> _Destination:
        loc = ("destinations", name)
        table = self._table(table, loc)
        settings, rest = _split_settings(table)
        self._model(TargetSettings, settings, loc)
        parsed = self._model(_DestinationTable, rest, loc)
        if parsed.base_url != EMBEDDED:
            try:
                example = parsed.base_url.format(customer="c", destination="d")
            except (KeyError, IndexError, ValueError):
                raise self._error(
                    (*loc, "base_url"),
                    f"{parsed.base_url!r} has a placeholder other than {{customer}} and {{destination}}",
                    'write it like "https://global.occtoo.com/{customer}/{destination}"',
                ) from None
            self._check_url(example, parsed.base_url, (*loc, "base_url"))
        if parsed.token_url is not None:
            self._check_template(parsed.token_url, (*loc, "token_url"))
        self._refuse_case_duplicates(list(parsed.versions), (*loc, "versions"))
        versions = tuple(
            self._version(loc, vname, vtable, parsed.token_flow) for vname, vtable in parsed.versions.items()
        )
        return _Destination(name, parsed, settings, versions)

    def _version(
        self, dest_loc: tuple[str, ...], name: str, table: Any, dest_flow: TokenFlowName
    ) -> _Version:
        loc = (*dest_loc, "versions", name)
        if not _VERSION_NAME.match(name):
            raise self._error(
                loc, f"{name!r} is not a version name", "name versions v1, v2, v3 as in the URL"
            )
        table = self._table(table, loc)
        settings, rest = _split_settings(table)
        self._model(TargetSettings, settings, loc)
        if "second_application" in rest:
            # Validated on its own first, so a mistake in it names its own keys, never the version's.
            self._model(_ApplicationTable, rest["second_application"], (*loc, "second_application"))
        parsed = self._model(_VersionTable, rest, loc)
        if parsed.token_url is not None:
            self._check_template(parsed.token_url, (*loc, "token_url"))
        if parsed.second_application is not None:
            self._check_second_application(parsed.second_application, parsed.protected, loc, dest_loc[1])
        if parsed.audience is not None and (parsed.token_flow or dest_flow) != "oauth2":
            raise self._error(
                (*loc, "audience"),
                'audience is only sent by token_flow = "oauth2"',
                'add token_flow = "oauth2" to this table, or remove audience',
            )
        if parsed.client_secret is not None and not _ENV_REF.match(parsed.client_secret):
            raise self._error(
                (*loc, "client_secret"),
                "a literal secret is refused",
                f'write client_secret = "${{{_env_name(dest_loc[1], name, "CLIENT_SECRET")}}}" and export '
                "that variable (secrets never live in targets.toml)",
            )
        return _Version(name, parsed, settings)

    def _check_second_application(
        self, application: _ApplicationTable, protected: bool, loc: tuple[str, ...], destination: str
    ) -> None:
        where = (*loc, "second_application")
        if not protected:
            raise self._error(
                where,
                "second_application is for a protected version (its tokens); this one is not protected",
                "remove second_application, or set protected = true",
            )
        if not _ENV_REF.match(application.client_secret):
            variable = _env_name(destination, loc[-1], "SECOND_CLIENT_SECRET")
            raise self._error(
                (*where, "client_secret"),
                "a literal secret is refused",
                f'write second_application = {{ client_id = "...", client_secret = "${{{variable}}}" }} and '
                "export that variable (secrets never live in targets.toml)",
            )

    def _model(self, model: type[_Model], data: Any, loc: tuple[str, ...]) -> _Model:
        table = self._table(data, loc)
        try:
            return model.model_validate(table)
        except ValidationError as exc:
            raise self._from_pydantic(model, exc, loc, table) from None

    def _table(self, data: Any, loc: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self._error(loc, "must be a table", f"write it as [{'.'.join(loc)}]")
        return data

    def _from_pydantic(
        self, model: type[BaseModel], exc: ValidationError, loc: tuple[str, ...], data: Mapping[str, Any]
    ) -> ConfigError:
        # An unknown key is usually a typo of a missing one: report the typo, it is the cause.
        error = min(exc.errors(), key=lambda item: item["type"] != "extra_forbidden")
        key = str(error["loc"][0]) if error["loc"] else ""
        where = loc + tuple(str(part) for part in error["loc"])
        fields = model.model_fields
        if model in (_VersionTable, _DestinationTable):  # their tables take every setting too
            fields = {**fields, **TargetSettings.model_fields}
        if error["type"] == "extra_forbidden":
            return self._unknown(where, fields)
        info = fields.get(key)
        hint = ""
        if info is not None and info.examples:
            hint = f"{key} is {info.description}, e.g. {key} = {toml_value(info.examples[0])}"
        if error["type"] == "missing":
            return self._error(where, f"missing key {key!r}", hint or f"add {key}")
        # A secret in the wrong shape is still a secret: never echo it.
        got = "[redacted]" if "secret" in key or key in _URL_KEYS else toml_value(data.get(key))
        # pydantic speaks Python; targets.toml users write arrays and tables.
        problem = error["msg"].lower().removeprefix("value error, ")
        problem = problem.replace("a valid tuple", "an array").replace("a valid dictionary", "a table")
        return self._error(where, f"{problem} (got {got})", hint)

    def _unknown(self, where: tuple[str, ...], valid: Iterable[str]) -> ConfigError:
        name = where[-1]
        valid = sorted(valid)
        return self._error(
            where,
            f"unknown key {name!r}",
            f"remove it{did_you_mean(name, valid)}; valid keys: {', '.join(valid)}",
        )

    def _check_template(self, template: str, loc: tuple[str, ...]) -> None:
        try:
            example = template.format(destination_id="x")
        except (KeyError, IndexError, ValueError):
            raise self._error(
                loc,
                f"{template!r} is not a token URL template",
                "use {destination_id} as the only placeholder, e.g. " + DEFAULT_TOKEN_URL,
            ) from None
        self._check_url(example, template, loc)

    def _check_url(self, url: str, written: str, loc: tuple[str, ...]) -> None:
        """An absolute http(s) URL with a host and a valid port: credentials go nowhere else."""
        problem = _url_problem(url)
        if problem:
            raise self._error(
                loc,
                f"{written!r} is not a usable URL: {problem}",
                f"write a URL such as {_URL_EXAMPLE[loc[-1]]}",
            )

    def _refuse_case_duplicates(self, names: list[str], loc: tuple[str, ...]) -> None:
        seen: dict[str, str] = {}
        for name in names:
            if name.lower() in seen:
                raise self._error(
                    (*loc, name),
                    f"duplicate name: {name!r} and {seen[name.lower()]!r} differ only in case",
                    "keep one of them",
                )
            seen[name.lower()] = name

    def _error(self, loc: tuple[str, ...], problem: str, fix: str) -> ConfigError:
        return ConfigError(problem, file=self.path, line=self.lines.line_of(loc), key=".".join(loc), fix=fix)


def _split_settings(table: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    settings = {key: value for key, value in table.items() if key in _SETTING_KEYS}
    rest = {key: value for key, value in table.items() if key not in _SETTING_KEYS}
    return settings, rest


def _env_name(destination: str, version: str, what: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", f"{destination}_{version}_{what}".upper())


_URL_EXAMPLE = {
    "base_url": '"https://global.occtoo.com/{customer}/{destination}"',
    "token_url": f'"{DEFAULT_TOKEN_URL}"',
}


def _url_problem(url: str) -> str:
    if any(char.isspace() for char in url):
        return "it holds white space"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return "the port must be between 1 and 65535" if "port" in str(exc).lower() else f"{exc}"
    if parts.scheme not in ("http", "https"):
        return f"the scheme must be http or https (got {parts.scheme or 'none'!r})"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "the port must be between 1 and 65535"
    return ""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or ""."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
