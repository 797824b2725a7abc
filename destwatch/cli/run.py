"""`destwatch run`: the contract suites against the selected destination versions (the gate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from destwatch.cli._exits import exits
from destwatch.cli._options import (
    CandidateOption,
    FaultOption,
    TargetOption,
    TargetsOption,
    VariantOption,
    VersionOption,
)
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode

__all__ = ["run_command"]


@exits
def run_command(
    ctx: typer.Context,
    targets: TargetsOption = None,
    target: TargetOption = None,
    version: VersionOption = None,
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
    fault: FaultOption = None,
    variant: VariantOption = None,
    candidate: CandidateOption = None,
    markdown: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            help='append the run in Markdown to this file, e.g. "$GITHUB_STEP_SUMMARY" (verdict, coverage)',
        ),
    ] = None,
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            "-j",
            envvar="DESTWATCH_JOBS",
            help="processes running destination versions side by side: a number, or auto (one per core, "
            "at most one per version)",
        ),
    ] = "auto",
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", help="accepted findings (destwatch baseline create): exit 1 only for new ones"
        ),
    ] = None,
) -> ExitCode:
    """Run the contract suites against the targets; extra pytest arguments go after `--`.

    Exit codes: 0 passed, 1 contract violations, 2 configuration or usage error, 3 a target unreachable,
    4 a destwatch error (please report), 5 passed but proved less than the bar (min_proven,
    require_proven in targets.toml).
    """
    from destwatch.gate import runner as gate

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
        candidate=candidate,
        pytest_args=tuple(ctx.args),
        jobs=_jobs(jobs),
        baseline=baseline,
    )
    summary = gate.run_gate(request)
    if markdown is not None:
        from destwatch.gate.markdown import write_markdown

        write_markdown(markdown, summary)
    return summary.exit_code


def _jobs(given: str) -> int | None:
    if given == "auto":
        return None
    if given.isdigit() and int(given) >= 1:
        return int(given)
    raise ConfigError(f"{given!r}: not a number of processes", key="--jobs", fix="pass 1, 2... or auto")
