"""`destwatch monitor` on the command line: `--once` exits 0 when nothing is down, 1 when something is, 2 on
configuration and usage errors, 4 on a bug of ours; `--report` prints the SLOs (table or JSON); `--every`
with `--for` is a bounded service."""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.monitor.history import SCHEMA_VERSION
from destwatch.monitor.service import Monitor
from kit.monitoring import write_targets


def _monitor(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["monitor", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    return write_targets(tmp_path, reference={"token_ttl": 3600})


def test_once_on_the_reference_exits_0_and_writes_the_history_and_the_textfile(targets: Path) -> None:
    code, out, err = _monitor("--once", "--targets", str(targets))
    assert code == 0, out + err
    assert "nothing is down (4 versions" in out and "productCatalog/v2" in out
    db = sqlite3.connect(targets.parent / "monitor.db")
    assert db.execute("SELECT count(*) FROM cycles").fetchone()[0] == 4
    assert "destwatch_monitor_up{" in (targets.parent / "monitor.prom").read_text()


def test_once_exits_1_when_something_is_down_and_says_what_and_why(targets: Path) -> None:
    code, out, _ = _monitor("--once", "--targets", str(targets), "--fault", "empty-results-null", "--json")
    assert code == 1
    cycle = json.loads(out)
    assert set(cycle["down"]) == {"productCatalog/v2", "productCatalog/v3", "googleMarketplace/v1"}
    v2 = next(v for v in cycle["versions"] if v["target"] == "productCatalog/v2")
    assert v2["state"] == "down" and v2["requests"] <= v2["request_budget"] == 8
    assert v2["reasons"] == [
        "empty (products GET): `results` is null (expected []) for a query that matches nothing"
    ]
    assert {step["step"] for step in v2["steps"]} >= {"document", "token", "get", "post", "empty", "tls"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "destwatch: no mode. Fix: pass one of --once, --every 60s or --report"),
        (("--once", "--report"), "destwatch: --once and --report together. Fix: pass one of"),
        (("--every", "10 parsecs"), "destwatch: --every '10 parsecs' is not a duration; write"),
        (("--once", "--for", "1m"), "destwatch: --for bounds a service. Fix: use it with --every"),
        (("--once", "--metrics-port", "9108"), "destwatch: --metrics-port serves a service's metrics"),
        (("--once", "--target", "nope"), "--target: no destination or version named 'nope'"),
        (("--once", "--fault", "hnag"), "unknown fault 'hnag'. Fix: choose one of"),
    ],
)
def test_usage_errors_exit_2_with_one_line(targets: Path, args: tuple[str, ...], words: str) -> None:
    code, out, err = _monitor(*args, "--targets", str(targets))
    assert code == 2, out + err
    assert words in err and len(err.strip().splitlines()) == 1, err


def test_configuration_errors_exit_2_naming_the_line(tmp_path: Path) -> None:
    targets = write_targets(tmp_path, monitor={"renotify": "soon"})
    code, _, err = _monitor("--once", "--targets", str(targets))
    assert code == 2 and f"{targets}:" in err and "monitor.renotify: 'soon' is not a duration" in err


def test_a_history_from_a_newer_destwatch_exits_2(targets: Path) -> None:
    assert _monitor("--once", "--targets", str(targets))[0] == 0
    db = sqlite3.connect(targets.parent / "monitor.db")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    for mode in ("--once", "--report"):
        code, _, err = _monitor(mode, "--targets", str(targets))
        assert code == 2 and "written by a newer destwatch" in err


def test_a_bug_of_ours_exits_4_in_one_line(targets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Monitor, stop: object = None) -> None:
        raise RuntimeError("the probe tripped over its own feet")

    monkeypatch.setattr(Monitor, "cycle", broken)
    code, _, err = _monitor("--once", "--targets", str(targets))
    assert code == 4
    assert (
        err.strip() == "destwatch error: RuntimeError: the probe tripped over its own feet — please report it"
    )


def test_report_prints_every_window_and_burn_rate_as_a_table_and_as_json(targets: Path) -> None:
    assert _monitor("--once", "--targets", str(targets))[0] == 0
    assert _monitor("--once", "--targets", str(targets), "--fault", "post-skips-auth")[0] == 1
    code, out, _ = _monitor("--report", "--targets", str(targets))
    assert code == 0
    for words in (
        "SLOs at",
        "availability 99.9 %",
        "p95 ≤ 500 ms",
        "30d",
        "fast",
        "1h & 5m",
        "14.4",
    ):
        assert words in out, words
    assert "productCatalog/v2: down at" in out
    code, out, _ = _monitor("--report", "--targets", str(targets), "--json", "--target", "productCatalog")
    report = json.loads(out)
    assert [v["target"] for v in report["versions"]] == [
        "productCatalog/v1",
        "productCatalog/v2",
        "productCatalog/v3",
    ]
    v2 = report["versions"][1]
    assert v2["state"] == "down" and v2["alert"]["consecutive_failures"] == 1 and not v2["alert"]["firing"]
    day = next(w for w in v2["windows"] if w["window"] == "24h")
    assert (day["cycles"], day["down"], day["availability"]) == (2, 1, 0.5)
    assert [b["alert"] for b in v2["burn_rates"]] == ["fast", "slow", "ticket"]


def test_report_without_a_history_says_how_to_make_one(targets: Path) -> None:
    code, _, err = _monitor("--report", "--targets", str(targets))
    assert code == 2 and "no monitor history here yet. Fix: run `destwatch monitor --once`" in err


def test_every_with_for_is_a_bounded_service_printing_each_cycle(targets: Path) -> None:
    code, out, err = _monitor(
        "--every", "100ms", "--for", "350ms", "--json", "--metrics-port", "0", "--targets", str(targets)
    )
    assert code == 0, err
    cycles = [json.loads(line) for line in out.splitlines()]
    # How many cycles fit depends on this machine's speed; the schedule itself is tested on a fake clock.
    assert 1 <= len(cycles) <= 4 and all(not cycle["down"] for cycle in cycles)
    assert "monitoring 4 destination versions every 0.1 s for 0.35 s" in err
    assert "metrics on http://127.0.0.1:" in err


def test_maintenance_from_the_command_line_is_recorded_and_the_audit_report_counts_it_apart(
    targets: Path,
) -> None:
    code, out, err = _monitor(
        "maintenance",
        "start",
        "--target",
        "productCatalog/v2",
        "--reason",
        "upgrade",
        "--targets",
        str(targets),
    )
    assert (
        code == 0 and "maintenance started for productCatalog/v2 until `maintenance end`: upgrade" in out
    ), err
    code, out, _ = _monitor("--once", "--json", "--targets", str(targets))
    states = {v["target"]: v["state"] for v in json.loads(out)["versions"]}
    assert code == 0 and states["productCatalog/v2"] == "maintenance" and states["productCatalog/v3"] == "up"
    code, out, _ = _monitor("maintenance", "end", "--target", "productCatalog/v2", "--targets", str(targets))
    assert code == 0 and "maintenance ended for productCatalog/v2" in out
    assert _monitor("--once", "--targets", str(targets))[0] == 0
    as_of = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    args = ("--report", "--window", "30d", "--format", "json", "--as-of", as_of.isoformat(), "--targets")
    first, second = _monitor(*args, str(targets)), _monitor(*args, str(targets))
    assert first[0] == 0 and first[1] == second[1]
    v2 = next(v for v in json.loads(first[1])["versions"] if v["target"] == "productCatalog/v2")
    assert (v2["recorded"], v2["maintenance"], v2["counted"], v2["availability"]) == (2, 1, 1, "100.0000")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("maintenance", "start"), "--reason: a window needs its reason. Fix: add --reason"),
        (("maintenance", "end"), "no open maintenance window covers exactly *. Fix: pass the same"),
        (
            ("maintenance", "pause"),
            "unknown `maintenance pause`. Fix: `destwatch monitor maintenance start|end`",
        ),
        (
            ("--report", "--window", "7d"),
            "--window 7d is not a report window. Fix: pass one of 30d, 90d, 365d",
        ),
        (("--report", "--window", "30d", "--format", "xml"), "--format xml is not a report format"),
        (("--report", "--window", "30d", "--as-of", "2026-12-01T00:00:00"), "has no UTC offset. Fix:"),
        (("--report", "--format", "md"), "--format shape the auditable report. Fix: use --report --window"),
        (("--report", "--window", "30d", "--json"), "--json is the table's JSON. Fix: with --window, pass"),
    ],
)
def test_maintenance_and_audit_mistakes_exit_2_with_one_line(
    targets: Path, args: tuple[str, ...], words: str
) -> None:
    code, out, err = _monitor(*args, "--targets", str(targets))
    assert code == 2, out + err
    assert words in err and len(err.strip().splitlines()) == 1, err
