"""Instruments of the monitor's tests: a clock that moves only when told, targets.toml text with a
`[monitor]` table, monitors on the embedded reference, a loopback server that captures alerts, and a history
with a seeded outage (made by the real monitor against the reference on a fake clock) for the status pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from destwatch._tomllines import toml_value
from destwatch.monitor.clock import ManualClock
from destwatch.monitor.outcomes import CycleReport, Outcome, State, StepResult, VersionReport
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import embedded_targets

__all__ = [
    "DAY",
    "EPOCH",
    "CaptureServer",
    "FakeClock",
    "Outage",
    "cycle_report",
    "monitor_on",
    "monitor_table",
    "seed_outage",
    "version",
    "write_targets",
]

# Every test starts at the same instant: 2026-11-30T08:00:00Z.
EPOCH = 1_796_025_600.0


class FakeClock(ManualClock):
    """The monitor tests' clock, starting at `EPOCH` unless told otherwise."""

    def __init__(self, start: float = EPOCH) -> None:
        super().__init__(start)


def monitor_table(settings: Mapping[str, Any]) -> str:
    lines = ["[monitor]"]
    for key, value in settings.items():
        if isinstance(value, Mapping):
            inner = ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items())
            lines.append(f"{key} = {{ {inner} }}")
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def write_targets(
    folder: Path,
    *,
    versions: list[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    reference: Mapping[str, Any] | None = None,
    monitor: Mapping[str, Any] | None = None,
    text: str | None = None,
) -> Path:
    """A targets.toml for the embedded reference (or `text`), with a `[monitor]` table."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "targets.toml"
    body = (
        text
        if text is not None
        else embedded_targets(
            defaults={"max_rps": 1000.0, "timeout": 5.0, **(defaults or {})},
            reference=reference,
            versions=versions,
        )
    )
    settings = {
        "history": str(folder / "monitor.db"),
        "textfile": str(folder / "monitor.prom"),
        **(monitor or {}),
    }
    path.write_text(f"{body}\n{monitor_table(settings)}", encoding="utf-8")
    return path


@contextmanager
def monitor_on(
    folder: Path,
    *,
    fault: str | None = None,
    variant: str | None = None,
    clock: FakeClock | None = None,
    **targets: Any,
) -> Iterator[Monitor]:
    """A monitor on the embedded reference (with `fault` or `variant`), its history in `folder`."""
    path = write_targets(folder, **targets)
    options = MonitorOptions(path, fault=fault, variant=variant)
    with Monitor.start(options, clock=clock or FakeClock()) as monitor:
        yield monitor


def cycle_report(
    ts: float, target: str = "d/v1", state: State = State.UP, latency: float | None = 0.05
) -> CycleReport:
    """One cycle of one version (`d/v1`): its document and GET steps, down with a reason when `state` is."""
    steps = (
        StepResult("document", Outcome.OK, "hash 1", latency=0.01, status=200),
        StepResult(
            "get", Outcome.OK if state is not State.DOWN else Outcome.FAILED, "1 result", "items", "GET"
        ),
    )
    reasons = ("items GET: answered 503",) if state is State.DOWN else ()
    version = VersionReport(target, "d", target.split("/")[1], state, reasons, steps, 2, 5, 0.1, latency)
    return CycleReport(ts, (version,), 0.1)


def version(cycle: CycleReport, target: str) -> VersionReport:
    return next(v for v in cycle.versions if v.target == target)


@dataclass
class CaptureServer:
    """A loopback HTTP server that keeps every JSON body POSTed to it; `failing` answers 500 instead."""

    bodies: list[Any] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    failing: int = 0
    """How many of the next requests to refuse with a 500."""
    refused: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with capture._changed:
                    if capture.failing > 0:
                        capture.failing -= 1
                        capture.refused += 1
                        status = 500
                    else:
                        capture.bodies.append(json.loads(body))
                        capture.paths.append(self.path)
                        status = 200
                    capture._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        """The bodies once at least `count` arrived (waits on a condition, never sleeps blindly)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.bodies) >= count, timeout=timeout)
            return list(self.bodies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


# The status pages' history: the outage starts a minute after EPOCH; three days of cycles every 6 hours
# come first.
DAY = 86400.0


@dataclass
class Outage:
    """What the monitor saw: the targets file, the history and each cycle's (time, state) per version."""

    targets: Path
    history: Path
    now: float
    seen: dict[str, list[tuple[float, State]]]


def _targets(folder: Path, url: str) -> Path:
    path = folder / "targets.toml"
    served = embedded_targets(
        served_at=url,
        versions=["productCatalog/v1", "googleMarketplace/v1"],
        expectations=False,
        defaults={"max_rps": 1000.0, "timeout": 2.0},
    )
    monitor = f'[monitor]\nhistory = "{folder / "monitor.db"}"\ntextfile = "{folder / "monitor.prom"}"\n'
    path.write_text(f"{served}\n{monitor}", encoding="utf-8")
    return path


def seed_outage(folder: Path) -> Outage:
    """Three days of cycles every 6 h, then cycles a minute apart from 08:00 on 2026-11-30: up, the
    destination stopped (three cycles down), restarted on the same port (two cycles up).

    The caller puts the demo secrets in the environment (`demo_secrets()`).
    """
    clock = FakeClock(EPOCH - 3 * DAY)
    server = serve_in_thread(create_app())
    port = int(server.url.rsplit(":", 1)[1])
    options = MonitorOptions(_targets(folder, server.url))
    seen: dict[str, list[tuple[float, State]]] = {}

    def cycle(monitor: Monitor, then: float) -> None:
        for version in monitor.cycle().versions:
            seen.setdefault(version.target, []).append((clock.time(), version.state))
        clock.advance(then)

    with Monitor.start(options, clock=clock) as monitor:
        for _ in range(12):
            cycle(monitor, 6 * 3600)
        cycle(monitor, 60)  # 2026-11-30 08:00: up
        server.stop()
        for _ in range(3):
            cycle(monitor, 60)  # 08:01, 08:02, 08:03: down
        with serve_in_thread(create_app(), port=port):
            cycle(monitor, 60)  # 08:04: up again
            cycle(monitor, 60)  # 08:05
    return Outage(options.targets, folder / "monitor.db", clock.time(), seen)
