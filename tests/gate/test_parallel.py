"""One gate, many processes: `--jobs 2` (pytest-xdist) and CI shards joined by `destwatch report merge` write
the summary a single serial run writes; `destwatch targets --matrix` plans the shards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from destwatch.gate.plugin.workers import version_of

ROOT = Path(__file__).resolve().parents[2]
DESTWATCH = str(Path(sys.executable).with_name("destwatch"))
# auth holds the cross-version clauses (a token of one version refused by the others).
SELECTION = ("--suite", "smoke", "--suite", "shape", "--suite", "auth")
VERSIONS = ("productCatalog/v1", "productCatalog/v2", "googleMarketplace/v1")


def _destwatch(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DESTWATCH, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env=os.environ
    )


def _gate(reports: Path, *args: str) -> dict[str, Any]:
    done = _destwatch("run", "--reports", str(reports), *SELECTION, *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((reports / "summary.json").read_text(encoding="utf-8"))


def _comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary without what no two runs share: timings, the reference's port, report paths, and token
    refreshes (their number follows the clock: the reference's tokens live 4 s)."""
    rows = [{k: v for k, v in row.items() if k != "duration"} for row in summary["rows"]]
    targets = {
        name: {
            "protected": usage["protected"],
            "spec_needed_token": usage["spec_needed_token"],
            "data_requests": usage["requests"] - usage["tokens_fetched"] - usage["auth_grants"],
        }
        for name, usage in summary["targets"].items()
    }
    # Coverage too: each item's evidence comes from its test, whichever process or shard ran it.
    kept = ("exit_code", "result", "totals", "unreachable", "seed", "fault", "variant", "coverage")
    return {**{key: summary[key] for key in kept}, "rows": rows, "targets": targets}


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    reports = tmp_path_factory.mktemp("serial")
    return _gate(reports, "--jobs", "1", *(arg for name in VERSIONS for arg in ("--target", name)))


@pytest.mark.slow
def test_two_jobs_write_the_summary_a_serial_run_writes(tmp_path: Path, serial: dict[str, Any]) -> None:
    parallel = _gate(tmp_path, "--jobs", "2", *(arg for name in VERSIONS for arg in ("--target", name)))
    assert _comparable(parallel) == _comparable(serial)
    assert serial["totals"]["passed"] > 40
    lines = (tmp_path / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == sum(usage["requests"] for usage in parallel["targets"].values())


@pytest.mark.slow
def test_shards_by_destination_joined_by_report_merge_equal_one_run(
    tmp_path: Path, serial: dict[str, Any]
) -> None:
    shards = [tmp_path / "productCatalog", tmp_path / "googleMarketplace"]
    _gate(shards[0], "--target", "productCatalog/v1", "--target", "productCatalog/v2")
    _gate(shards[1], "--target", "googleMarketplace/v1")
    done = _destwatch("report", "merge", *map(str, shards), "--into", str(tmp_path / "joined"))
    assert done.returncode == 0, done.stdout + done.stderr
    joined = json.loads((tmp_path / "joined" / "summary.json").read_text(encoding="utf-8"))
    assert _comparable(joined) == _comparable(serial)
    assert joined["shards"] == ["productCatalog", "googleMarketplace"]
    coverage = json.loads((tmp_path / "joined" / "coverage.json").read_text(encoding="utf-8"))
    assert [version["target"] for version in coverage["versions"]] == sorted(VERSIONS)
    cases = ElementTree.parse(tmp_path / "joined" / "junit.xml").getroot().iter("testcase")
    total = joined["totals"]
    assert sum(1 for _ in cases) == total["passed"] + total["failed"] + total["skipped"]
    allure = list((tmp_path / "joined" / "allure-results").glob("*-result.json"))
    assert len(allure) == sum(len(list((s / "allure-results").glob("*-result.json"))) for s in shards)
    assert sorted(p.name for p in (tmp_path / "joined" / "specs").iterdir()) == [
        "googleMarketplace-v1.openapi.json",
        "productCatalog-v1.openapi.json",
        "productCatalog-v2.openapi.json",
    ]


@pytest.mark.slow
def test_a_shard_of_one_version_says_which_cross_version_clause_it_leaves_out(tmp_path: Path) -> None:
    summary = _gate(tmp_path, "--target", "productCatalog/v1", "--suite", "auth")
    assert summary["totals"]["skipped"] >= 1
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert "productCatalog/v1: no other protected version in this run" in junit


@pytest.mark.slow
def test_a_shard_that_found_a_violation_makes_the_whole_run_exit_1(tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    _gate(good, "--target", "googleMarketplace/v1", "--suite", "smoke")
    done = _destwatch(
        "run",
        "--reports",
        str(bad),
        "--target",
        "productCatalog/v1",
        "--suite",
        "shape",
        "--fault",
        "empty-results-null",
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    merged = _destwatch("report", "merge", str(good), str(bad), "--into", str(tmp_path / "joined"))
    assert merged.returncode == 1, merged.stdout + merged.stderr
    joined = json.loads((tmp_path / "joined" / "summary.json").read_text(encoding="utf-8"))
    assert joined["result"] == "contract violations" and joined["totals"]["failed"] >= 1


def test_merge_names_a_folder_without_a_summary(tmp_path: Path) -> None:
    done = _destwatch("report", "merge", str(tmp_path / "missing"), "--into", str(tmp_path / "joined"))
    assert done.returncode == 2
    assert "missing: no summary.json" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_matrix_lists_one_job_per_version_or_destination() -> None:
    by_version = json.loads(_destwatch("targets", "--matrix").stdout)
    assert [job["target"] for job in by_version["include"]] == [
        "productCatalog/v1",
        "productCatalog/v2",
        "productCatalog/v3",
        "googleMarketplace/v1",
    ]
    assert by_version["include"][0] == {
        "target": "productCatalog/v1",
        "name": "productCatalog-v1",
        "reports": "reports/productCatalog-v1",
    }
    by_destination = json.loads(_destwatch("targets", "--matrix", "--by", "destination").stdout)
    assert [job["target"] for job in by_destination["include"]] == ["productCatalog", "googleMarketplace"]


def test_the_scheduler_groups_items_by_the_version_their_parameters_name() -> None:
    version = version_of(["shop/v1", "shop/v10", "feed/v2"])
    assert version("suites/smoke/test_smoke.py::test_a[shop/v1]") == "shop/v1"
    assert version("suites/shape/test_top.py::test_b[shop/v10/products-GET]") == "shop/v10"
    assert version("suites/auth/test_x.py::test_c[GET-feed/v2/items]") == "feed/v2"
    assert version("suites/auth/test_x.py::test_c[GET-feed/v20/items]") is None
    assert version("tests/test_plain.py::test_d") is None
