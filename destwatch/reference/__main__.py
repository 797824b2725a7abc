"""`python -m destwatch.reference`: the same as `destwatch serve`."""

from __future__ import annotations

import typer

from destwatch.cli.serve import serve_command

typer.run(serve_command)
