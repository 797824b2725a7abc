"""What the gate proved of each version, on the reference (the embedded default's whole coverage is pinned
on the run tests/cli/test_run.py makes): each variant's thin data (a property always null, a filter key with
one value, one language) leaves its items exercised only or not covered, saying why; a broken filter still
fails the run; a run below its owners' bar exits 5; the history tells what a run no longer proves, and the
monitor's history keeps each run's counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.exit_codes import ExitCode
from destwatch.monitor.history import History
from kit.gates import reference_targets, run_gate_on, run_gate_on_reference

V2 = "productCatalog/v2"
_SMOKE = "smoke: answered 200 without parameters, its envelope checked"


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
def test_a_thinner_run_falls_below_its_bar_saying_what_it_no_longer_proves(tmp_path: Path) -> None:
    first = run_gate_on_reference(
        tmp_path, versions=[V2], suites=["filters"], tests="each_must", in_thread=True
    )
    assert first.exit_code == ExitCode.OK
    assert [v.target for v in first.coverage] == [V2] and first.coverage[0].below_bar() == []
    proven = {key for key, (state, _) in _items(_coverage(tmp_path)).items() if state == "proven"}
    assert "products filters must.category" in proven
    assert _items(_coverage(tmp_path))["products filters mustNot.color"][1].startswith(
        ("GET: dropped color=", "POST: dropped")
    )

    # The same reports folder, a run of the smoke suite only, with a bar: it proves less and says what.
    barred = run_gate_on_reference(
        tmp_path, versions=[V2], suites=["smoke"], defaults={"min_proven": 0.9}, in_thread=True
    )
    assert barred.exit_code == ExitCode.UNPROVEN and barred.result == "proved less than the bar"
    (smoke,) = barred.coverage
    assert smoke.below_bar()[0].endswith("below min_proven 90%")
    assert smoke.counts()["proven"] == 0 and set(smoke.newly_unproven) == proven
    # The smoke suite records what it sent: each operation and its 200, exercised (no property was checked).
    sent = _items(_coverage(tmp_path), "exercised")
    assert sent["products operations GET"] == ("exercised", _SMOKE) and sent["variants statuses POST 200"]
    assert {key.split(" ", 1)[1] for key in sent} == {"operations GET", "operations POST"} | {
        "statuses GET 200",
        "statuses POST 200",
    }
    history = (tmp_path / "reports" / "coverage-history.jsonl").read_text().splitlines()
    assert [json.loads(line)["target"] for line in history] == [V2, V2]
    assert barred.to_json()["coverage"][V2]["below_bar"] == smoke.below_bar()


def _variant_items(folder: Path, variant: str, suite: str, tests: str) -> dict[str, tuple[str, str]]:
    summary = run_gate_on_reference(
        folder, targets=[V2], suites=[suite], tests=tests, variant=variant, in_thread=True
    )
    assert summary.exit_code == ExitCode.OK, summary.failures
    return _items(_coverage(folder))


@pytest.mark.slow
def test_a_property_always_null_is_not_covered_with_the_reason(tmp_path: Path) -> None:
    items = _variant_items(tmp_path, "null-property", "shape", "no_parameters_give")
    assert items["products properties released"] == ("not covered", "never seen populated: null or absent")
    assert items["products properties rating"][0] == "proven"


@pytest.mark.slow
def test_a_filter_key_with_one_value_is_exercised_only_saying_why(tmp_path: Path) -> None:
    items = _variant_items(tmp_path, "single-valued-filter", "filters", "each_must_key or sort_desc_orders")
    assert items["products filters must.color"] == (
        "exercised",
        "every sampled item holds color='Red': nothing to narrow",
    )
    assert items["variants sort color desc"][0] == "exercised"
    assert items["products filters must.category"][0] == "proven"


@pytest.mark.slow
def test_one_language_leaves_languages_not_covered_with_the_reason(tmp_path: Path) -> None:
    items = _variant_items(tmp_path, "one-language", "filters", "localized_properties_differ")
    assert items["products languages en"] == (
        "not covered",
        "/products: one language is both configured and declared by the document",
    )
    assert items["variants languages en"][0] == "not covered"


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


@pytest.mark.slow
def test_each_run_keeps_its_counts_in_the_monitor_history_where_one_exists(tmp_path: Path) -> None:
    reports, history = tmp_path / "reports", tmp_path / "reports" / "monitor.db"
    targets = reference_targets(tmp_path, versions=[V2])
    targets.write_text(targets.read_text() + f'\n[monitor]\nhistory = "{history.as_posix()}"\n')
    assert run_gate_on(targets, reports, suites=["smoke"]).exit_code == ExitCode.OK
    assert not history.exists()  # a gate run never starts a monitor's history

    History.open(history).close()  # as `destwatch monitor` leaves it
    summary = run_gate_on(targets, reports, suites=["filters"], tests="each_must")
    (version,) = summary.coverage
    counts = version.counts()
    assert counts["proven"] > 0
    result = CliRunner().invoke(app, ["monitor", "--report", "--json", "--targets", str(targets)])
    (reported,) = json.loads(result.stdout)["versions"]
    assert {key: reported["coverage"][key.replace(" ", "_")] for key in counts} == counts
    assert reported["coverage"]["items"] == len(version.entries)
    shown = CliRunner().invoke(app, ["monitor", "--report", "--targets", str(targets)]).stdout
    assert f"{V2}: coverage {counts['proven']}/{len(version.entries)} proven" in " ".join(shown.split())
