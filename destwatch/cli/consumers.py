"""`destwatch consumers capture`: a consumer file from a HAR export or access-log lines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from destwatch._files import write_atomic
from destwatch.cli._exits import exits
from destwatch.consumers.capture import capture, read_traffic
from destwatch.consumers.model import load_consumer
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode

__all__ = ["consumers_app"]

consumers_app = typer.Typer(
    help="Consumer files: each consumer's own queries.", no_args_is_help=True, rich_markup_mode=None
)


@consumers_app.command("capture")
@exits
def capture_command(
    traffic: Annotated[
        list[Path], typer.Argument(help="HAR files or access logs (common, combined, JSON lines)")
    ],
    name: Annotated[str, typer.Option("--name", help="the consumer's name")],
    owner: Annotated[str, typer.Option("--owner", help="who to tell about a change")],
    destination: Annotated[str, typer.Option("--destination", help="the destination, as in its URLs")],
    version: Annotated[str, typer.Option("--version", help="the version it uses, e.g. v2")],
    out: Annotated[
        Path | None, typer.Option("--out", help="the consumer file to write (default: print it)")
    ] = None,
) -> ExitCode:
    """Write a consumer file from the requests a consumer sends; headers, cookies and tokens never go in."""
    seen = [request for path in traffic for request in read_traffic(path)]
    text = capture(seen, name=name, owner=owner, destination=destination, version=version)
    if out is None:
        typer.echo(text, nl=False)
        return ExitCode.OK
    if out.exists():
        raise ConfigError("the file exists", key="--out", file=out, fix="remove it, or name another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, text)
    # What capture wrote must read back as a valid consumer file: a mistake shows here, not in the gate.
    consumer = load_consumer(out)
    typer.echo(f"wrote {out}: {len(consumer.queries)} quer{'y' if len(consumer.queries) == 1 else 'ies'}")
    return ExitCode.OK
