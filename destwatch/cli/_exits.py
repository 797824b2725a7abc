"""Errors into exit codes, in one place for every command.

A configuration or usage mistake (`ConfigError`) is one line and exit 2; an interrupt is 130; any other
exception is a bug of destwatch's: one line asking to be reported, exit 4, never a traceback, and never
blamed on the destination. A command returns its exit code (None: 0).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import typer

from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.redact import redact

__all__ = ["exits", "said"]

_P = ParamSpec("_P")


def said(line: str) -> None:
    """A line for the user on stderr (redacted: it may quote a server's words)."""
    typer.echo(redact(line), err=True)


def exits(command: Callable[_P, int | None]) -> Callable[_P, None]:
    """`command` with its exceptions turned into exit codes (typer reads the wrapped signature)."""

    @functools.wraps(command)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            code = command(*args, **kwargs) or ExitCode.OK
        except typer.Exit:
            raise
        except ConfigError as exc:
            said(f"destwatch: {exc}")
            code = ExitCode.USAGE
        except KeyboardInterrupt:
            code = ExitCode.INTERRUPTED
        except Exception as exc:
            said(f"destwatch error: {type(exc).__name__}: {exc} — please report it")
            code = ExitCode.ERROR
        raise typer.Exit(int(code))

    return run
