"""Go or no-go per consumer, proven on the reference's candidates with the three example consumers of v2
(docs/examples/consumers/): each candidate breaks exactly the consumer that relies on what it changes, and
the verdict names that consumer and its query."""

from __future__ import annotations

import datetime
import html
import shutil
from pathlib import Path

import pytest

from destwatch.consumers.model import load_consumer
from destwatch.validate.changes import Change, Severity
from destwatch.validate.consumer_walk import WALK_PAGES
from destwatch.validate.consumers import ConsumerVerdict
from destwatch.validate.page import validation_page
from destwatch.validate.report import Validation
from destwatch.validate.verdict import decide
from kit.validation import Validate

TODAY = datetime.date(2026, 12, 1)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "consumer-targets.toml"
CONSUMERS = ("category-menu", "stock-feed", "storefront")

# candidate -> the consumer it breaks, its query, the id of what breaks it (the others: GO, nothing blocking)
BREAKS = {
    "price-in-cents": (
        "storefront",
        "category-page",
        "consumer:storefront/category-page:difference:values.price",
    ),
    "facet-renamed": (
        "category-menu",
        "menu",
        "consumer:category-menu/menu:facet-renamed:category->productCategory",
    ),
    "default-page-25": (
        "stock-feed",
        "all-products",
        "consumer:stock-feed/all-products:difference:default-page",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("candidate", sorted(BREAKS))
def test_each_candidate_breaks_only_the_consumer_relying_on_what_it_changes(
    run_validation: Validate, tmp_path: Path, candidate: str
) -> None:
    broken, query, change = BREAKS[candidate]
    ran = run_validation(
        "productCatalog", "v2", "v4", targets=EXAMPLE, reference_candidate=candidate, today=TODAY
    )
    verdicts = {entry["name"]: entry for entry in ran.report["consumers"]}
    assert sorted(verdicts) == list(CONSUMERS)
    for name, entry in verdicts.items():
        blocking = [found["id"] for found in entry["blocking"]]
        assert blocking == ([change] if name == broken else []), (name, entry)
    assert f"consumer {broken}: NO-GO" in ran.out
    # The validation's own Markdown report lists every consumer's verdict too.
    assert f"| `{broken}` | " in ran.markdown and ran.markdown.count("| GO | nothing |") == 2
    page = tmp_path / "reports" / "validation" / "consumers" / f"productCatalog-v2-v4-{broken}.md"
    text = page.read_text(encoding="utf-8")
    # The owner's page names the consumer, says no-go, and names the query that breaks.
    assert text.startswith(f"# {broken}: can it switch from productCatalog v2 to v4? **NO-GO**")
    assert change in text and f"{broken}'s query {query} (" in text
    # The verdict page has the same, per consumer, linking each owner's page.
    verdict_page = (tmp_path / "reports" / "validation" / "index.html").read_text(encoding="utf-8")
    for name in CONSUMERS:
        section = verdict_page.split(f'<div class="consumer" data-consumer="{name}">')[1].split("</div>")[0]
        assert ("NO-GO" in section) == (name == broken) and (
            f'data-id="{html.escape(change)}"' in section
        ) == (name == broken)
        assert f'href="consumers/productCatalog-v2-v4-{name}.md"' in section


@pytest.mark.slow
def test_consumer_option_makes_that_consumers_verdict_the_exit_code(run_validation: Validate) -> None:
    spared = run_validation(
        "productCatalog",
        "v2",
        "v4",
        targets=EXAMPLE,
        reference_candidate="price-in-cents",
        consumer="stock-feed",
    )
    broken = run_validation(
        "productCatalog",
        "v2",
        "v4",
        targets=EXAMPLE,
        reference_candidate="price-in-cents",
        consumer="storefront",
    )
    assert (spared.code, broken.code) == (0, 1)
    assert [entry["name"] for entry in broken.report["consumers"]] == ["storefront"]
    assert broken.out.rstrip().splitlines()[-1] == "storefront: productCatalog v2 → v4: NO-GO (exit 1)"


def test_an_unknown_consumer_is_a_usage_error_naming_the_consumers(run_validation: Validate) -> None:
    from destwatch.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        run_validation("productCatalog", "v2", "v4", targets=EXAMPLE, consumer="storefrnt")
    assert "did you mean 'storefront'" in str(refused.value) and "--consumer" in str(refused.value)


def test_a_consumer_verdict_needs_the_candidate_deployed(run_validation: Validate, tmp_path: Path) -> None:
    from destwatch.errors import ConfigError

    with pytest.raises(ConfigError, match="--consumer: a consumer's verdict needs the candidate deployed"):
        run_validation(
            "productCatalog",
            "v2",
            "v4",
            targets=EXAMPLE,
            consumer="storefront",
            candidate_document=tmp_path / "v4.json",
        )


@pytest.mark.slow
def test_on_v2_to_v3_a_removed_parameter_and_a_renamed_property_each_stop_only_their_consumer(
    run_validation: Validate, tmp_path: Path
) -> None:
    from destwatch.reference.targets import embedded_targets

    folder = tmp_path / "consumers"
    folder.mkdir()
    head = 'owner = "o"\ndestination = "productCatalog"\nversions = ["v2"]\n\n[[query]]\nname = "q"\n'
    (folder / "since.toml").write_text(
        head + 'endpoint = "products"\nparams = { periodSince = "{date}", top = 20 }\n', encoding="utf-8"
    )
    (folder / "brands.toml").write_text(
        head + 'endpoint = "products"\nparams = { brand = "{brand}", top = 20 }\n'
        '[query.relies_on]\nproperties = ["id", "brand"]\n',
        encoding="utf-8",
    )
    (folder / "plain.toml").write_text(
        head + 'endpoint = "variants"\nparams = { top = 5 }\n', encoding="utf-8"
    )
    targets = tmp_path / "targets.toml"
    versions = ["productCatalog/v2", "productCatalog/v3"]
    targets.write_text(
        'consumers_dir = "consumers"\n' + embedded_targets(versions=versions), encoding="utf-8"
    )
    ran = run_validation("productCatalog", "v2", "v3", targets=targets, today=TODAY)
    blocking = {
        entry["name"]: [found["id"] for found in entry["blocking"]] for entry in ran.report["consumers"]
    }
    assert blocking == {
        # The filter on `brand` is rewritten as `brandName` and still answers alike: only the reading breaks.
        "brands": ["consumer:brands/q:property-renamed:brand->brandName"],
        "plain": [],
        "since": ["consumer:since/q:not-expressible"],
    }
    since = next(entry for entry in ran.report["consumers"] if entry["name"] == "since")
    assert (
        "since's query q (GET products): cannot be sent to productCatalog/v3"
        in since["blocking"][0]["sentence"]
    )
    assert "periodSince" in since["blocking"][0]["sentence"]


def test_the_verdict_page_has_a_consumers_section_escaped_like_the_rest(tmp_path: Path) -> None:
    source = (EXAMPLE.parent / "consumers" / "storefront.toml").read_text(encoding="utf-8")
    (tmp_path / "storefront.toml").write_text(
        source.replace('owner = "', 'owner = "<script>x</script> '), encoding="utf-8"
    )
    storefront = load_consumer(tmp_path / "storefront.toml")
    sentence = "storefront's query category-page (GET products): reads `price`, which is <gone>"
    broke = Change("consumer:storefront/category-page:property-removed:price", Severity.BREAKING, sentence)
    verdict = decide([broke], [], today=TODAY)
    validation = Validation(
        "productCatalog", "v2", "v4", verdict, {}, {}, consumers=(ConsumerVerdict(storefront, verdict),)
    )
    page = validation_page(validation)
    assert '<h2 id="consumers">' in page and '<div class="consumer" data-consumer="storefront">' in page
    assert 'href="consumers/productCatalog-v2-v4-storefront.md"' in page
    assert 'data-query="category-page"' in page and "reads id, title, price, total" in page
    assert "which is &lt;gone&gt;" in page and "<script>x" not in page and "&lt;script&gt;x" in page
    # Without consumer files the page has no such section.
    assert 'id="consumers"' not in validation_page(Validation("productCatalog", "v2", "v4", verdict, {}, {}))


# A feed that pages every product with top + skip, beside the examples' stock feed that pages with `after`.
SKIP_FEED = """owner = "Feeds team"
destination = "productCatalog"
versions = ["v2"]

[[query]]
name = "pages"
endpoint = "products"
method = "POST"
body = { top = 40, sortAsc = ["id"] }

[query.relies_on]
properties = ["id"]
paging = "skip"
"""


@pytest.mark.slow
def test_a_paging_consumer_is_no_go_when_only_the_pages_after_the_first_differ(
    run_validation: Validate, tmp_path: Path
) -> None:
    shutil.copytree(EXAMPLE.parent / "consumers", tmp_path / "consumers")
    (tmp_path / "consumers" / "skip-feed.toml").write_text(SKIP_FEED, encoding="utf-8")
    targets = tmp_path / "targets.toml"
    shutil.copy(EXAMPLE, targets)
    # Every first page of v4 is v2's: the validation's differential says GO, the consumers that page do not.
    ran = run_validation(
        "productCatalog", "v2", "v4", targets=targets, reference_candidate="pages-overlap", today=TODAY
    )
    assert ran.code == 0 and ran.blocking == []
    blocking = {entry["name"]: entry["blocking"] for entry in ran.report["consumers"]}
    assert {name for name, found in blocking.items() if found} == {"skip-feed", "stock-feed"}
    for name, query, by, size in (
        ("stock-feed", "all-products", "after", 50),
        ("skip-feed", "pages", "skip", 40),
    ):
        (found,) = blocking[name]
        assert found["id"] == f"consumer:{name}/{query}:difference:walk"
        # The bound is stated, and what the walk saw: on v4 items come back twice.
        assert f"paging it by `{by}` (at most {WALK_PAGES} pages of {size})" in found["sentence"]
        assert f"productCatalog/v2 visits {WALK_PAGES * size} items, each once" in found["sentence"]
        assert "more than once" in found["sentence"]
