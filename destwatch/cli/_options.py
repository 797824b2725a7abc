"""The command-line options several `destwatch` commands share, declared once so they read alike."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "CandidateOption",
    "FaultOption",
    "TargetOption",
    "TargetsOption",
    "VariantOption",
    "VersionOption",
]

TargetsOption = Annotated[
    Path | None,
    typer.Option("--targets", help="targets.toml (default: ./targets.toml, else the built-in example)"),
]
TargetOption = Annotated[
    list[str] | None, typer.Option("--target", help="destination or destination/version (repeatable)")
]
VersionOption = Annotated[list[str] | None, typer.Option("--version", help="version, e.g. v2 (repeatable)")]
CandidateOption = Annotated[
    str | None,
    typer.Option("--candidate", help="the embedded reference's candidate v4 of productCatalog (see serve)"),
]
FaultOption = Annotated[
    str | None, typer.Option("--fault", help="seeded fault for the embedded reference destination")
]
VariantOption = Annotated[
    str | None, typer.Option("--variant", help="document variant of the embedded reference destination")
]
