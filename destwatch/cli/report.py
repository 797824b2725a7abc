"""`destwatch report merge`: the reports of a gate run as parallel CI jobs, joined into one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from destwatch._reports_lock import owning
from destwatch.cli._exits import exits, said
from destwatch.exit_codes import ExitCode
from destwatch.gate.shards import merge_reports
from destwatch.gate.terminal import render_summary

__all__ = ["report_app"]

report_app = typer.Typer(help="Work with reports folders.", no_args_is_help=True, rich_markup_mode=None)


@report_app.command("merge")
@exits
def report_merge_command(
    shards: Annotated[list[Path], typer.Argument(help="the reports folders of the jobs, one per shard")],
    into: Annotated[Path, typer.Option("--into", help="the joined reports folder")] = Path("reports"),
) -> ExitCode:
    """Join the reports of a gate run as parallel CI jobs into one; exits with the whole run's code."""
    with owning(into.resolve(), say=said):
        summary = merge_reports(shards, into)
    render_summary(summary, Console(soft_wrap=True))
    typer.echo(f"joined {len(shards)} shard(s) into {into}")
    return summary.exit_code
