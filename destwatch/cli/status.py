"""`destwatch status`: the status site from the monitor history (read only: no request, no secret needed).

Exit codes: 0 written, 2 a configuration or usage error (no history yet, a folder that cannot be written),
4 a destwatch bug.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from destwatch._paths import shown_path
from destwatch.cli._exits import exits
from destwatch.cli._options import TargetOption, TargetsOption, VersionOption
from destwatch.config import load_targets, targets_file
from destwatch.errors import ConfigError
from destwatch.monitor.history import History
from destwatch.monitor.maintenance import configured, recorded
from destwatch.status.collect import load_status
from destwatch.status.site import write_site

__all__ = ["status_command"]


@exits
def status_command(
    out: Annotated[Path, typer.Option("--out", help="the folder the site is written to")] = Path(
        "reports/status"
    ),
    history: Annotated[
        Path | None, typer.Option("--history", help="the monitor history (default: [monitor] history)")
    ] = None,
    targets: TargetsOption = None,
    target: TargetOption = None,
    version: VersionOption = None,
) -> None:
    """Write the status site (uptime, latency, incidents, SLOs, badges) from the monitor history: every
    configured version, or those `--target` and `--version` select.

    Exit codes: 0 written, 2 configuration or usage error, 4 a destwatch error (please report).
    """
    err = Console(stderr=True, soft_wrap=True)
    path = targets_file(targets, err=err.file)
    config = load_targets(path)
    settings = config.monitor
    opened = History.open(history or Path(settings.history), create=False)
    try:
        status = load_status(
            opened,
            config.version_names(tuple(target or ()), tuple(version or ())),
            now=time.time(),
            availability_objective=settings.availability_objective,
            latency_objective=settings.latency_objective,
            windows=configured(settings.maintenance) + recorded(opened),
        )
    finally:
        opened.close()
    try:
        written = write_site(status, out)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the status site ({exc.strerror or exc})", file=out, fix="pass a writable --out"
        ) from None
    count = len(status.versions)
    typer.echo(
        f"wrote {shown_path(out / 'index.html')} ({len(written)} files, "
        f"{count} version{'' if count == 1 else 's'})"
    )
