"""The `destwatch` command: `run` the suites, `monitor` the destinations, `init` a repository, list or check
`targets`, `serve` the reference destination.

The gate (and with it pytest) is imported only by the commands that need it: `destwatch monitor` starts
without pytest or Schemathesis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

import destwatch
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.monitor.command import monitor_command
from destwatch.reference.serve import serve_command
from destwatch.run import Run, RunOptions
from destwatch.scaffold import scaffold

__all__ = ["app", "main"]

app = typer.Typer(
    name="destwatch",
    help="Contract tests and monitoring for Occtoo destination APIs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve_command)
app.command("monitor")(monitor_command)

_TargetsOption = Annotated[
    Path | None,
    typer.Option("--targets", help="targets.toml (default: ./targets.toml, else the built-in example)"),
]


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


@app.command(
    "run",
    context_settings={"allow_extra_args": True},
)
def run_command(
    ctx: typer.Context,
    targets: _TargetsOption = None,
    target: Annotated[
        list[str] | None, typer.Option("--target", help="destination or destination/version (repeatable)")
    ] = None,
    version: Annotated[
        list[str] | None, typer.Option("--version", help="version, e.g. v2 (repeatable)")
    ] = None,
    suite: Annotated[
        list[str] | None,
        typer.Option("--suite", help="suite to run, by folder name (repeatable; default all)"),
    ] = None,
    suites_dir: Annotated[
        list[Path] | None,
        typer.Option("--suites", help="a folder of your own suites, run beside destwatch's (repeatable)"),
    ] = None,
    reports: Annotated[Path, typer.Option("--reports", help="report directory")] = Path("reports"),
    seed: Annotated[int | None, typer.Option("--seed", help="fuzz seed (default: targets.toml)")] = None,
    fault: Annotated[
        str | None, typer.Option("--fault", help="seeded fault for the embedded reference destination")
    ] = None,
    variant: Annotated[
        str | None, typer.Option("--variant", help="document variant of the embedded reference destination")
    ] = None,
) -> None:
    """Run the contract suites against the targets; extra pytest arguments go after `--`.

    Exit codes: 0 passed, 1 contract violations, 2 configuration or usage error, 3 a target unreachable,
    4 a destwatch error (please report).
    """
    from destwatch import gate

    request = gate.GateRequest(
        targets=targets,
        names=tuple(target or ()),
        versions=tuple(version or ()),
        suites=tuple(suite or ()),
        suites_dirs=tuple(suites_dir or ()),
        reports=reports,
        seed=seed,
        fault=fault,
        variant=variant,
        pytest_args=tuple(ctx.args),
    )
    raise typer.Exit(int(gate.run_gate(request)))


@app.command("targets")
def targets_command(
    targets: _TargetsOption = None,
    check: Annotated[bool, typer.Option("--check", help="only validate targets.toml (no requests)")] = False,
) -> None:
    """Print the resolved matrix (destination x version x endpoint), secrets masked."""
    from destwatch import gate

    console = Console(soft_wrap=True)
    path = gate.targets_file(targets)
    try:
        if check:
            listed = Run.check(RunOptions(targets=path))
            console.print(f"{path}: ok, {len(listed)} destination versions", markup=False, highlight=False)
            return
        live = Run.start(RunOptions(targets=path))
    except ConfigError as exc:
        Console(stderr=True, soft_wrap=True).print(f"destwatch: {exc}", markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.USAGE)) from None
    try:
        unreachable = _print_matrix(console, path, live)
    finally:
        live.close()
    if unreachable:
        raise typer.Exit(int(ExitCode.UNREACHABLE))


def _print_matrix(console: Console, path: Path, live: Run) -> int:
    table = Table(title=str(path), title_justify="left")
    for column in ("destination", "version", "endpoint", "protected", "languages"):
        table.add_column(column, overflow="fold")
    unreachable = 0
    for version in live.targets:
        reason = live.unreachable(version)
        unreachable += reason is not None
        endpoints = live.endpoints(version) or [
            f"(unreachable: {reason})" if reason else "(no valid document)"
        ]
        for endpoint in endpoints:
            table.add_row(
                version.destination,
                version.version,
                Text(endpoint),
                "yes" if version.protected else "no",
                " ".join(version.languages),
            )
    console.print(table)
    for version in live.targets:
        credentials = (
            f"client id {version.client_id.get_secret_value()}, client secret [redacted]"
            if version.client_id and version.client_secret
            else "no credentials"
        )
        console.print(
            Text(
                f"{version.id}: {version.base_url} (destination id {version.destination_id}, "
                f"token url {version.token_url if version.protected else '-'}, {credentials})"
            )
        )
    return unreachable


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="the repository to set up")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="overwrite files that exist")] = False,
) -> None:
    """Write targets.toml, the CI workflows and a .gitignore line for reports/ (asks nothing)."""
    done = scaffold(folder, force=force)
    if done.existing and not done.written:
        listed = ", ".join(str(path) for path in done.existing)
        typer.echo(f"destwatch init: {listed} already exist(s). Fix: pass --force to overwrite", err=True)
        raise typer.Exit(int(ExitCode.USAGE))
    for path in done.written:
        typer.echo(f"wrote {folder / path}")
    for line in done.gitignore_added:
        typer.echo(f"added {line!r} to {folder / '.gitignore'}")
    typer.echo(
        "Next: `destwatch run` (the embedded reference), then add your destination to targets.toml and its "
        "secrets to your CI."
    )


def main() -> None:
    """Console-script entry point."""
    app()
