"""Instruments of the monitor's tests: a clock that moves only when told, targets.toml text with a
`[monitor]` table, monitors on the embedded reference, and a loopback server that captures alerts."""

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
from destwatch.monitor.outcomes import CycleReport, VersionReport
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference.targets import embedded_targets

__all__ = ["CaptureServer", "FakeClock", "monitor_on", "monitor_table", "version", "write_targets"]

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
