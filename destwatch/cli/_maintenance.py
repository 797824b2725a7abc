"""`destwatch monitor maintenance start|end`: a maintenance window opened or closed from the command line,
recorded in the monitor's history (a running monitor reads it before each cycle's verdict)."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

from rich.console import Console

from destwatch._durations import format_span
from destwatch.config import load_targets
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.monitor.history import History

__all__ = ["ACTIONS", "maintenance"]

ACTIONS = ("start", "end")


def maintenance(
    out: Console,
    action: str,
    targets_path: Path,
    names: tuple[str, ...],
    versions: tuple[str, ...],
    history_path: Path | None,
    *,
    reason: str | None,
    duration: float | None,
) -> ExitCode:
    """Start (for `duration`, else until ended) or end the window over the selected versions ("*": all)."""
    config = load_targets(targets_path)
    covered = config.version_names(names, versions) if names or versions else ["*"]
    history = History.open(history_path or Path(config.monitor.history))
    now = time.time()
    try:
        if action == "start":
            if not reason:
                raise ConfigError("a window needs its reason", key="--reason", fix='add --reason "upgrade"')
            end = now + duration if duration is not None else None
            history.start_maintenance(covered, now, end, reason)
            until = f"for {format_span(duration)}" if duration is not None else "until `maintenance end`"
            out.print(f"maintenance started for {', '.join(covered)} {until}: {reason}", markup=False)
        else:
            if reason is not None or duration is not None:
                raise ConfigError(
                    "--reason and --for describe a new window", key="maintenance end", fix="drop them"
                )
            ended = history.end_maintenance(covered, now)
            if not ended:
                raise ConfigError(
                    f"no open maintenance window covers exactly {', '.join(covered)}",
                    key="maintenance end",
                    fix="pass the same --target/--version as `maintenance start` did",
                )
            out.print(f"maintenance ended for {', '.join(covered)} at {_iso(now)}", markup=False)
    finally:
        history.close()
    return ExitCode.OK


def _iso(ts: float) -> str:
    return (
        datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )
