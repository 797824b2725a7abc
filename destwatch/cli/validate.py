"""`destwatch validate D --from vA --to vB`: go or no-go for a new version before consumers switch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from destwatch.cli._exits import exits
from destwatch.cli._options import CandidateOption, TargetsOption
from destwatch.exit_codes import ExitCode

__all__ = ["validate_command"]


@exits
def validate_command(
    destination: Annotated[str, typer.Argument(help="the destination, as named in targets.toml")],
    from_version: Annotated[str, typer.Option("--from", help="the version in use, e.g. v2")],
    to_version: Annotated[str, typer.Option("--to", help="the candidate version, e.g. v3")],
    targets: TargetsOption = None,
    waivers: Annotated[
        Path | None, typer.Option("--waivers", help="waivers.toml: accepted changes with an expiry")
    ] = None,
    reports: Annotated[Path, typer.Option("--reports", help="report directory")] = Path("reports"),
    to_document: Annotated[
        Path | None,
        typer.Option(
            "--to-document", help="the candidate's OpenAPI document, not deployed yet (static part only)"
        ),
    ] = None,
    suites: Annotated[
        bool, typer.Option("--suites/--no-suites", help="run the contract suites on the candidate")
    ] = True,
    seed: Annotated[int | None, typer.Option("--seed", help="sampling and fuzz seed")] = None,
    candidate: CandidateOption = None,
    summary: Annotated[
        Path | None,
        typer.Option("--summary", help="append the Markdown report to this file, e.g. $GITHUB_STEP_SUMMARY"),
    ] = None,
    consumer: Annotated[
        str | None,
        typer.Option("--consumer", help="the verdict of this consumer alone (its file in consumers_dir)"),
    ] = None,
) -> ExitCode:
    """Go or no-go for a new version: document diff, live differential and the suites, against waivers.

    Exit codes: 0 go, 1 no-go, 2 configuration or usage error, 3 unreachable, 4 a destwatch error.
    """
    from destwatch.validate.command import ValidateRequest, validate

    request = ValidateRequest(
        destination=destination,
        baseline=from_version,
        candidate=to_version,
        targets=targets,
        waivers=waivers,
        reports=reports,
        candidate_document=to_document,
        suites=suites,
        seed=seed,
        reference_candidate=candidate,
        summary=summary,
        consumer=consumer,
    )
    return validate(request)
