"""The selection: what a run tests, resolved from targets.toml once and checked before anything starts, with
no live reference needed; handed to another process of the run as data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from destwatch.config import EMBEDDED
from destwatch.errors import ConfigError
from destwatch.reference.targets import embedded_targets
from destwatch.selection import RunOptions, Selection

_SHOP = """
[destinations.shop]
base_url = "https://global.occtoo.com/{customer}/{destination}"
customer = "acme"

[destinations.shop.versions.v1]
protected = true
destination_id = "${DW_T_DEST_ID}"
client_id = "${DW_T_CLIENT_ID}"
client_secret = "${DW_T_SECRET}"
languages = ["en"]

[destinations.shop.versions.v2]
protected = false
destination_id = "0000-v2"
languages = ["en"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_peers_are_the_unselected_versions_whose_credentials_are_set_when_it_is_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Testing one version never needs the secrets of another: without them, v1 is no peer of v2.
    path = _write(tmp_path, _SHOP)
    for name in ("DW_T_DEST_ID", "DW_T_CLIENT_ID", "DW_T_SECRET"):
        monkeypatch.delenv(name, raising=False)
    alone = Selection.resolve(RunOptions(targets=path, names=("shop/v2",)))
    assert [t.id for t in alone.targets] == ["shop/v2"] and alone.peers == ()
    assert [t.id for t in alone.versions_of("shop")] == ["shop/v2"]
    for name, value in (("DW_T_DEST_ID", "g"), ("DW_T_CLIENT_ID", "c"), ("DW_T_SECRET", "s3cret-x")):
        monkeypatch.setenv(name, value)
    # Resolved once: a selection never reads the environment again.
    assert [t.id for t in alone.versions_of("shop")] == ["shop/v2"]
    both = Selection.resolve(RunOptions(targets=path, names=("shop/v2",)))
    assert [t.id for t in both.peers] == ["shop/v1"]
    assert [t.id for t in both.versions_of("shop")] == ["shop/v1", "shop/v2"]
    # A validation names the versions it compares: the others are no peers.
    named = Selection.resolve(RunOptions(targets=path, names=("shop/v2",), peers=()))
    assert named.peers == ()


def test_an_embedded_selection_resolves_without_a_server_its_urls_unbound(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(versions=["productCatalog/v1", "productCatalog/v3"]), encoding="utf-8")
    options = RunOptions(targets=path, fault="hang", variant="no-facets", seed=11)
    selection = Selection.resolve(options)
    v1, v3 = selection.targets
    assert v1.base_url == f"{EMBEDDED}/northwind/productCatalog/v1"
    assert v3.token_url == f"{EMBEDDED}/oauth2/token"
    assert selection.uses_reference and selection.seed == 11 and selection.seed_of(v1) == 11
    assert (selection.reference.fault, selection.reference.variant) == ("hang", "no-facets")
    bound = v1.bound_to("http://127.0.0.1:9")
    assert bound.base_url == "http://127.0.0.1:9/northwind/productCatalog/v1"
    assert bound.token_url == f"http://127.0.0.1:9/destinations/{v1.destination_id}/token"


def test_the_seed_is_the_command_lines_else_targets_toml_per_version(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    text = embedded_targets(defaults={"seed": 5}, versions=["productCatalog/v1"])
    path.write_text(text, encoding="utf-8")
    selection = Selection.resolve(RunOptions(targets=path))
    (v1,) = selection.targets
    assert selection.seed == 5 and selection.seed_of(v1) == v1.settings.seed == 5


def test_another_process_gets_the_same_selection_as_data(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(), encoding="utf-8")
    options = RunOptions(
        targets=path, names=("productCatalog",), seed=3, fault="top-exceeded", candidate="clean", peers=None
    )
    selection = Selection.resolve(options)
    again = Selection.from_data(selection.to_data())
    assert again.targets == selection.targets and again.peers == selection.peers
    assert again.seed == selection.seed and again.reference == selection.reference
    # The reports folder stays with the process that writes the reports.
    assert again.options == RunOptions(**{**vars(options), "reports_dir": None})
    # Secrets travel (in memory, down a pipe) so the other process can ask for tokens.
    secrets = [t.client_secret.get_secret_value() for t in again.targets if t.client_secret is not None]
    assert secrets and secrets == [
        t.client_secret.get_secret_value() for t in selection.targets if t.client_secret is not None
    ]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"fault": "no-such-fault"}, "--fault: unknown fault 'no-such-fault'"),
        ({"variant": "six-endpoint"}, "--variant: unknown variant 'six-endpoint'"),
        ({"names": ("productCatalog/v9",)}, "no destination or version named 'productCatalog/v9'"),
    ],
)
def test_a_mistake_on_the_command_line_is_a_config_error_before_anything_starts(
    tmp_path: Path, options: dict[str, object], words: str
) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Selection.resolve(RunOptions(targets=path, **options))  # type: ignore[arg-type]
    assert words in str(caught.value) and "\n" not in str(caught.value)
