"""The history: SQLite in WAL mode, one row per step per cycle, versioned, safe with two writers, pruned
by `keep_days`, and a clear error for a file that is not ours or comes from a newer destwatch."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from destwatch.errors import ConfigError
from destwatch.monitor.history import APPLICATION_ID, SCHEMA_VERSION, CoverageRow, History
from destwatch.monitor.outcomes import ProbeMemory, State
from kit.monitoring import EPOCH, FakeClock, cycle_report, monitor_on

ROOT = Path(__file__).resolve().parents[2]


def test_one_row_per_version_per_cycle_and_one_per_step_in_wal_mode(tmp_path: Path) -> None:
    history = History.open(tmp_path / "deep" / "monitor.db")
    history.record(cycle_report(EPOCH))
    history.record(cycle_report(EPOCH + 60, state=State.DOWN))
    db = sqlite3.connect(tmp_path / "deep" / "monitor.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("SELECT count(*) FROM cycles").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM steps").fetchone()[0] == 4
    latest = history.latest("d/v1")
    assert (
        latest is not None and latest.state is State.DOWN and latest.reasons == ("items GET: answered 503",)
    )
    counts = history.counts("d/v1", EPOCH, slower_than=0.01)
    assert (counts.cycles, counts.down, counts.samples, counts.slow) == (2, 1, 2, 2)
    assert history.percentile("d/v1", EPOCH, 95, samples=counts.samples) == 0.05
    assert history.timestamps("d/v1", EPOCH + 1) == [EPOCH + 60]
    history.close()


def test_a_history_from_a_newer_destwatch_gets_a_clear_error_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    History.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ConfigError) as caught:
        History.open(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: written by a newer destwatch (history schema {SCHEMA_VERSION + 1}")
    assert "Fix: upgrade destwatch" in message
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


@pytest.mark.parametrize("kind", ["garbage", "another-sqlite-file"])
def test_a_file_that_is_not_a_history_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "monitor.db"
    if kind == "garbage":
        path.write_bytes(b"this is not a database, but it is long enough to have a header" * 20)
    else:
        sqlite3.connect(path).execute("CREATE TABLE mine (x)").connection.commit()
    with pytest.raises(ConfigError, match="not a destwatch monitor history"):
        History.open(path)


def test_the_report_never_creates_a_history(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"no monitor history here yet\. Fix: run `destwatch monitor --once`"
    ):
        History.open(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_cycles_older_than_keep_days_are_pruned(tmp_path: Path) -> None:
    clock = FakeClock()
    with monitor_on(
        tmp_path, clock=clock, versions=["googleMarketplace/v1"], monitor={"keep_days": 2}
    ) as monitor:
        monitor.cycle()
        clock.advance(86400)
        monitor.cycle()
        clock.advance(86400 + 60)
        monitor.cycle()
        monitor.maintain(force=True)
        kept = monitor.history.timestamps("googleMarketplace/v1", 0)
    assert list(kept) == [EPOCH + 86400, EPOCH + 2 * 86400 + 60]
    db = sqlite3.connect(tmp_path / "monitor.db")
    assert db.execute("SELECT count(DISTINCT cycle_id) FROM steps").fetchone()[0] == 2


def test_what_a_probe_remembers_survives_a_restart(tmp_path: Path) -> None:
    history = History.open(tmp_path / "monitor.db")
    memory = ProbeMemory(
        "abc", '{"openapi":"3.0.3"}', {"empty": EPOCH, "token-errors": EPOCH + 1}, {"empty": "404"}
    )
    history.remember("d/v1", memory, EPOCH)
    history.close()
    again = History.open(tmp_path / "monitor.db").memory("d/v1")
    assert again == memory


def test_two_monitor_processes_write_one_history_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    writer = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from kit.monitoring import cycle_report
        from destwatch.monitor.history import History
        history = History.open(__import__("pathlib").Path({str(path)!r}))
        for n in range(150):
            history.record(cycle_report(1000.0 + n, target=sys.argv[1]))
            state = history.alert(sys.argv[1])
            history.save_alert(state)
        history.close()
        """
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", writer, f"d/v{n}"], stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        for n in (1, 2)
    ]
    for process in writers:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    db = sqlite3.connect(path)
    assert db.execute("SELECT target, count(*) FROM cycles GROUP BY target ORDER BY target").fetchall() == [
        ("d/v1", 150),
        ("d/v2", 150),
    ]
    assert db.execute("SELECT count(*) FROM steps").fetchone()[0] == 600


def test_a_schema_1_history_is_migrated_in_place_and_keeps_its_cycles(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    history = History.open(path)
    history.record(cycle_report(EPOCH))
    history.close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE maintenance")
    db.execute("DROP INDEX cycles_states")
    db.execute("DROP TABLE coverage")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    history = History.open(path)
    try:
        assert history.counts("d/v1", EPOCH, slower_than=1).cycles == 1
        history.start_maintenance(["d/v1"], EPOCH, EPOCH + 60, "upgrade")
        assert history.maintenance() == [(("d/v1",), EPOCH, EPOCH + 60, "upgrade")]
        assert history.coverage("d/v1") is None
        history.record_coverage(
            [CoverageRow("d/v1", EPOCH, 9, 0, 1, 0), CoverageRow("d/v1", EPOCH + 1, 8, 1, 0, 1)]
        )
        assert history.coverage("d/v1") == CoverageRow("d/v1", EPOCH + 1, 8, 1, 0, 1)
        history.prune(EPOCH + 2)
        assert history.coverage("d/v1") is None
    finally:
        history.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
