"""`destwatch baseline create`: accept a gate run's findings for a while (see destwatch.gate.baseline)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated

import typer

from destwatch._files import write_atomic
from destwatch.cli._exits import exits, said
from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.baseline import Baseline, baseline_text
from destwatch.gate.summary import Summary
from destwatch.redact import redact

__all__ = ["baseline_app"]

baseline_app = typer.Typer(
    help="Accept known findings until a date, so the gate fails only on new ones.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@baseline_app.command("create")
@exits
def baseline_create_command(
    reason: Annotated[str, typer.Option("--reason", help="why the findings are accepted for now")],
    ticket: Annotated[str, typer.Option("--ticket", help="where the fix is tracked: a URL or text")],
    accepted_by: Annotated[str, typer.Option("--accepted-by", help="who accepts them")],
    expires: Annotated[str, typer.Option("--expires", help="YYYY-MM-DD: from that day on they count again")],
    reports: Annotated[
        Path, typer.Option("--reports", help="the reports folder of the run whose findings to accept")
    ] = Path("reports"),
    out: Annotated[Path, typer.Option("--out", help="the baseline file (entries are added)")] = Path(
        "baseline.toml"
    ),
) -> ExitCode:
    """Write the findings of a gate run (its summary.json) to a baseline; `destwatch run --baseline FILE`
    then exits 1 only for findings not in it. Entries already in the file are kept as they are."""
    until = _date(expires)
    summary = _summary(reports / "summary.json")
    kept = Baseline.load(out) if out.exists() else None
    known = {entry.fingerprint for entry in kept.entries} if kept else set()
    text = baseline_text(
        summary, reason=reason, ticket=ticket, accepted_by=accepted_by, expires=until, skip=known
    )
    if not text:
        said(f"no new finding in {reports / 'summary.json'}: {out} is unchanged")
        return ExitCode.OK
    before = out.read_text(encoding="utf-8") if kept else ""
    write_atomic(out, redact(before + ("\n" if before else "") + text))
    added = text.count("[[finding]]")
    typer.echo(f"{out}: {added} finding(s) accepted until {until.isoformat()}")
    return ExitCode.OK


def _date(text: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{text!r} is not a date", key="--expires", fix="pass YYYY-MM-DD") from None
    if day <= datetime.datetime.now(datetime.UTC).date():
        raise ConfigError(
            f"{text} is not in the future: the entries would accept nothing",
            key="--expires",
            fix="pass a later date",
        )
    return day


def _summary(path: Path) -> Summary:
    try:
        return Summary.from_json(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the run's summary ({exc.strerror or exc})",
            file=path,
            key="--reports",
            fix="run destwatch run first, or pass its --reports folder",
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            "not a summary.json of destwatch run",
            file=path,
            key="--reports",
            fix="pass a run's reports folder",
        ) from None
