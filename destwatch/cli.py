"""The `destwatch` command: `run` the suites, `monitor` the destinations, `status` pages from the monitor's
history, `init` a repository, list or check `targets`, `serve` the reference destination.

The gate (and with it pytest) is imported only by the commands that need it: `destwatch monitor` starts
without pytest or Schemathesis.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

import destwatch
from destwatch._cli_options import TargetOption, TargetsOption, VersionOption
from destwatch._reports_lock import owning
from destwatch._tomllines import toml_value
from destwatch.config import OUR_EXPECTATIONS, Targets, VersionTarget, load_targets
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.merge import merge_reports
from destwatch.monitor.command import monitor_command
from destwatch.reference.serve import serve_command
from destwatch.reporting import render_summary
from destwatch.run import Run, RunOptions
from destwatch.scaffold import scaffold
from destwatch.status.command import status_command

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
app.command("serve")(serve_command)
app.command("monitor")(monitor_command)
app.command("status")(status_command)

_CandidateOption = Annotated[
    str | None,
    typer.Option("--candidate", help="the embedded reference's candidate v4 of productCatalog (see serve)"),
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
    fault: Annotated[
        str | None, typer.Option("--fault", help="seeded fault for the embedded reference destination")
    ] = None,
    variant: Annotated[
        str | None, typer.Option("--variant", help="document variant of the embedded reference destination")
    ] = None,
    candidate: _CandidateOption = None,
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
        candidate=candidate,
        pytest_args=tuple(ctx.args),
        jobs=_jobs(jobs),
    )
    raise typer.Exit(int(gate.run_gate(request)))


def _jobs(given: str) -> int | None:
    if given == "auto":
        return None
    if given.isdigit() and int(given) >= 1:
        return int(given)
    typer.echo(f"destwatch: --jobs {given!r}: not a number of processes. Fix: pass 1, 2... or auto", err=True)
    raise typer.Exit(int(ExitCode.USAGE))


@app.command("targets")
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
) -> None:
    """Print the resolved matrix (destination x version x endpoint), secrets masked."""
    from destwatch import gate

    console = Console(soft_wrap=True)
    path = gate.targets_file(targets)
    try:
        if matrix:
            typer.echo(json.dumps(job_matrix(load_targets(path), by=by)))
            return
        if explain:
            options = RunOptions(targets=path, names=tuple(target or ()), versions=tuple(version or ()))
            _print_settings(console, Run.check(options))
            return
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


def job_matrix(config: Targets, *, by: str = "version") -> dict[str, list[dict[str, str]]]:
    """One CI job per destination version (or destination): what it selects and where it reports."""
    if by not in ("version", "destination"):
        raise ConfigError(f"unknown value {by!r}", key="--by", fix="pass version or destination")
    names = config.version_names()
    if by == "destination":
        names = list(dict.fromkeys(name.split("/")[0] for name in names))
    jobs = [(name, name.replace("/", "-")) for name in names]
    return {"include": [{"target": name, "name": slug, "reports": f"reports/{slug}"} for name, slug in jobs]}


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
        console.print(table)


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


@app.command("validate")
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
    candidate: _CandidateOption = None,
    summary: Annotated[
        Path | None,
        typer.Option("--summary", help="append the Markdown report to this file, e.g. $GITHUB_STEP_SUMMARY"),
    ] = None,
) -> None:
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
    )
    raise typer.Exit(int(validate(request)))


report_app = typer.Typer(help="Work with reports folders.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(report_app, name="report")


@report_app.command("merge")
def report_merge_command(
    shards: Annotated[list[Path], typer.Argument(help="the reports folders of the jobs, one per shard")],
    into: Annotated[Path, typer.Option("--into", help="the joined reports folder")] = Path("reports"),
) -> None:
    """Join the reports of a gate run as parallel CI jobs into one; exits with the whole run's code."""
    try:
        with owning(into.resolve(), say=lambda line: typer.echo(line, err=True)):
            summary = merge_reports(shards, into)
    except ConfigError as exc:
        typer.echo(f"destwatch: {exc}", err=True)
        raise typer.Exit(int(ExitCode.USAGE)) from None
    render_summary(summary, Console(soft_wrap=True))
    typer.echo(f"joined {len(shards)} shard(s) into {into}")
    raise typer.Exit(int(summary["exit_code"]))


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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    finally:
        # The process ends here. Frozen, the heap is left to the OS instead of being collected on the way
        # out: that last collection walked every object Hypothesis, Schemathesis and pytest made (0.4 s
        # of a 6 s run). What must happen at exit still does: files are closed by the writes that wrote
        # them, and atexit hooks (logging's flush among them) and stdio flushing do not depend on it.
        gc.freeze()
