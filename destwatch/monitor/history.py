"""The monitor's history: one SQLite file (`reports/monitor.db` by default), safe with two monitors writing.

Tables: `cycles` (one row per version per cycle: state, reasons, the slowest data answer, requests sent),
`steps` (one row per step per cycle), `documents` (each version's last valid document, normalized and
redacted, for drift), `marks` (when the optional steps last ran and why they failed), `alerts` (each version's
alert state, so a restart never repeats an alert), `outbox` (notifications, each channel apart, until
delivered), `maintenance` (windows started from the command line; schema 2) and `coverage` (what each gate run
proved of each version, kept where the gate finds this history; schema 3). WAL mode, a busy timeout, and
every write in a short `BEGIN IMMEDIATE` transaction: a second monitor waits its turn instead of failing. The
schema is versioned (`PRAGMA user_version`); a file from a newer destwatch is refused with a clear error,
never rewritten. Nothing secret is stored: every text passes through `destwatch.redact.redact`.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from destwatch.errors import ConfigError
from destwatch.monitor.alerts import AlertState
from destwatch.monitor.outcomes import OPTIONAL_STEPS, CycleReport, Outcome, ProbeMemory, State, StepResult
from destwatch.redact import redact

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "Counts",
    "CoverageRow",
    "CycleRow",
    "FailedStep",
    "History",
    "Latest",
    "Notification",
    "StepLatency",
    "nearest_rank",
]

SCHEMA_VERSION = 3
# "dwmh" (destwatch monitor history): `PRAGMA application_id`, so a file is known to be ours.
APPLICATION_ID = 0x64776D68
_BUSY_TIMEOUT_MS = 30_000
# The `marks` row keeping until when a version's last Retry-After holds (its `ts`).
_THROTTLED_MARK = "retry-after"

_SCHEMA = """
CREATE TABLE cycles (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    ok INTEGER NOT NULL,
    latency REAL,
    requests INTEGER NOT NULL,
    duration REAL NOT NULL,
    reasons TEXT NOT NULL
);
CREATE INDEX cycles_slo ON cycles (target, ts, ok, latency);
CREATE INDEX cycles_time ON cycles (ts);
CREATE TABLE steps (
    cycle_id INTEGER NOT NULL,
    step TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    method TEXT NOT NULL,
    outcome TEXT NOT NULL,
    latency REAL,
    status INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX steps_cycle ON steps (cycle_id);
CREATE TABLE documents (
    target TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    document TEXT NOT NULL,
    seen REAL NOT NULL
);
CREATE TABLE marks (
    target TEXT NOT NULL,
    step TEXT NOT NULL,
    ts REAL NOT NULL,
    failing TEXT,
    PRIMARY KEY (target, step)
);
CREATE TABLE alerts (
    target TEXT PRIMARY KEY,
    firing INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    successes INTEGER NOT NULL,
    since REAL,
    notified REAL,
    reasons TEXT NOT NULL
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    lease REAL,
    delivered REAL,
    gave_up REAL,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (delivered, gave_up, next_try);
"""

# What each schema version adds to the one before: a file of an older destwatch is migrated on open.
_MIGRATIONS = {
    2: """
CREATE TABLE maintenance (
    id INTEGER PRIMARY KEY,
    targets TEXT NOT NULL,
    start REAL NOT NULL,
    finish REAL,
    reason TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX cycles_states ON cycles (target, ts, state);
""",
    3: """
CREATE TABLE coverage (
    ts REAL NOT NULL,
    target TEXT NOT NULL,
    proven INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    exercised INTEGER NOT NULL,
    not_covered INTEGER NOT NULL
);
CREATE INDEX coverage_latest ON coverage (target, ts);
""",
}


@dataclass(frozen=True)
class Counts:
    """One version's cycles in a window, counted by SQLite (a 30-day window never leaves the database)."""

    cycles: int
    """Cycles counted: every cycle but those inside a maintenance window."""
    down: int
    throttled: int
    samples: int
    """Cycles with a latency (a data answer came)."""
    slow: int
    """Of those, the cycles slower than the latency bound asked for."""


@dataclass(frozen=True)
class Latest:
    """A version's last recorded cycle."""

    target: str
    ts: float
    state: State
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CoverageRow:
    """What one gate run proved of a version: its coverage items counted by state."""

    target: str
    ts: float
    proven: int
    failed: int
    exercised: int
    not_covered: int

    @property
    def items(self) -> int:
        return self.proven + self.failed + self.exercised + self.not_covered

    def words(self) -> str:
        """`161/167 proven, 6 exercised only`, as the gate's reports say it."""
        others = (
            ("failed", self.failed),
            ("exercised only", self.exercised),
            ("not covered", self.not_covered),
        )
        return f"{self.proven}/{self.items} proven" + "".join(f", {n} {words}" for words, n in others if n)


@dataclass(frozen=True)
class CycleRow:
    """One recorded cycle of one version (what the status page draws from)."""

    id: int
    ts: float
    state: State
    latency: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FailedStep:
    """A step that failed in a recorded cycle, named as reasons name it (`products GET`, `token`)."""

    cycle_id: int
    ts: float
    label: str
    detail: str


@dataclass(frozen=True)
class StepLatency:
    """How long one step of a recorded cycle took, the step named as reasons name it."""

    ts: float
    label: str
    latency: float


@dataclass(frozen=True)
class Notification:
    """One alert event for one channel, waiting in the outbox."""

    id: int
    target: str
    event: str
    channel: str
    payload: str
    attempts: int
    created: float


class History:
    """An open history file. `History.open(path)` creates it when missing (and its folder).

    Use one `History` per thread; the file itself may be shared by several processes.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> History:
        """Open (and when `create`, create) the history at `path`; `ConfigError` when it is not usable."""
        path = Path(path)
        if not create and not path.exists():
            raise ConfigError(
                "no monitor history here yet",
                file=path,
                fix="run `destwatch monitor --once` (or --every) first, or pass the right --history",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the monitor history ({exc})",
                file=path,
                fix="point --history at a writable file",
            ) from None
        try:
            _prepare(connection, path)
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise ConfigError(
                f"not a destwatch monitor history (SQLite: {exc})",
                file=path,
                fix="point [monitor] history (or --history) at another file, or move this one away",
            ) from None
        except ConfigError:
            connection.close()
            raise
        return cls(path, connection)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (`BEGIN IMMEDIATE`): another process waits, never interleaves."""
        db = self._db
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # -- cycles ------------------------------------------------------------------------------------------

    def record(self, cycle: CycleReport) -> None:
        """One row per version and one per step, in one transaction."""
        with self.transaction() as db:
            for version in cycle.versions:
                cursor = db.execute(
                    "INSERT INTO cycles (ts, target, state, ok, latency, requests, duration, reasons) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        cycle.started,
                        version.target,
                        version.state.value,
                        int(version.state is not State.DOWN),
                        version.latency,
                        version.requests,
                        version.duration,
                        redact(json.dumps(list(version.reasons), ensure_ascii=False)),
                    ),
                )
                db.executemany(
                    "INSERT INTO steps (cycle_id, step, endpoint, method, outcome, latency, status, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            cursor.lastrowid,
                            step.step,
                            step.endpoint,
                            step.method,
                            step.outcome.value,
                            step.latency,
                            step.status,
                            redact(step.detail),
                        )
                        for step in version.steps
                    ],
                )

    def counts(self, target: str, since: float, *, slower_than: float, until: float = math.inf) -> Counts:
        """The version's cycles in [since, until), maintenance left out: how many, how many down and
        throttled, with a latency, and slower than."""
        cycles, ok, throttled, samples, slow = self._db.execute(
            "SELECT count(*), total(ok), total(state = 'throttled'), count(latency), total(latency > ?) "
            "FROM cycles WHERE target = ? AND ts >= ? AND ts < ? AND state != 'maintenance'",
            (slower_than, target, since, until),
        ).fetchone()
        return Counts(cycles, cycles - int(ok), int(throttled), samples, int(slow))

    def percentile(
        self, target: str, since: float, percentile: float, *, samples: int, until: float = math.inf
    ) -> float | None:
        """The nearest-rank `percentile` of the version's `samples` cycle latencies in [since, until) (the
        count `counts` gave)."""
        if not samples:
            return None
        rank = _rank(percentile, samples)
        row = self._db.execute(
            "SELECT latency FROM cycles WHERE target = ? AND ts >= ? AND ts < ? AND latency IS NOT NULL "
            "AND state != 'maintenance' ORDER BY latency LIMIT 1 OFFSET ?",
            (target, since, until, rank - 1),
        ).fetchone()
        return float(row[0])

    def cycles(self, target: str, since: float) -> list[CycleRow]:
        """The version's cycles from `since` on, oldest first."""
        rows = self._db.execute(
            "SELECT id, ts, state, latency, reasons FROM cycles WHERE target = ? AND ts >= ? ORDER BY ts",
            (target, since),
        ).fetchall()
        return [CycleRow(i, ts, State(state), lat, tuple(json.loads(r))) for i, ts, state, lat, r in rows]

    def failed_steps(self, target: str, since: float) -> list[FailedStep]:
        """The steps that failed in the version's cycles from `since` on, oldest first."""
        rows = self._db.execute(
            "SELECT c.id, c.ts, s.step, s.endpoint, s.method, s.detail FROM steps s "
            "JOIN cycles c ON s.cycle_id = c.id WHERE c.target = ? AND c.ts >= ? AND s.outcome = ? "
            "ORDER BY c.ts, s.rowid",
            (target, since, Outcome.FAILED.value),
        ).fetchall()
        return [
            FailedStep(cycle_id, ts, StepResult(step, Outcome.FAILED, endpoint=e, method=m).label, detail)
            for cycle_id, ts, step, e, m, detail in rows
        ]

    def step_latencies(self, target: str, since: float, steps: Sequence[str]) -> list[StepLatency]:
        """The latencies of the named steps in the version's cycles from `since` on, oldest first."""
        marks = ", ".join("?" for _ in steps)
        rows = self._db.execute(
            "SELECT c.ts, s.step, s.endpoint, s.method, s.latency FROM steps s "
            "JOIN cycles c ON s.cycle_id = c.id "
            f"WHERE c.target = ? AND c.ts >= ? AND s.step IN ({marks}) AND s.latency IS NOT NULL "
            "ORDER BY c.ts",
            (target, since, *steps),
        ).fetchall()
        return [
            StepLatency(ts, StepResult(step, Outcome.OK, endpoint=e, method=m).label, latency)
            for ts, step, e, m, latency in rows
        ]

    def timestamps(self, target: str, since: float, *, until: float = math.inf) -> list[float]:
        """When the version's cycles in [since, until) started, oldest first."""
        rows = self._db.execute(
            "SELECT ts FROM cycles WHERE target = ? AND ts >= ? AND ts < ? ORDER BY ts",
            (target, since, until),
        ).fetchall()
        return [row[0] for row in rows]

    def states(self, target: str, since: float, until: float) -> dict[str, int]:
        """How many of the version's cycles in [since, until) ended in each state."""
        rows = self._db.execute(
            "SELECT state, count(*) FROM cycles WHERE target = ? AND ts >= ? AND ts < ? GROUP BY state",
            (target, since, until),
        )
        return dict(rows.fetchall())

    def latest(self, target: str) -> Latest | None:
        row = self._db.execute(
            "SELECT ts, state, reasons FROM cycles WHERE target = ? ORDER BY ts DESC LIMIT 1", (target,)
        ).fetchone()
        if row is None:
            return None
        return Latest(target, row[0], State(row[1]), tuple(json.loads(row[2])))

    def targets(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT DISTINCT target FROM cycles ORDER BY target")]

    # -- coverage from gate runs -----------------------------------------------------------------------------

    def record_coverage(self, rows: Sequence[CoverageRow]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO coverage (ts, target, proven, failed, exercised, not_covered) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(r.ts, r.target, r.proven, r.failed, r.exercised, r.not_covered) for r in rows],
            )

    def coverage(self, target: str) -> CoverageRow | None:
        """The version's coverage as the last gate run that kept it here counted it."""
        row = self._db.execute(
            "SELECT ts, proven, failed, exercised, not_covered FROM coverage WHERE target = ? "
            "ORDER BY ts DESC LIMIT 1",
            (target,),
        ).fetchone()
        return None if row is None else CoverageRow(target, *row)

    def prune(self, before: float) -> int:
        """Forget cycles (and their steps), gate runs' coverage and sent notifications older than `before`;
        how many cycles."""
        with self.transaction() as db:
            db.execute("DELETE FROM steps WHERE cycle_id IN (SELECT id FROM cycles WHERE ts < ?)", (before,))
            gone = db.execute("DELETE FROM cycles WHERE ts < ?", (before,)).rowcount
            db.execute("DELETE FROM coverage WHERE ts < ?", (before,))
            db.execute(
                "DELETE FROM outbox WHERE created < ? AND (delivered IS NOT NULL OR gave_up IS NOT NULL)",
                (before,),
            )
        return gone

    # -- maintenance windows from the command line -------------------------------------------------------

    def start_maintenance(self, targets: Sequence[str], start: float, end: float | None, reason: str) -> int:
        """Record a window (`end` None: until ended); its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO maintenance (targets, start, finish, reason, created) VALUES (?, ?, ?, ?, ?)",
                (json.dumps(list(targets)), start, end, redact(reason), start),
            )
        return int(cursor.lastrowid or 0)

    def end_maintenance(self, targets: Sequence[str], now: float) -> int:
        """End now every window open at `now` naming exactly these targets; how many were ended."""
        with self.transaction() as db:
            return db.execute(
                "UPDATE maintenance SET finish = ? WHERE targets = ? AND start <= ? "
                "AND (finish IS NULL OR finish > ?)",
                (now, json.dumps(list(targets)), now, now),
            ).rowcount

    def maintenance(self) -> list[tuple[tuple[str, ...], float, float | None, str]]:
        """Every recorded window as (targets, start, end, reason), oldest first."""
        rows = self._db.execute("SELECT targets, start, finish, reason FROM maintenance ORDER BY start, id")
        return [(tuple(json.loads(t)), start, end, reason) for t, start, end, reason in rows]

    # -- what a probe remembers --------------------------------------------------------------------------

    def memory(self, target: str) -> ProbeMemory:
        memory = ProbeMemory()
        row = self._db.execute("SELECT hash, document FROM documents WHERE target = ?", (target,)).fetchone()
        if row is not None:
            memory.document_hash, memory.document_text = row
        for step, ts, failing in self._db.execute(
            "SELECT step, ts, failing FROM marks WHERE target = ?", (target,)
        ):
            if step == _THROTTLED_MARK:
                memory.throttled_until = ts
                continue
            memory.last_run[step] = ts
            if failing is not None:
                memory.failing[step] = failing
        return memory

    def remember(self, target: str, memory: ProbeMemory, now: float) -> None:
        with self.transaction() as db:
            if memory.document_hash is not None and memory.document_text is not None:
                db.execute(
                    "INSERT INTO documents (target, hash, document, seen) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (target) DO UPDATE SET hash = excluded.hash, document = excluded.document, "
                    "seen = excluded.seen",
                    (target, memory.document_hash, redact(memory.document_text), now),
                )
            if memory.throttled_until is not None:
                db.execute(
                    "INSERT INTO marks (target, step, ts, failing) VALUES (?, ?, ?, NULL) "
                    "ON CONFLICT (target, step) DO UPDATE SET ts = excluded.ts",
                    (target, _THROTTLED_MARK, memory.throttled_until),
                )
            for step in OPTIONAL_STEPS:
                if step in memory.last_run:
                    failing = memory.failing.get(step)
                    db.execute(
                        "INSERT INTO marks (target, step, ts, failing) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (target, step) DO UPDATE SET ts = excluded.ts, "
                        "failing = excluded.failing",
                        (target, step, memory.last_run[step], redact(failing) if failing else None),
                    )

    # -- alerts ------------------------------------------------------------------------------------------

    def alert(self, target: str) -> AlertState:
        row = self._db.execute(
            "SELECT firing, failures, successes, since, notified, reasons FROM alerts WHERE target = ?",
            (target,),
        ).fetchone()
        if row is None:
            return AlertState(target)
        firing, failures, successes, since, notified, reasons = row
        return AlertState(
            target, bool(firing), failures, successes, since, notified, tuple(json.loads(reasons))
        )

    def save_alert(self, state: AlertState) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO alerts (target, firing, failures, successes, since, notified, reasons) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET firing = excluded.firing, "
                "failures = excluded.failures, successes = excluded.successes, since = excluded.since, "
                "notified = excluded.notified, reasons = excluded.reasons",
                (
                    state.target,
                    int(state.firing),
                    state.failures,
                    state.successes,
                    state.since,
                    state.notified,
                    redact(json.dumps(list(state.reasons), ensure_ascii=False)),
                ),
            )

    # -- the outbox --------------------------------------------------------------------------------------

    def enqueue(self, target: str, event: str, channels: Sequence[str], payload: str, now: float) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO outbox (created, target, event, channel, payload, next_try) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(now, target, event, channel, redact(payload), now) for channel in channels],
            )

    def claim_due(self, now: float, *, lease: float) -> list[Notification]:
        """The notifications due now, leased to this process for `lease` seconds (others skip them)."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT id, target, event, channel, payload, attempts, created FROM outbox "
                "WHERE delivered IS NULL AND gave_up IS NULL AND next_try <= ? "
                "AND (lease IS NULL OR lease < ?) ORDER BY id",
                (now, now),
            ).fetchall()
            db.executemany(
                "UPDATE outbox SET lease = ? WHERE id = ?", [(now + lease, row[0]) for row in rows]
            )
        return [Notification(*row) for row in rows]

    def delivered(self, notification: Notification, now: float) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET delivered = ?, attempts = attempts + 1, lease = NULL, error = '' "
                "WHERE id = ?",
                (now, notification.id),
            )

    def failed(self, notification: Notification, error: str, *, retry_at: float | None, now: float) -> None:
        """Record a failed attempt: retried at `retry_at`, or given up when it is None."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, lease = NULL, error = ?, next_try = ?, "
                "gave_up = ? WHERE id = ?",
                (
                    redact(error),
                    retry_at if retry_at is not None else now,
                    None if retry_at else now,
                    notification.id,
                ),
            )

    def outbox(self) -> list[tuple[str, str, str, int, bool, str]]:
        """(target, event, channel, attempts, delivered, error) of every notification, oldest first."""
        rows = self._db.execute(
            "SELECT target, event, channel, attempts, delivered IS NOT NULL, error FROM outbox ORDER BY id"
        ).fetchall()
        return [(t, e, c, a, bool(d), err) for t, e, c, a, d, err in rows]


def nearest_rank(ordered: Sequence[float], percentile: float) -> float | None:
    """The nearest-rank `percentile` of values sorted ascending, as `History.percentile` counts it."""
    if not ordered:
        return None
    return ordered[_rank(percentile, len(ordered)) - 1]


def _rank(percentile: float, samples: int) -> int:
    return max(1, math.ceil(percentile / 100 * samples))


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """WAL mode and a busy timeout; the schema created in an empty file, checked in any other."""
    db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        application = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if version == 0 and application == 0 and tables == 0:
            _run(db, _SCHEMA)
            for migration in _MIGRATIONS.values():
                _run(db, migration)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            application, version = APPLICATION_ID, SCHEMA_VERSION
        elif application == APPLICATION_ID and 0 < version < SCHEMA_VERSION:
            for number in range(version + 1, SCHEMA_VERSION + 1):
                _run(db, _MIGRATIONS[number])
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            version = SCHEMA_VERSION
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    if application != APPLICATION_ID:
        raise ConfigError(
            "not a destwatch monitor history (another SQLite file)",
            file=path,
            fix="point [monitor] history (or --history) at another file",
        )
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"written by a newer destwatch (history schema {version}; this destwatch reads up to "
            f"{SCHEMA_VERSION})",
            file=path,
            fix="upgrade destwatch (pip install -U destwatch), or point [monitor] history elsewhere",
        )


def _run(db: sqlite3.Connection, script: str) -> None:
    # One statement at a time: executescript would commit the transaction first.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
