"""`destwatch monitor`: `--once` (cron, CI schedules), `--every 60s` (a service), `--report` (the SLOs;
with `--window 30d|90d|365d [--format md|json|csv] [--as-of ISO]` the auditable report), and
`maintenance start|end` (a maintenance window from the command line).

Exit codes: 0 nothing is down, 1 something is down (in the cycle, or the last cycle of a service), 2 a
configuration or usage error, 4 a destwatch bug; a service stopped by SIGINT exits 130, by SIGTERM 143.
"""

from __future__ import annotations

import datetime
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from destwatch._durations import parse_duration
from destwatch.cli._exits import exits
from destwatch.cli._maintenance import ACTIONS, maintenance
from destwatch.cli._options import FaultOption, TargetOption, TargetsOption, VariantOption, VersionOption
from destwatch.config import load_targets, targets_file
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.monitor.audit import FORMATS, WINDOWS, audit, render
from destwatch.monitor.history import History
from destwatch.monitor.outcomes import CycleReport
from destwatch.monitor.report import cycle_json, load_report, print_cycle, print_report, report_json
from destwatch.redact import redact

if TYPE_CHECKING:
    from destwatch.monitor.service import MonitorOptions

__all__ = ["monitor_command"]

log = logging.getLogger("destwatch.monitor")


class _Usage(ConfigError):
    """A command-line mistake, already in its words ("what. Fix: how"): one line, exit 2."""

    def render(self) -> str:
        return self.problem


@exits
def monitor_command(
    action: Annotated[
        list[str] | None,
        typer.Argument(help="maintenance start|end: open or close a maintenance window", show_default=False),
    ] = None,
    targets: TargetsOption = None,
    target: TargetOption = None,
    version: VersionOption = None,
    once: Annotated[bool, typer.Option("--once", help="one cycle, then exit (cron, CI schedules)")] = False,
    every: Annotated[
        str | None, typer.Option("--every", help="run as a service, one cycle every DURATION (e.g. 60s)")
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--for", help="with --every: stop after DURATION (e.g. 10m)")
    ] = None,
    report: Annotated[bool, typer.Option("--report", help="print the SLOs from the history")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    window: Annotated[
        str | None, typer.Option("--window", help="with --report: the auditable report over 30d, 90d or 365d")
    ] = None,
    form: Annotated[
        str | None, typer.Option("--format", help="with --window: md (default), json or csv")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="with --window: the report's end, ISO 8601 with an offset (default: now)"
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="with maintenance start: why (shown on the status page)")
    ] = None,
    history: Annotated[
        Path | None, typer.Option("--history", help="the history file (default: [monitor] history)")
    ] = None,
    textfile: Annotated[
        Path | None,
        typer.Option(
            "--textfile", help="with --once: the node_exporter textfile (default: [monitor] textfile)"
        ),
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", help="with --every: serve /metrics on this port (0: any)")
    ] = None,
    metrics_address: Annotated[
        str, typer.Option("--metrics-address", help="with --metrics-port: the address to listen on")
    ] = "127.0.0.1",
    fault: FaultOption = None,
    variant: VariantOption = None,
) -> ExitCode:
    """Probe the destinations in targets.toml: `--once`, `--every 60s [--for 10m]`, or `--report`.

    Exit codes: 0 nothing is down, 1 something is down, 2 configuration or usage error, 4 a destwatch error
    (please report); a service stopped by Ctrl+C exits 130, by SIGTERM 143.
    """
    err = Console(stderr=True, soft_wrap=True)
    out = Console(soft_wrap=True)
    names, versions = tuple(target or ()), tuple(version or ())
    if action:
        if len(action) != 2 or action[0] != "maintenance" or action[1] not in ACTIONS:
            raise _Usage(f"unknown `{' '.join(action)}`. Fix: `destwatch monitor maintenance start|end`")
        bound = _duration("--for", duration) if duration is not None else None
        path = targets_file(targets, err=err.file)
        return maintenance(out, action[1], path, names, versions, history, reason=reason, duration=bound)
    if reason is not None:
        raise _Usage("--reason describes a maintenance window. Fix: use it with `maintenance start`")
    audit_options = [
        name for name, on in (("--window", window), ("--format", form), ("--as-of", as_of)) if on
    ]
    if audit_options and not (report and window):
        raise _Usage(
            f"{' and '.join(audit_options)} shape the auditable report. "
            "Fix: use --report --window 30d|90d|365d"
        )
    if as_json and window is not None:
        raise _Usage("--json is the table's JSON. Fix: with --window, pass --format json")
    modes = [
        name for name, on in (("--once", once), ("--every", every is not None), ("--report", report)) if on
    ]
    if len(modes) != 1:
        said = f"{' and '.join(modes)} together" if modes else "no mode"
        raise _Usage(f"{said}. Fix: pass one of --once, --every 60s or --report")
    if duration is not None and every is None:
        raise _Usage("--for bounds a service. Fix: use it with --every, e.g. --every 60s --for 10m")
    if metrics_port is not None and every is None:
        raise _Usage(
            "--metrics-port serves a service's metrics. Fix: use it with --every (--once: --textfile)"
        )
    if textfile is not None and not once:
        raise _Usage("--textfile is written by --once. Fix: drop it, or use --metrics-port with --every")
    if metrics_port is not None and not 0 <= metrics_port <= 65535:
        raise _Usage(f"--metrics-port {metrics_port} is not a port. Fix: pass 0 to 65535")
    interval = _duration("--every", every) if every is not None else None
    bound = _duration("--for", duration) if duration is not None else None
    if interval is not None and interval <= 0:
        raise _Usage("--every 0 would never pause. Fix: pass a duration such as 60s")
    path = targets_file(targets, err=err.file)
    if report and window is not None:
        code = _audit(out, path, names, versions, history, window, form or "md", as_of)
    elif report:
        code = _report(out, path, names, versions, history, as_json=as_json)
    else:
        # The probe, the HTTP layer and the reference load only when something is probed.
        from destwatch.monitor.service import MonitorOptions

        options = MonitorOptions(path, names, versions, fault=fault, variant=variant, history=history)
        _logging(logging.INFO if interval is not None else logging.WARNING)
        if interval is not None:
            code = _serve(out, err, options, interval, bound, metrics_port, metrics_address, as_json=as_json)
        else:
            code = _once(out, options, textfile, as_json=as_json)
    return code


def _once(out: Console, options: MonitorOptions, textfile: Path | None, *, as_json: bool) -> ExitCode:
    from destwatch.monitor.service import Monitor

    with Monitor.start(options) as monitor:
        cycle = monitor.cycle()
        monitor.maintain(force=True)
        path = textfile or Path(monitor.settings.textfile)
        try:
            monitor.metrics.write_textfile(path)
        except OSError as exc:
            raise _Usage(
                f"{path}: cannot write the metrics textfile ({exc.strerror or exc}). Fix: pass a writable "
                "--textfile (or [monitor] textfile); the cycle itself is in the history"
            ) from None
    _show(out, cycle, as_json=as_json)
    return ExitCode.VIOLATIONS if cycle.down else ExitCode.OK


def _serve(
    out: Console,
    err: Console,
    options: MonitorOptions,
    every: float,
    duration: float | None,
    port: int | None,
    address: str,
    *,
    as_json: bool,
) -> ExitCode:
    from destwatch.monitor.metrics import MetricsServer
    from destwatch.monitor.service import Monitor

    stop = threading.Event()
    with Monitor.start(options) as monitor, _stopped_by_signals(stop) as received:
        server = None
        if port is not None:
            try:
                server = MetricsServer(monitor.metrics, address=address, port=port)
            except OSError as exc:
                raise _Usage(
                    f"--metrics-port {port}: cannot listen on {address}:{port} ({exc.strerror or exc}). "
                    "Fix: pass a free port, or 0 for any"
                ) from None
            log.info("metrics on %s", server.url)
        bound = f" for {duration:g} s" if duration is not None else ""
        log.info("monitoring %d destination versions every %g s%s", len(monitor.probes), every, bound)
        try:
            last = monitor.serve(every=every, duration=duration, stop=stop, on_cycle=_printer(out, as_json))
        finally:
            if server is not None:
                server.stop()
    if received:
        log.info("stopped by %s", received[0].name)
        return ExitCode.INTERRUPTED if received[0] == signal.SIGINT else ExitCode.TERMINATED
    return ExitCode.VIOLATIONS if last is not None and last.down else ExitCode.OK


def _printer(out: Console, as_json: bool) -> Callable[[CycleReport], None]:
    def show(cycle: CycleReport) -> None:
        if as_json:
            out.print(json.dumps(cycle_json(cycle), ensure_ascii=False), markup=False, highlight=False)

    return show


def _show(out: Console, cycle: CycleReport, *, as_json: bool) -> None:
    if as_json:
        out.print(json.dumps(cycle_json(cycle), indent=2, ensure_ascii=False), markup=False, highlight=False)
    else:
        print_cycle(out, cycle)


def _report(
    out: Console,
    path: Path,
    names: tuple[str, ...],
    versions: tuple[str, ...],
    history_path: Path | None,
    *,
    as_json: bool,
) -> ExitCode:
    """The SLO report: reads targets.toml and the history only (no request, no secret needed)."""
    config = load_targets(path)
    selected = config.version_names(names, versions)
    settings = config.monitor
    history = History.open(history_path or Path(settings.history), create=False)
    try:
        report = load_report(
            history,
            selected,
            now=time.time(),
            availability_objective=settings.availability_objective,
            latency_objective=settings.latency_objective,
        )
    finally:
        history.close()
    if as_json:
        out.print(
            json.dumps(report_json(report), indent=2, ensure_ascii=False), markup=False, highlight=False
        )
    else:
        print_report(out, report)
    return ExitCode.OK


def _audit(
    out: Console,
    path: Path,
    names: tuple[str, ...],
    versions: tuple[str, ...],
    history_path: Path | None,
    window: str,
    form: str,
    as_of: str | None,
) -> ExitCode:
    """The auditable SLO report: the history and --as-of alone decide every byte."""
    if window not in WINDOWS:
        raise _Usage(f"--window {window} is not a report window. Fix: pass one of {', '.join(WINDOWS)}")
    if form not in FORMATS:
        raise _Usage(f"--format {form} is not a report format. Fix: pass one of {', '.join(FORMATS)}")
    end = _moment(as_of) if as_of is not None else time.time()
    config = load_targets(path)
    selected = config.version_names(names, versions)
    history = History.open(history_path or Path(config.monitor.history), create=False)
    try:
        figures = audit(
            history,
            selected,
            window=window,
            as_of=end,
            availability_objective=config.monitor.availability_objective,
        )
    finally:
        history.close()
    sys.stdout.write(redact(render(figures, form)))
    sys.stdout.flush()
    return ExitCode.OK


def _moment(text: str) -> float:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise _Usage(f"--as-of {text} is not a date and time. Fix: write e.g. 2026-12-01T00:00:00Z") from None
    if moment.utcoffset() is None:
        raise _Usage(f"--as-of {text} has no UTC offset. Fix: write e.g. {text}Z")
    return moment.timestamp()


def _duration(option: str, text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise _Usage(f"{option} {exc}") from None


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[list[signal.Signals]]:
    """SIGINT and SIGTERM end the service gracefully: the cycle under way stops between two requests, is
    not recorded, and the command exits 130 or 143."""
    received: list[signal.Signals] = []
    if threading.current_thread() is not threading.main_thread():
        yield received  # signals reach the main thread only; an embedding caller keeps its own handlers
        return

    def handler(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum))
        stop.set()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _logging(level: int) -> None:
    """Log lines to stderr, redacted (apprise's own warnings too)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    for name, own_level in (("destwatch.monitor", level), ("apprise", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(own_level)
        logger.propagate = False
