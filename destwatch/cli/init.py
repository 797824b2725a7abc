"""`destwatch init`: targets.toml, the CI workflows and a .gitignore line, written without asking anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from destwatch.cli._exits import exits
from destwatch.errors import ConfigError
from destwatch.scaffold import scaffold

__all__ = ["init_command"]


@exits
def init_command(
    folder: Annotated[Path, typer.Argument(help="the repository to set up")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="overwrite files that exist")] = False,
) -> None:
    """Write targets.toml, the CI workflows and a .gitignore line for reports/ (asks nothing)."""
    done = scaffold(folder, force=force)
    if done.existing and not done.written:
        listed = ", ".join(str(path) for path in done.existing)
        raise ConfigError(f"{listed} already exist(s)", file=folder, fix="pass --force to overwrite")
    for path in done.written:
        typer.echo(f"wrote {folder / path}")
    for line in done.gitignore_added:
        typer.echo(f"added {line!r} to {folder / '.gitignore'}")
    if done.install.requirement:
        typer.echo(f"the workflows install {done.install.requirement}")
    else:
        typer.echo(
            f"note: {done.install.reason}, so the workflows' install step stops until you set "
            "DESTWATCH_INSTALL at the top of each to a pip requirement for destwatch "
            '("destwatch==X.Y.Z", or "destwatch @ git+URL@COMMIT")',
            err=True,
        )
    typer.echo(
        "Next: `destwatch run` (the embedded reference), then add your destination to targets.toml and its "
        "secrets to your CI."
    )
