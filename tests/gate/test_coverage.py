"""What the gate proved of each version, on the reference: everything the default declares is proven where
data can prove it; thin data leaves items exercised only or not covered, saying why; a broken filter still
fails the run; a run below its owners' bar exits 5; the history tells what a run no longer proves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from destwatch.exit_codes import ExitCode
from kit.gates import run_gate_on_reference

V2 = "productCatalog/v2"
# The whole coverage of productCatalog v2 of the embedded default, by kind and state. Only search (no suite
# checks what it matches) is sent without a proof.
PINNED = {
    "operations": {"proven": 4},
    "parameters": {"proven": 26},
    "body_fields": {"proven": 20, "exercised": 6},
    "filters": {"proven": 36},
    "sort": {"proven": 32},
    "facets": {"proven": 5},
    "languages": {"proven": 6},
    "paging": {"proven": 4},
    "statuses": {"proven": 12},
    "properties": {"proven": 16},
}


def _coverage(folder: Path) -> dict[str, Any]:
    (version,) = json.loads((folder / "reports" / "coverage.json").read_text())["versions"]
    return version


def _items(version: dict[str, Any], state: str | None = None) -> dict[str, tuple[str, str]]:
    return {
        f"{item['endpoint']} {item['kind']} {item['name']}": (item["state"], item["reason"])
        for item in version["items"]
        if state is None or item["state"] == state
    }


@pytest.mark.slow
def test_the_default_proves_what_it_declares_and_a_thinner_run_falls_below_its_bar(tmp_path: Path) -> None:
    summary = run_gate_on_reference(tmp_path, versions=[V2], in_thread=True)
    assert summary.exit_code == ExitCode.OK
    version = _coverage(tmp_path)
    by_kind = {kind: {s: n for s, n in counts.items() if n} for kind, counts in version["by_kind"].items()}
    assert by_kind == PINNED
    unproven = _items(version)
    for kind in ("filters", "sort", "facets", "languages", "paging"):
        assert all(state == "proven" for key, (state, _) in unproven.items() if f" {kind} " in key), kind
    assert unproven["products filters mustNot.color"][1].startswith(("GET: dropped color=", "POST: dropped"))
    assert [v.target for v in summary.coverage] == [V2] and summary.coverage[0].below_bar() == []

    # The same reports folder, a run of the smoke suite only, with a bar: it proves less and says what.
    barred = run_gate_on_reference(
        tmp_path, versions=[V2], suites=["smoke"], defaults={"min_proven": 0.9}, in_thread=True
    )
    assert barred.exit_code == ExitCode.UNPROVEN and barred.result == "proved less than the bar"
    (smoke,) = barred.coverage
    assert smoke.below_bar()[0].endswith("below min_proven 90%")
    assert smoke.counts()["proven"] == 0 and len(smoke.newly_unproven) == 167 - 6
    assert "products filters must.category" in smoke.newly_unproven
    assert "products body_fields search" not in smoke.newly_unproven
    history = (tmp_path / "reports" / "coverage-history.jsonl").read_text().splitlines()
    assert [json.loads(line)["target"] for line in history] == [V2, V2]
    assert barred.to_json()["coverage"][V2]["below_bar"] == smoke.below_bar()


@pytest.mark.slow
def test_thin_data_is_exercised_only_or_not_covered_with_the_reason(tmp_path: Path) -> None:
    summary = run_gate_on_reference(
        tmp_path, versions=[V2], suites=["filters"], variant="thin-data", in_thread=True
    )
    assert summary.exit_code == ExitCode.OK
    items = _items(_coverage(tmp_path))
    assert items["products filters must.color"] == (
        "exercised",
        "every sampled item holds color='Red': nothing to narrow",
    )
    assert items["variants sort color desc"][0] == "exercised"
    assert items["products properties released"] == ("not covered", "never seen populated: null or absent")
    assert items["products properties rating"][0] == "proven"
    state, reason = items["products languages en"]
    assert (state, reason) == (
        "not covered",
        "/products: one language is both configured and declared by the document",
    )
    assert items["products filters must.category"][0] == "proven"


@pytest.mark.slow
def test_an_ignored_filter_still_fails_the_run_and_its_items_fail_not_go_unproven(tmp_path: Path) -> None:
    summary = run_gate_on_reference(
        tmp_path,
        versions=[V2],
        suites=["filters"],
        tests="must_not",
        fault="mustnot-ignored",
        defaults={"min_proven": 0.9},
        in_thread=True,
    )
    # Below its bar too, but a broken contract is the more urgent: exit 1.
    assert summary.exit_code == ExitCode.VIOLATIONS
    items = _items(_coverage(tmp_path))
    state, reason = items["products filters mustNot.color"]
    assert state == "failed" and reason == "mustNot: no result has an excluded value"
