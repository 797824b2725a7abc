"""`destwatch targets`: the resolved destination x version x endpoint matrix, the settings in effect and
where each came from (`--explain`), a check of targets.toml alone (`--check`), and the CI job matrix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from destwatch._tomllines import toml_value
from destwatch.cli._exits import exits
from destwatch.cli._options import TargetOption, TargetsOption, VersionOption
from destwatch.config import OUR_EXPECTATIONS, VersionTarget, load_targets, targets_file
from destwatch.environment import Environment
from destwatch.exit_codes import ExitCode
from destwatch.gate.shards import job_matrix
from destwatch.selection import RunOptions, Selection

__all__ = ["targets_command"]


@exits
def targets_command(
    targets: TargetsOption = None,
    check: Annotated[bool, typer.Option("--check", help="only validate targets.toml (no requests)")] = False,
    matrix: Annotated[
        bool,
        typer.Option("--matrix", help="print the CI job matrix as JSON (GitHub Actions strategy.matrix)"),
    ] = False,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="one matrix job per `version`, or per `destination` (keeps its cross-version clauses)",
        ),
    ] = "version",
    explain: Annotated[
        bool,
        typer.Option("--explain", help="every setting of every version in effect, and where it came from"),
    ] = False,
    target: TargetOption = None,
    version: VersionOption = None,
) -> ExitCode | None:
    """Print the resolved matrix (destination x version x endpoint), secrets masked."""
    console = Console(soft_wrap=True)
    path = targets_file(targets)
    if matrix:
        typer.echo(json.dumps(job_matrix(load_targets(path), by=by)))
        return None
    if explain:
        options = RunOptions(targets=path, names=tuple(target or ()), versions=tuple(version or ()))
        _print_settings(console, list(Selection.resolve(options).targets))
        return None
    if check:
        listed = Selection.resolve(RunOptions(targets=path)).targets
        console.print(f"{path}: ok, {len(listed)} destination versions", markup=False, highlight=False)
        return None
    with Environment.start(Selection.resolve(RunOptions(targets=path))) as live:
        unreachable = _print_matrix(console, path, live)
    return ExitCode.UNREACHABLE if unreachable else None


def _print_settings(console: Console, versions: list[VersionTarget]) -> None:
    """Each version's settings in effect, with the table each value came from and whose rule it is."""
    for version in versions:
        table = Table(title=f"{version.id} ({version.base_url})", title_justify="left")
        table.add_column("setting", no_wrap=True)
        for column in ("value", "from", "rule"):
            table.add_column(column, overflow="fold")
        for name, value in version.settings.model_dump().items():
            rule = "ours: a warning while unset" if name in OUR_EXPECTATIONS else ""
            shown = "unset" if value is None else toml_value(value)
            table.add_row(name, Text(shown), Text(version.source_of(name)), rule)
        table.add_row(
            "second_application", Text(_second_application(version)), version.source_of("second_application")
        )
        console.print(table)


def _second_application(version: VersionTarget) -> str:
    if version.second_client_id is None or version.second_client_secret is None:
        return "unset"
    return f"client id {version.second_client_id.get_secret_value()}, client secret [redacted]"


def _print_matrix(console: Console, path: Path, live: Environment) -> int:
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
        ids = (
            f"OAuth2 audience {version.audience}"
            if version.protected and version.token_flow == "oauth2"
            else f"destination id {version.destination_id or '-'}"
        )
        console.print(
            Text(
                f"{version.id}: {version.base_url} ({ids}, "
                f"token url {version.token_url if version.protected else '-'}, {credentials})"
            )
        )
    return unreachable
