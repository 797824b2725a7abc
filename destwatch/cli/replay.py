"""`destwatch replay FINGERPRINT`: a finding of a gate run checked again (see destwatch.gate.replay)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from destwatch.cli._exits import exits
from destwatch.cli._options import CandidateOption, FaultOption, TargetsOption, VariantOption
from destwatch.exit_codes import ExitCode

__all__ = ["replay_command"]


@exits
def replay_command(
    fingerprint: Annotated[str, typer.Argument(help="the finding, as summary.json or the page names it")],
    reports: Annotated[Path, typer.Option("--reports", help="the reports folder of its run")] = Path(
        "reports"
    ),
    version: Annotated[
        str | None, typer.Option("--version", help="another version of the destination, e.g. v3")
    ] = None,
    targets: TargetsOption = None,
    fault: FaultOption = None,
    variant: VariantOption = None,
    candidate: CandidateOption = None,
) -> ExitCode:
    """Check a finding again, on its version or another: exit 1 if its clause still fails, 0 if it holds.

    Only the finding's own test runs, on one version, with the run's seed (see docs/gate.md).
    """
    from destwatch.gate.replay import replay

    done = replay(
        reports,
        fingerprint,
        version=version,
        targets=targets,
        fault=fault,
        variant=variant,
        candidate=candidate,
    )
    for line in done.lines():
        typer.echo(line)
    return done.code
