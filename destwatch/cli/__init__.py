"""The `destwatch` command: one module per command, errors mapped to exit codes in one place (`_exits`).

`run` the suites, `monitor` the destinations, `status` pages from the monitor's history, `validate` a new
version, `report merge` CI shards, `baseline create` to accept known findings for a while, `replay` one,
`init` a repository, list or check `targets`, `serve` the reference destination. The gate (and with it
pytest) is imported only by the commands that need it: `destwatch monitor` starts without pytest or
Schemathesis.
"""

from __future__ import annotations

import gc
from typing import Annotated

import typer

import destwatch
from destwatch.cli.baseline import baseline_app
from destwatch.cli.consumers import consumers_app
from destwatch.cli.init import init_command
from destwatch.cli.monitor import monitor_command
from destwatch.cli.replay import replay_command
from destwatch.cli.report import report_app
from destwatch.cli.run import run_command
from destwatch.cli.serve import serve_command
from destwatch.cli.status import status_command
from destwatch.cli.targets import targets_command
from destwatch.cli.validate import validate_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="destwatch",
    help="Contract tests and monitoring for Occtoo destination APIs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are plain words: rich would take `[monitor]` for markup and drop it.
    rich_markup_mode=None,
)
app.command("run", context_settings={"allow_extra_args": True})(run_command)
app.command("replay")(replay_command)
app.command("targets")(targets_command)
app.command("validate")(validate_command)
app.command("monitor")(monitor_command)
app.command("status")(status_command)
app.command("serve")(serve_command)
app.command("init")(init_command)
app.add_typer(report_app, name="report")
app.add_typer(baseline_app, name="baseline")
app.add_typer(consumers_app, name="consumers")


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f"destwatch {destwatch.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_show_version, is_eager=True, help="print the version and exit"),
    ] = None,
) -> None:
    """Contract tests and monitoring for Occtoo destination APIs."""


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    finally:
        # The process ends here. Frozen, the heap is left to the OS instead of being collected on the way
        # out: that last collection walked every object Hypothesis, Schemathesis and pytest made. What
        # must happen at exit still does: files are closed by the writes that wrote them, and atexit hooks
        # (logging's flush among them) and stdio flushing do not depend on it.
        gc.freeze()
