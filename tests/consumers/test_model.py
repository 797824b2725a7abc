"""Consumer files are validated like targets.toml: one line naming the file, the line, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch.consumers.model import load_consumer, load_consumers
from destwatch.errors import ConfigError

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "consumers"
CONFIGURED = {"productCatalog": ["v1", "v2", "v3"]}
GOOD = """name = "shop"
owner = "web team"
destination = "productCatalog"
versions = ["v2"]

[[query]]
name = "first"
endpoint = "products"
params = { top = 5 }

[[query]]
name = "second"
endpoint = "products"
method = "POST"
body = { top = 10 }

[query.relies_on]
properties = ["id"]
"""


def _refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_consumer(path, CONFIGURED)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(str(path))
    return message.removeprefix(str(path))


def test_the_example_consumers_load_with_their_queries() -> None:
    consumers = load_consumers(EXAMPLES, CONFIGURED)
    assert [c.name for c in consumers] == ["category-menu", "stock-feed", "storefront"]
    feed = consumers[1]
    assert feed.versions == ("v2",) and feed.queries[0].relies.paging == "keyset"
    assert feed.queries[0].id == "stock-feed/all-products"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('versions = ["v2"]', 'versions = ["v9"]'), ":4: versions: productCatalog has no version 'v9'"),
        (
            ('destination = "productCatalog"', 'destination = "shop"'),
            ":3: destination: no destination 'shop'",
        ),
        (('method = "POST"', 'method = "PUT"'), ":14: query[2].method: input should be 'GET' or 'POST'"),
        (('properties = ["id"]', 'propertys = ["id"]'), ":18: query[2].relies_on.propertys: unknown key"),
        (
            ('properties = ["id"]', 'properties = "id"'),
            ":18: query[2].relies_on.properties: input should be an array",
        ),
        (
            ("body = { top = 10 }", "params = { top = 10 }"),
            ":15: query[2].params: a POST query sends its values in body",
        ),
        (
            ('properties = ["id"]', "sort = true"),
            ":18: query[2].relies_on.sort: relies on a sort order but the query",
        ),
        (('name = "second"', 'name = "first"'), ":12: query[2].name: two queries are named 'first'"),
        (('owner = "web team"\n', ""), ": owner: missing key 'owner'. Fix: owner is who to tell"),
    ],
    ids=[
        "version",
        "destination",
        "method",
        "unknown-key",
        "type",
        "params-on-post",
        "sort",
        "duplicate",
        "missing",
    ],
)
def test_a_mistake_names_file_line_key_and_fix(tmp_path: Path, change: tuple[str, str], said: str) -> None:
    old, new = change
    assert old in GOOD
    assert _refused(tmp_path, GOOD.replace(old, new, 1)).startswith(said)


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    assert _refused(tmp_path, GOOD + "oops =\n").startswith(":19: not valid TOML")


def test_two_files_naming_one_consumer_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match="consumer 'shop' is also named in"):
        load_consumers(tmp_path, CONFIGURED)


def test_a_broken_consumer_file_stops_targets_check_with_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from destwatch.cli import app
    from destwatch.reference.targets import embedded_targets

    (tmp_path / "consumers").mkdir()
    (tmp_path / "consumers" / "shop.toml").write_text(GOOD.replace('"v2"', '"v7"'), encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text('consumers_dir = "consumers"\n' + embedded_targets(), encoding="utf-8")
    ran = CliRunner().invoke(app, ["targets", "--check", "--targets", str(targets)])
    assert ran.exit_code == 2
    shop = tmp_path / "consumers" / "shop.toml"
    assert ran.output.splitlines() == [
        f"destwatch: {shop}:4: versions: productCatalog has no version 'v7' in targets.toml. "
        "Fix: name one of v1, v2, v3"
    ]
