"""targets.toml: parsing, the settings merge, embedded resolution and one clear message per mistake."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.config import (
    DEFAULT_OAUTH2_TOKEN_URL,
    DEFAULT_TOKEN_URL,
    ConfigError,
    VersionTarget,
    load_targets,
)
from destwatch.gate.authkit import declared_grant
from destwatch.redact import redact
from destwatch.reference.embedded import Embedded
from destwatch.selection import RunOptions, Selection

_REAL = """
[defaults]
timeout = 5
max_rps = 20.0

[destinations.shop]
base_url = "https://global.occtoo.com/{customer}/{destination}"
customer = "acme"
timeout = 7.5

[destinations.shop.versions.v1]
protected = true
destination_id = "${DW_T_DEST_ID}"
client_id = "${DW_T_CLIENT_ID}"
client_secret = "${DW_T_SECRET}"
languages = ["en", "sv"]
response_time_budget = 2.0

[destinations.shop.versions.v2]
protected = false
destination_id = "0000-v2"
languages = ["en"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DW_T_DEST_ID", "3f6c-guid")
    monkeypatch.setenv("DW_T_CLIENT_ID", "client-1")
    monkeypatch.setenv("DW_T_SECRET", "s3cret-value-1")


@pytest.mark.usefixtures("credentials")
def test_settings_merge_defaults_then_destination_then_version(tmp_path: Path) -> None:
    v1, v2 = load_targets(_write(tmp_path, _REAL)).version_targets()
    assert (v1.settings.timeout, v1.settings.max_rps, v1.settings.response_time_budget) == (7.5, 20.0, 2.0)
    assert (v2.settings.timeout, v2.settings.response_time_budget) == (7.5, 1.0)
    assert v1.settings.auth_reject_statuses == (401, 403)


@pytest.mark.usefixtures("credentials")
def test_version_target_resolves_urls_ids_and_env_credentials(tmp_path: Path) -> None:
    v1 = load_targets(_write(tmp_path, _REAL)).version_targets(["shop/v1"])[0]
    assert v1.id == "shop/v1"
    assert v1.base_url == "https://global.occtoo.com/acme/shop/v1"
    assert v1.openapi_url == "https://global.occtoo.com/acme/shop/v1/openapi"
    assert v1.token_url == DEFAULT_TOKEN_URL.format(destination_id="3f6c-guid")
    assert v1.client_id is not None and v1.client_id.get_secret_value() == "client-1"
    assert v1.client_secret is not None and v1.client_secret.get_secret_value() == "s3cret-value-1"
    assert "s3cret" not in repr(v1) and "s3cret" not in str(v1.client_secret)


@pytest.mark.usefixtures("credentials")
def test_selection_by_destination_version_and_version_filter(tmp_path: Path) -> None:
    targets = load_targets(_write(tmp_path, _REAL))
    assert [t.id for t in targets.version_targets(["shop"])] == ["shop/v1", "shop/v2"]
    assert [t.id for t in targets.version_targets(versions=["v2"])] == ["shop/v2"]


def test_unprotected_version_needs_no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DW_T_SECRET", raising=False)
    (v2,) = load_targets(_write(tmp_path, _REAL)).version_targets(["shop/v2"])
    assert not v2.protected and v2.client_secret is None


def test_embedded_versions_take_ids_and_demo_credentials_from_the_reference() -> None:
    targets = load_targets(Path(__file__).resolve().parents[2] / "targets.toml")
    # Resolved without a server: the URLs begin `embedded/` until a run binds them to where it serves.
    resolved = {t.id: t for t in targets.version_targets(embedded=Embedded())}
    assert set(resolved) == {
        "productCatalog/v1",
        "productCatalog/v2",
        "productCatalog/v3",
        "googleMarketplace/v1",
    }
    v1 = resolved["productCatalog/v1"]
    assert v1.embedded and v1.base_url == "embedded/northwind/productCatalog/v1"
    assert v1.destination_id == "3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c01"
    assert v1.token_url == "embedded/destinations/3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c01/token"
    bound = v1.bound_to("http://127.0.0.1:9")
    assert bound.base_url == "http://127.0.0.1:9/northwind/productCatalog/v1"
    assert bound.token_url == "http://127.0.0.1:9/destinations/3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c01/token"
    assert v1.client_id is not None and v1.client_id.get_secret_value() == "demo-client-v1"
    assert (v1.token_flow, v1.audience) == ("destination", None)
    assert resolved["googleMarketplace/v1"].client_secret is None
    # v3's consumers use OAuth2: the reference's authorization server, its audience, its OAuth2 application.
    v3 = resolved["productCatalog/v3"]
    assert (v3.token_flow, v3.token_url) == ("oauth2", "embedded/oauth2/token")
    assert v3.bound_to("http://127.0.0.1:9").token_url == "http://127.0.0.1:9/oauth2/token"
    assert v3.audience == "3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c03"
    assert v3.client_id is not None and v3.client_id.get_secret_value() == "demo-oauth-v3"


_OAUTH2 = """
[destinations.shop]
base_url = "https://global.occtoo.com/{customer}/{destination}"
customer = "acme"
token_flow = "oauth2"

[destinations.shop.versions.v1]
protected = true
audience = "${DW_T_DEST_ID}"
client_id = "${DW_T_CLIENT_ID}"
client_secret = "${DW_T_SECRET}"
languages = ["en"]

[destinations.shop.versions.v2]
protected = true
token_flow = "destination"
destination_id = "guid-2"
client_id = "${DW_T_CLIENT_ID}"
client_secret = "${DW_T_SECRET}"
languages = ["en"]
"""


@pytest.mark.usefixtures("credentials")
def test_an_oauth2_version_needs_an_audience_not_a_destination_id_and_asks_occtoos_authorization_server(
    tmp_path: Path,
) -> None:
    v1, v2 = load_targets(_write(tmp_path, _OAUTH2)).version_targets()
    assert (v1.token_flow, v1.audience, v1.token_url) == ("oauth2", "3f6c-guid", DEFAULT_OAUTH2_TOKEN_URL)
    assert v1.destination_id == ""
    # A version may keep the destination flow while its destination uses OAuth2.
    assert (v2.token_flow, v2.audience) == ("destination", None)
    assert v2.token_url == DEFAULT_TOKEN_URL.format(destination_id="guid-2")


@pytest.mark.usefixtures("credentials")
def test_a_destinations_token_url_belongs_to_its_flow_and_a_version_can_name_its_own(tmp_path: Path) -> None:
    text = _OAUTH2.replace(
        'token_flow = "oauth2"\n', 'token_url = "https://tokens.example/{destination_id}"\n', 1
    )
    text = text.replace('audience = "${DW_T_DEST_ID}"', 'token_flow = "oauth2"\naudience = "${DW_T_DEST_ID}"')
    v1, v2 = load_targets(_write(tmp_path, text)).version_targets()
    # The destination's URL is a destination-flow template: the OAuth2 version does not inherit it.
    assert (v1.token_flow, v1.token_url) == ("oauth2", DEFAULT_OAUTH2_TOKEN_URL)
    assert v2.token_url == "https://tokens.example/guid-2"
    own = text.replace(
        'token_flow = "oauth2"\naudience',
        'token_flow = "oauth2"\ntoken_url = "https://a.example/t"\naudience',
    )
    assert load_targets(_write(tmp_path, own)).version_targets()[0].token_url == "https://a.example/t"


@pytest.mark.parametrize(
    ("settings", "grant"),
    [
        ("", None),
        ('token_grant = "destination"', "destination"),
        ("shared_applications = false", "version"),
        ("shared_applications = true", None),
        # The new key decides when both are set (e.g. an old default beside a version's own grant).
        ('shared_applications = false\ntoken_grant = "tenant"', "tenant"),
    ],
)
def test_token_grant_is_read_with_shared_applications_as_its_old_spelling(
    tmp_path: Path, settings: str, grant: str | None
) -> None:
    (v1,) = load_targets(_write(tmp_path, f"[defaults]\n{settings}\n" + _BASE)).version_targets()
    assert declared_grant(v1) == grant


@pytest.mark.usefixtures("credentials")
def test_a_second_application_is_read_from_the_environment_registered_and_carried_to_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DW_T_SECOND_SECRET", "s3cret-second-2")
    second_application = '{ client_id = "client-2", client_secret = "${DW_T_SECOND_SECRET}" }'
    text = _REAL.replace(
        'languages = ["en", "sv"]', f'languages = ["en", "sv"]\nsecond_application = {second_application}'
    )
    v1, v2 = load_targets(_write(tmp_path, text)).version_targets()
    assert v1.has_second_application and not v2.has_second_application
    second = v1.as_second_application()
    assert second.client_id is not None and second.client_id.get_secret_value() == "client-2"
    assert second.client_secret is not None and second.client_secret.get_secret_value() == "s3cret-second-2"
    assert v1.source_of("second_application") == "[destinations.shop.versions.v1]"
    assert redact("sent s3cret-second-2") == "sent [redacted]" and "s3cret-second" not in repr(v1)
    assert VersionTarget.from_data(v1.to_data()).as_second_application() == second
    with pytest.raises(ValueError, match="shop/v2 has no second_application"):
        v2.as_second_application()
    monkeypatch.delenv("DW_T_SECOND_SECRET")
    with pytest.raises(ConfigError, match=r":16: .*second_application.client_secret: environment variable"):
        load_targets(_write(tmp_path, text)).version_targets()


def test_targets_explain_shows_the_second_application_with_its_secret_masked() -> None:
    explain = ["targets", "--explain", "--target", "productCatalog/v3"]
    result = CliRunner().invoke(app, explain, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "second_application" in line)
    assert "demo-second-oauth-v3" in row and "[redacted]" in row and "the embedded" in row
    assert "demo-second-oauth-secret" not in result.output


_BASE = """
[destinations.shop]
base_url = "https://global.occtoo.com/{customer}/{destination}"
customer = "acme"

[destinations.shop.versions.v1]
protected = false
destination_id = "guid-1"
languages = ["en"]
"""

_PROTECTED = 'protected = true\nclient_id = "c"\nclient_secret = "${DW_T_SECRET}"\n'
_SECOND = 'second_application = {{ client_id = "b", client_secret = "{}" }}'
# (name, targets.toml text, the line the message must name, fragments the message must hold)
_BAD = [
    ("toml-syntax", "[defaults]\ntimeout = \n" + _BASE, 2, ["not valid TOML", "Fix: fix the TOML syntax"]),
    (
        "unknown-top-table",
        "[defualts]\ntimeout = 1\n" + _BASE,
        1,
        ["unknown key 'defualts'", "did you mean 'defaults'"],
    ),
    ("unknown-setting", "[defaults]\ntimout = 1\n" + _BASE, 2, ["defaults.timout", "did you mean 'timeout'"]),
    (
        "wrong-type",
        '[defaults]\ntimeout = "ten"\n' + _BASE,
        2,
        [
            "defaults.timeout",
            "valid number",
            'got "ten"',
            "timeout is seconds for a whole request, connect to last byte, e.g. timeout = 10.0",
        ],
    ),
    ("not-positive", "[defaults]\nmax_rps = 0\n" + _BASE, 2, ["defaults.max_rps", "greater than 0"]),
    ("infinite-timeout", "[defaults]\ntimeout = inf\n" + _BASE, 2, ["defaults.timeout", "finite number"]),
    ("nan-budget", "[defaults]\nresponse_time_budget = nan\n" + _BASE, 2, ["response_time_budget", "finite"]),
    (
        "port-out-of-range",
        _BASE.replace("global.occtoo.com", "127.0.0.1:99999"),
        2,
        ["destinations.shop.base_url", "port must be between 1 and 65535"],
    ),
    (
        "broken-ipv6-host",
        _BASE.replace("https://global.occtoo.com", "http://[::1"),
        2,
        ["destinations.shop.base_url", "not a usable URL"],
    ),
    (
        "relative-token-url",
        _BASE.replace(
            'customer = "acme"', 'customer = "acme"\ntoken_url = "/destinations/{destination_id}/token"'
        ),
        4,
        ["destinations.shop.token_url", "scheme must be http or https"],
    ),
    (
        "token-url-port-zero",
        _BASE.replace(
            'customer = "acme"',
            'customer = "acme"\ntoken_url = "http://127.0.0.1:0/destinations/{destination_id}/token"',
        ),
        4,
        ["destinations.shop.token_url", "port must be between 1 and 65535"],
    ),
    (
        "table-expected",
        "[defaults]\nfacet_sizes = 8\n" + _BASE,
        2,
        ["defaults.facet_sizes", "should be a table", 'e.g. facet_sizes = { "products.brand" = 8 }'],
    ),
    (
        "array-expected",
        '[defaults]\nlocalized_properties = "title"\n' + _BASE,
        2,
        [
            "defaults.localized_properties",
            "should be an array",
            'localized_properties = ["title", "category"]',
        ],
    ),
    (
        "wrong-list-item",
        '[defaults]\nauth_reject_statuses = [401, "403"]\n' + _BASE,
        2,
        ["defaults.auth_reject_statuses.1", "valid integer"],
    ),
    ("no-destinations", "[defaults]\ntimeout = 1\n", None, ["no destination is listed"]),
    (
        "missing-base-url",
        _BASE.replace('base_url = "https://global.occtoo.com/{customer}/{destination}"\n', ""),
        1,
        [
            "destinations.shop.base_url",
            "missing key 'base_url'",
            'e.g. base_url = "https://global.occtoo.com',
        ],
    ),
    (
        "base-url-not-url",
        _BASE.replace("https://global.occtoo.com/{customer}/{destination}", "global.occtoo.com"),
        2,
        ["destinations.shop.base_url", "is not a usable URL", "scheme must be http or https"],
    ),
    (
        "base-url-placeholder",
        _BASE.replace("{destination}", "{dest}"),
        2,
        ["destinations.shop.base_url", "has a placeholder other than {customer} and {destination}"],
    ),
    ("bad-version-name", _BASE.replace("versions.v1]", "versions.one]"), 5, ["'one' is not a version name"]),
    (
        "unknown-version-key",
        _BASE.replace("protected = false", "protect = false"),
        6,
        ["destinations.shop.versions.v1.protect", "did you mean 'protected'"],
    ),
    ("missing-protected", _BASE.replace("protected = false\n", ""), 5, ["missing key 'protected'"]),
    ("empty-languages", _BASE.replace('["en"]', "[]"), 8, ["languages", "at least 1 item"]),
    (
        "literal-secret",
        _BASE.replace("protected = false", 'protected = true\nclient_secret = "hunter2-literal"'),
        7,
        ["a literal secret is refused", 'client_secret = "${SHOP_V1_CLIENT_SECRET}"'],
    ),
    ("duplicate-table", _BASE + '\n[destinations.shop]\ncustomer = "x"\n', 10, ["not valid TOML", "twice"]),
    ("case-duplicate", _BASE + _BASE.replace("shop", "Shop"), 10, ["duplicate name", "differ only in case"]),
    (
        "token-url-placeholder",
        _BASE.replace('customer = "acme"', 'customer = "acme"\ntoken_url = "https://x/{id}"'),
        4,
        ["not a token URL template", "{destination_id}"],
    ),
    (
        "unknown-fault",
        '[reference]\nfault = "envelope-missing-lang"\n' + _BASE,
        2,
        ["unknown fault 'envelope-missing-lang'", "did you mean 'envelope-missing-language'"],
    ),
    (
        "embedded-unknown-destination",
        _BASE.replace("https://global.occtoo.com/{customer}/{destination}", "embedded"),
        5,
        ["the embedded reference serves no acme/shop/v1"],
    ),
    (
        "missing-env-var",
        _BASE.replace(
            "protected = false", 'protected = true\nclient_id = "c"\nclient_secret = "${DW_T_SURELY_UNSET}"'
        ),
        8,
        ["environment variable DW_T_SURELY_UNSET is not set", "export DW_T_SURELY_UNSET="],
    ),
    (
        "protected-without-credentials",
        _BASE.replace("protected = false", "protected = true"),
        5,
        ["a protected version needs client_id", 'client_id = "${SHOP_V1_CLIENT_ID}"'],
    ),
    (
        "oauth2-without-audience",
        _BASE.replace("protected = false", 'protected = true\ntoken_flow = "oauth2"'),
        5,
        [
            "destinations.shop.versions.v1.audience",
            'token_flow = "oauth2" needs an audience',
            'audience = "${SHOP_V1_AUDIENCE}"',
        ],
    ),
    (
        "audience-without-oauth2",
        _BASE.replace("protected = false", 'protected = false\naudience = "guid-1"'),
        7,
        ['audience is only sent by token_flow = "oauth2"', 'add token_flow = "oauth2"'],
    ),
    (
        "unknown-token-flow",
        _BASE.replace("protected = false", 'protected = false\ntoken_flow = "oauth"'),
        7,
        ["destinations.shop.versions.v1.token_flow", "'destination' or 'oauth2'"],
    ),
    (
        "unknown-token-grant",
        '[defaults]\ntoken_grant = "everywhere"\n' + _BASE,
        2,
        ["defaults.token_grant", "'version', 'destination' or 'tenant'"],
    ),
    (
        "second-application-literal-secret",
        _BASE.replace("protected = false", _PROTECTED + _SECOND.format("hunter2-literal")),
        9,
        [
            "destinations.shop.versions.v1.second_application.client_secret",
            "a literal secret is refused",
            'client_secret = "${SHOP_V1_SECOND_CLIENT_SECRET}"',
        ],
    ),
    (
        "second-application-unprotected",
        _BASE.replace("protected = false", "protected = false\n" + _SECOND.format("${DW_T_SECRET}")),
        7,
        ["second_application is for a protected version", "remove second_application, or set protected"],
    ),
    (
        "second-application-missing-secret",
        _BASE.replace("protected = false", 'protected = true\nsecond_application = { client_id = "b" }'),
        7,
        [
            "destinations.shop.versions.v1.second_application.client_secret",
            "missing key 'client_secret'",
            'client_secret = "${NW_V1_SECOND_CLIENT_SECRET}"',
        ],
    ),
    (
        "second-application-unknown-key",
        _BASE.replace(
            "protected = false", _PROTECTED + _SECOND.format("x").replace("client_secret", "secret")
        ),
        9,
        ["second_application.secret", "did you mean 'client_secret'", "valid keys: client_id, client_secret"],
    ),
    (
        "second-application-secret-of-another-type",
        _BASE.replace("protected = false", _PROTECTED + _SECOND.format("x").replace('"x"', "4242424242")),
        9,
        ["second_application.client_secret", "valid string", "(got [redacted])"],
    ),
]


@pytest.mark.parametrize(("text", "line", "fragments"), [case[1:] for case in _BAD], ids=[c[0] for c in _BAD])
def test_each_mistake_names_file_line_key_and_fix(
    tmp_path: Path, text: str, line: int | None, fragments: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        Selection.resolve(RunOptions(targets=path))
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:" if line else f"{path}:"), message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert "hunter2-literal" not in message


@pytest.mark.parametrize(("text", "fragments"), [(c[1], c[3]) for c in _BAD], ids=[c[0] for c in _BAD])
def test_targets_check_exits_2_with_the_message_and_no_traceback(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = _write(tmp_path, text)
    result = CliRunner().invoke(app, ["targets", "--check", "--targets", str(path)])
    assert result.exit_code == 2, result.output
    assert fragments[0] in result.output
    assert "Traceback" not in result.output


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: file not found\. Fix: pass --targets FILE"):
        load_targets(tmp_path / "nope.toml")


@pytest.mark.usefixtures("credentials")
def test_unknown_target_name_lists_the_known_ones(tmp_path: Path) -> None:
    targets = load_targets(_write(tmp_path, _REAL))
    with pytest.raises(ConfigError, match=r"--target: no destination or version named 'shop/v9'.*shop/v1"):
        targets.version_targets(["shop/v9"])
    with pytest.raises(ConfigError, match=r"--version: no destination has a version 'v7'"):
        targets.version_targets(versions=["v7"])


def test_the_repository_targets_file_is_valid() -> None:
    result = CliRunner().invoke(app, ["targets", "--check"])
    assert result.exit_code == 0, result.output
    assert "ok, 4 destination versions" in result.output


def test_targets_prints_the_version_endpoint_matrix_with_secrets_masked() -> None:
    result = CliRunner().invoke(app, ["targets"])
    assert result.exit_code == 0, result.output
    rows = [line.split("│")[1:4] for line in result.output.splitlines() if line.startswith("│")]
    matrix = {tuple(cell.strip() for cell in row) for row in rows}
    assert ("productCatalog", "v2", "variants") in matrix
    assert ("googleMarketplace", "v1", "feed") in matrix
    assert len(matrix) == 6
    assert "client id demo-client-v1, client secret [redacted]" in result.output
    assert "demo-secret" not in result.output
