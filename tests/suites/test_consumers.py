"""The consumers suite: each consumer's own queries on the versions it uses, judged by the filters and
shape oracles, every clause naming the consumer and its query; proven by seeded faults, and by a round trip
from the gate's own traffic (a HAR) through `consumers capture` back into the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from destwatch.consumers.capture import capture, read_traffic
from destwatch.consumers.model import load_consumer
from destwatch.exit_codes import ExitCode
from kit.gates import FAST, clauses, reference_targets, run_gate_on

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONSUMERS = ROOT / "docs" / "examples" / "consumers"
V2 = "productCatalog/v2"


def _targets(folder: Path, consumers: Path) -> Path:
    """The reference's productCatalog v2 and v4 (no consumer uses v4), with `consumers` as consumers_dir."""
    shutil.copytree(consumers, folder / "consumers")
    path = reference_targets(folder, versions=[V2, "productCatalog/v4"])
    path.write_text('consumers_dir = "consumers"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.mark.slow
def test_every_query_of_every_consumer_passes_on_the_versions_it_uses(tmp_path: Path) -> None:
    summary = run_gate_on(_targets(tmp_path, EXAMPLE_CONSUMERS), tmp_path / "reports", suites=["consumers"])
    assert summary.exit_code == ExitCode.OK, clauses(summary)
    assert [(row.destination, row.version, row.suite) for row in summary.rows] == [
        ("productCatalog", "v2", "consumers")
    ]
    row = summary.rows[0]
    # 3 consumers x their queries x 3 rules; a consumer that neither filters nor pages skips those rules.
    assert (row.passed, row.skipped) == (5, 4)
    junit = (tmp_path / "reports" / "junit.xml").read_text(encoding="utf-8")
    for consumer in ("storefront/category-page", "category-menu/menu", "stock-feed/all-products"):
        assert f"productCatalog/v2/{consumer}]" in junit
        name, query = consumer.split("/")
        assert f'<property name="consumer" value="{name}" />' in junit
        assert f'<property name="consumer_query" value="{query}" />' in junit
    # Grouped per consumer in every report: summary.json, the page (the terminal and Markdown render the
    # same rows: tests/gate/test_consumer_rows.py).
    grouped = [(row.consumer, row.target, row.state) for row in summary.consumers]
    assert grouped == [(name, V2, "passed") for name in ("category-menu", "stock-feed", "storefront")]
    written = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert [row["consumer"] for row in written["consumers"]] == ["category-menu", "stock-feed", "storefront"]
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert f'data-consumer="storefront" data-target="{V2}"' in page and 'data-query="category-page"' in page


# A fourth consumer, beside the examples: a premium page that leaves out one brand and sorts by price, most
# expensive first (what the examples do not exercise: mustNot and sortDesc), on a page large enough to hold
# distinct prices and the brand it leaves out.
PREMIUM = """owner = "outlet team"
destination = "productCatalog"
versions = ["v2"]

[[query]]
name = "top-prices"
endpoint = "products"
method = "POST"
body = { top = 200, sortDesc = ["price"], filter = [{ mustNot = { brand = ["{brand}"] } }] }

[query.relies_on]
properties = ["id", "brand", "price"]
sort = true
"""

# fault -> the consumer relying on what the fault breaks, and the clause its query fails.
FAULTED = {
    # v2 answers `price` as a string: only the storefront and the premium page read `price`.
    "schema-drift-v2": (
        ("storefront", "premium"),
        "consumer storefront: query category-page gets each property it reads, of its documented type",
    ),
    # `after` includes its cursor: only the stock feed pages with `after`.
    "after-inclusive": (
        ("stock-feed",),
        "consumer stock-feed: paging query all-products visits every item once (sortAsc=id + after)",
    ),
    # Only the premium page excludes anything, and only it sorts descending.
    "mustnot-ignored": (
        ("premium",),
        "consumer premium: query top-prices gets only results its filter asks for",
    ),
    "sort-desc-ignored": (
        ("premium",),
        "consumer premium: query top-prices gets its results in the order",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTED))
def test_a_fault_fails_only_the_consumers_relying_on_what_it_breaks(tmp_path: Path, fault: str) -> None:
    consumers = tmp_path / "given"
    shutil.copytree(EXAMPLE_CONSUMERS, consumers)
    (consumers / "premium.toml").write_text(PREMIUM, encoding="utf-8")
    summary = run_gate_on(
        _targets(tmp_path, consumers), tmp_path / "reports", suites=["consumers"], fault=fault
    )
    names, clause = FAULTED[fault]
    assert summary.exit_code == ExitCode.VIOLATIONS
    found = clauses(summary)
    assert any(message.startswith(clause) for message in found), found
    assert {message.split(":")[0].removeprefix("consumer ") for message in found} == set(names), found
    # The per-consumer grouping says the same: only those consumers failed, each with its clause.
    failed = {
        row.consumer: row.first_failure({f.test: f.message for f in summary.failures})
        for row in summary.consumers
        if row.state == "failed"
    }
    assert set(failed) == set(names), failed
    assert all(message.split(": ", 1)[1].startswith(f"consumer {name}:") for name, message in failed.items())


def _har_of(exchanges: Path, har: Path) -> None:
    """The run's recorded exchanges as a HAR, headers included, as a proxy in front of it would save them."""
    entries = []
    for line in exchanges.read_text(encoding="utf-8").splitlines():
        seen = json.loads(line)
        request = {
            "method": seen["method"],
            "url": seen["url"],
            "headers": [{"name": k, "value": v} for k, v in seen["request_headers"].items()],
        }
        if seen["request_body"]:
            request["postData"] = {"mimeType": "application/json", "text": seen["request_body"]}
        entries.append({"request": request, "response": {"status": seen["status"]}})
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")


@pytest.mark.slow
def test_a_har_of_the_gates_own_traffic_replays_clean_on_the_embedded_default(tmp_path: Path) -> None:
    source = tmp_path / "source"
    ran = run_gate_on(
        reference_targets(source, versions=[V2], defaults=FAST),
        source / "reports",
        suites=["filters"],
        tests="test_must_results_have_an_asked_value or test_sort_asc_orders",
    )
    assert ran.exit_code == ExitCode.OK, clauses(ran)
    har = tmp_path / "gate.har"
    _har_of(source / "reports" / "exchanges.jsonl", har)
    captured = tmp_path / "captured"
    captured.mkdir()
    text = capture(
        read_traffic(har), name="gate", owner="destwatch", destination="productCatalog", version="v2"
    )
    (captured / "gate.toml").write_text(text, encoding="utf-8")
    queries = load_consumer(captured / "gate.toml").queries
    # The filters suite's must and sort queries, on both endpoints and both methods, as shapes.
    assert {q.endpoint for q in queries} == {"products", "variants"} and {q.method for q in queries} == {
        "GET",
        "POST",
    }
    assert any("{" in json.dumps([dict(q.params), dict(q.body)]) for q in queries), (
        "no value became a placeholder"
    )
    replay = tmp_path / "replay"
    summary = run_gate_on(_targets(replay, captured), replay / "reports", suites=["consumers"])
    assert summary.exit_code == ExitCode.OK, clauses(summary)
    # At least as many passes as queries: the placeholders were filled and the queries answered as sent.
    assert summary.rows[0].passed >= len(queries)
