"""Results grouped per consumer: derived once from the items' consumer identity, and carried by summary.json,
the terminal, the page and the Markdown summary; `report merge` joins them. A run without consumer queries
changes none of those reports."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from destwatch.gate.markdown import render_markdown
from destwatch.gate.page import gate_page
from destwatch.gate.shards import merge_reports
from destwatch.gate.summary import ItemResult, Summary, build_summary, write_json
from destwatch.gate.terminal import render_summary

CLAUSE = "consumer storefront: query category-page gets each property it reads, of its documented type"


def _item(
    test: str, version: str, outcome: str, consumer: str = "", query: str = "", **more: str
) -> ItemResult:
    suite = "consumers" if consumer else "smoke"
    return ItemResult(
        f"{suite}/t.py::{test}",
        "productCatalog",
        version,
        suite,
        outcome,
        consumer=consumer,
        query=query,
        **more,
    )


def _mixed() -> list[ItemResult]:
    return [
        _item("smoke", "v2", "passed"),
        _item(
            "props[v2/storefront/category-page]",
            "v2",
            "failed",
            "storefront",
            "category-page",
            kind="violation",
            message=CLAUSE,
        ),
        _item("filter[v2/storefront/category-page]", "v2", "passed", "storefront", "category-page"),
        _item("props[v2/storefront/<b>search</b>]", "v2", "passed", "storefront", "<b>search</b>"),
        _item("paging[v2/stock-feed/all]", "v2", "skipped", "stock-feed", "all"),
        _item("props[v3/stock-feed/all]", "v3", "not_run", "stock-feed", "all", message="v3: refused"),
    ]


def _summary(results: list[ItemResult]) -> Summary:
    return build_summary(results, exit_code=1, unreachable={})


def _terminal(summary: Summary) -> str:
    console = Console(file=io.StringIO(), width=240)
    render_summary(summary, console)
    return console.file.getvalue()


def test_results_are_grouped_per_consumer_and_version_in_summary_json() -> None:
    data = _summary(_mixed()).to_json()
    grouped = {(row["consumer"], row["version"]): row for row in data["consumers"]}
    assert list(grouped) == [("stock-feed", "v2"), ("stock-feed", "v3"), ("storefront", "v2")]
    storefront = grouped["storefront", "v2"]
    assert (storefront["state"], storefront["passed"], storefront["failed"]) == ("failed", 2, 1)
    by_query = {query["query"]: query for query in storefront["queries"]}
    assert by_query["category-page"]["state"] == "failed"
    assert [f["message"] for f in by_query["category-page"]["failures"]] == [CLAUSE]
    assert by_query["<b>search</b>"]["failures"] == []
    assert grouped["stock-feed", "v3"]["state"] == "not-run"
    assert grouped["stock-feed", "v2"]["state"] == "skipped"
    # Read back as `report merge` reads a shard's.
    assert Summary.from_json(data).consumers == _summary(_mixed()).consumers


def test_the_terminal_markdown_and_page_each_have_a_consumers_part() -> None:
    summary = _summary(_mixed())
    terminal = _terminal(summary)
    assert "consumers" in terminal
    # The failed query by name; its clause is the FAILED line.
    assert "│ storefront │ productCatalog/v2 │ 2    │ 1    │ 0       │ category-page " in terminal
    assert f"FAILED consumers/t.py::props[v2/storefront/category-page]: {CLAUSE}" in terminal
    markdown = render_markdown(summary)
    assert "### Consumers" in markdown
    assert f"| storefront | productCatalog/v2 | failed | 2 | 1 | 0 | category-page: {CLAUSE} |" in markdown
    page = gate_page(summary, Path("/nonexistent"))
    assert '<h2 id="consumers">' in page
    assert 'data-consumer="storefront" data-target="productCatalog/v2"' in page
    assert 'data-query="category-page"' in page and CLAUSE in page
    # A query's name is the consumer file's text: escaped like every value.
    assert "<b>search</b>" not in page and "&lt;b&gt;search&lt;/b&gt;" in page


def test_a_run_without_consumer_queries_changes_no_report() -> None:
    plain = [item for item in _mixed() if not item.consumer]
    summary = _summary(plain)
    assert summary.consumers == ()
    assert "consumers" not in summary.to_json()
    assert "consumers" not in _terminal(summary)
    assert "Consumers" not in render_markdown(summary)
    assert 'id="consumers"' not in gate_page(summary, Path("/nonexistent"))


def test_report_merge_joins_the_shards_consumer_rows(tmp_path: Path) -> None:
    items = _mixed()
    shards = [tmp_path / "v2", tmp_path / "v3"]
    for shard, version in zip(shards, ("v2", "v3"), strict=True):
        shard.mkdir()
        part = [item for item in items if item.version == version]
        write_json(shard / "summary.json", _summary(part).to_json())
    merged = merge_reports(shards, tmp_path / "all")
    assert merged.consumers == _summary(items).consumers
    written = json.loads((tmp_path / "all" / "summary.json").read_text(encoding="utf-8"))
    assert [row["consumer"] for row in written["consumers"]] == ["stock-feed", "stock-feed", "storefront"]
