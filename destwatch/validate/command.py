"""`destwatch validate DESTINATION --from vA --to vB`: the document diff, the live differential and the
contract suites on the candidate, held against the waivers, ending in go or no-go.

With `--to-document FILE` the candidate is a document not deployed yet: only the static part runs.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from destwatch._files import json_or_none
from destwatch._paths import shown_path
from destwatch._reports_lock import owning
from destwatch.config import VersionTarget, did_you_mean, targets_file
from destwatch.consumers.model import Consumer
from destwatch.coverage.ledger import VersionCoverage
from destwatch.documents import validate_document
from destwatch.environment import Environment
from destwatch.errors import ConfigError, DocumentError, TargetUnreachable
from destwatch.exit_codes import ExitCode
from destwatch.openapi.model import endpoint_models
from destwatch.selection import RunOptions, Selection
from destwatch.validate.changes import Change, Severity
from destwatch.validate.consumer_report import render_consumer_lines, write_consumer_pages
from destwatch.validate.consumers import ConsumerVerdict, Side, judge_consumers
from destwatch.validate.diff import document_changes
from destwatch.validate.facts import version_facts
from destwatch.validate.live import LiveFindings, compare_live
from destwatch.validate.page import write_pages
from destwatch.validate.proof import with_proof
from destwatch.validate.report import Validation, render_terminal, write_reports
from destwatch.validate.verdict import decide
from destwatch.validate.waivers import Waiver, load_waivers

__all__ = ["ValidateRequest", "validate"]


@dataclass(frozen=True)
class ValidateRequest:
    destination: str
    baseline: str
    candidate: str
    targets: Path | None = None
    waivers: Path | None = None
    reports: Path = Path("reports")
    candidate_document: Path | None = None
    suites: bool = True
    seed: int | None = None
    # The embedded reference's candidate v4 (`--candidate`), for trying validation on the reference.
    reference_candidate: str | None = None
    today: datetime.date | None = None
    # A file the Markdown report is appended to, e.g. $GITHUB_STEP_SUMMARY.
    summary: Path | None = None
    # `--consumer NAME`: the verdict is this consumer's alone (its own queries, what it reads).
    consumer: str | None = None


def validate(request: ValidateRequest, *, out: TextIO | None = None, err: TextIO | None = None) -> ExitCode:
    """Run the validation and write its reports; returns 0 go, 1 no-go, 3 unreachable. `ConfigError` for a
    mistake in targets.toml, the waivers or the request."""
    out, err = out or sys.stdout, err or sys.stderr
    today = request.today or datetime.date.today()
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(
                owning(request.reports.resolve() / "validation", say=lambda line: print(line, file=err))
            )
        except OSError as exc:
            raise ConfigError(
                f"{exc.strerror or exc}", key="--reports", file=request.reports, fix="pass a writable folder"
            ) from None
        return _validate_owning(request, today, out, err)


def _validate_owning(request: ValidateRequest, today: datetime.date, out: TextIO, err: TextIO) -> ExitCode:
    waivers = load_waivers(request.waivers) if request.waivers else []
    # One environment for the whole validation: the comparison and the suites share its reference process.
    with Environment.start(Selection.resolve(_options(request, err))) as environment:
        baseline, candidate = _versions(environment, request)
        consumers = _consumers(environment, request, baseline)
        try:
            outcome = _validate(
                environment, request, (baseline, candidate), consumers, waivers, today, (out, err)
            )
        except TargetUnreachable as exc:
            print(f"destwatch: unreachable: {exc}", file=err)
            return ExitCode.UNREACHABLE
    if isinstance(outcome, ExitCode):
        return outcome
    paths = write_reports(outcome, request.reports.resolve() / "validation")
    page = write_pages(outcome, request.reports.resolve())
    if request.summary is not None:
        try:
            with request.summary.open("a", encoding="utf-8") as summary:
                summary.write(paths["markdown"].read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"cannot append the report ({exc.strerror})",
                key="--summary",
                file=shown_path(request.summary),
            ) from None
    console = Console(file=out, soft_wrap=True)
    folder = request.reports.resolve() / "validation"
    pages = write_consumer_pages(
        outcome.consumers, folder, request.destination, request.baseline, request.candidate
    )
    if request.consumer is not None:
        return _consumer_verdict(outcome, console, pages)
    render_consumer_lines(outcome.consumers, console)
    render_terminal(outcome, console, reports=[shown_path(page), shown_path(paths["markdown"])])
    return ExitCode.OK if outcome.verdict.go else ExitCode.VIOLATIONS


def _options(request: ValidateRequest, err: TextIO) -> RunOptions:
    names = [f"{request.destination}/{request.baseline}"]
    if request.candidate_document is None:
        names.append(f"{request.destination}/{request.candidate}")
    return RunOptions(
        targets=targets_file(request.targets, err=err),
        names=tuple(names),
        seed=request.seed,
        candidate=request.reference_candidate,
        # The two versions compared and no other: the suites' cross-version clauses mention only them.
        peers=(),
    )


def _versions(run: Environment, request: ValidateRequest) -> tuple[VersionTarget, VersionTarget | None]:
    by_name = {target.version: target for target in run.targets}
    if request.baseline == request.candidate:
        raise ConfigError(
            f"--from and --to are both {request.baseline}", key="--to", fix="name the new version"
        )
    candidate = by_name.get(request.candidate) if request.candidate_document is None else None
    return by_name[request.baseline], candidate


def _validate(
    run: Environment,
    request: ValidateRequest,
    versions: tuple[VersionTarget, VersionTarget | None],
    using: list[Consumer],
    waivers: list[Waiver],
    today: datetime.date,
    streams: tuple[TextIO, TextIO],
) -> Validation | ExitCode:
    (baseline, candidate), (out, err) = versions, streams
    old_document = run.document(baseline)
    changes: list[Change] = []
    notes: list[str] = []
    try:
        new_document = (
            _document_file(request.candidate_document)
            if request.candidate_document is not None
            else run.document(candidate)  # type: ignore[arg-type]
        )
    except DocumentError as broken:
        # A candidate without a usable document breaks every consumer; nothing else can be compared.
        change = Change("document-unusable", Severity.BREAKING, str(broken), "fix the candidate's document")
        verdict = decide([change], waivers, today=today)
        return Validation(request.destination, request.baseline, request.candidate, verdict, {}, {})
    old_facts, new_facts = version_facts(old_document), version_facts(new_document)
    live = LiveFindings()
    if candidate is not None:
        live = compare_live(
            (baseline, run.http(baseline), old_facts),
            (candidate, run.http(candidate), new_facts),
            seed=run.seed,
            latency_regression=candidate.settings.latency_regression,
        )
    else:
        notes.append(
            "static validation: renames and behaviour are not checked until the candidate is deployed"
        )
    changes += document_changes(old_facts, new_facts, renames=live.renames, facet_renames=live.facet_renames)
    changes += live.changes
    consumers: list[ConsumerVerdict] = []
    if candidate is not None:
        consumers = judge_consumers(
            using,
            Side(baseline, run.http(baseline), endpoint_models(old_document)),
            Side(candidate, run.http(candidate), endpoint_models(new_document)),
            renames=live.renames,
            facet_renames=live.facet_renames,
            waivers=waivers,
            today=today,
        )
    totals: dict[str, int] | None = None
    folder = ""
    proved: VersionCoverage | None = None
    # A consumer's verdict comes from its own queries: the suites would only make it wait.
    if candidate is not None and request.suites and request.consumer is None:
        ran = _suites(run, request, candidate, out, err)
        if isinstance(ran, ExitCode):
            return ran
        suite_changes, totals, folder, proved = ran
        changes += suite_changes
    changes = with_proof(changes, proved, live=candidate is not None)
    verdict = decide(changes, waivers, today=today, notes=notes)
    return Validation(
        request.destination,
        request.baseline,
        request.candidate,
        verdict,
        live.latency,
        live.requests,
        static_only=candidate is None,
        suites=totals,
        suites_reports=folder,
        consumers=tuple(consumers),
    )


def _consumer_verdict(outcome: Validation, console: Console, pages: list[Path]) -> ExitCode:
    """`--consumer NAME`: that consumer's verdict is the command's, said last and given as the exit code."""
    for page in pages:
        console.print(f"report: {shown_path(page)}", highlight=False)
    render_consumer_lines(outcome.consumers, console)
    go = all(judged.verdict.go for judged in outcome.consumers)
    code = ExitCode.OK if go else ExitCode.VIOLATIONS
    names = ", ".join(judged.consumer.name for judged in outcome.consumers)
    word = "GO" if go else "NO-GO"
    console.print(
        f"{names}: {outcome.destination} {outcome.baseline} → {outcome.candidate}: {word} (exit {int(code)})"
    )
    return code


def _consumers(run: Environment, request: ValidateRequest, baseline: VersionTarget) -> list[Consumer]:
    """The consumers of the version in use (`--consumer`: that one); `ConfigError` naming the others."""
    using = run.selection.consumers_of(baseline)
    if request.consumer is None:
        return using
    if request.candidate_document is not None:
        raise ConfigError(
            "a consumer's verdict needs the candidate deployed (its queries are sent to it)",
            key="--consumer",
            fix="deploy the candidate and name it with --to, or leave out --to-document",
        )
    chosen = [consumer for consumer in using if consumer.name == request.consumer]
    if not chosen:
        names = [consumer.name for consumer in using]
        raise ConfigError(
            f"no consumer {request.consumer!r} uses {baseline.id}",
            key="--consumer",
            fix=f"name one of {', '.join(names)}{did_you_mean(request.consumer, names)}"
            if names
            else "add consumer files to the folder targets.toml's consumers_dir names",
        )
    return chosen


def _document_file(path: Path) -> dict[str, Any]:
    try:
        document = json_or_none(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read the document ({exc.strerror or exc})", file=path) from None
    if document is None:
        raise ConfigError("not JSON", file=path, fix="pass the candidate's OpenAPI document as JSON")
    validate_document(document, source=str(path))
    return document


def _suites(
    environment: Environment, request: ValidateRequest, candidate: VersionTarget, out: TextIO, err: TextIO
) -> tuple[list[Change], dict[str, int], str, VersionCoverage | None] | ExitCode:
    """The gate's contract suites on the candidate: each violation is a blocking change; with the gate's
    totals, the folder of its reports and what it proved of the candidate (its coverage). They run on the
    validation's own environment, where the candidate's peer is the baseline alone (cross-version clauses
    never mention a third version).

    pytest's console goes to a file beside the suites' reports: on the terminal its own table and "passed
    (exit 0)" would read as the validation's verdict, which comes last and may be no-go. The suites' result
    is summarized into the verdict instead."""
    # The gate, and with it pytest, loads only when the suites run (never for --to-document).
    from destwatch.gate.runner import GateRequest, run_gate

    reports = request.reports.resolve() / "validation" / f"suites-{candidate.destination}-{candidate.version}"
    reports.mkdir(parents=True, exist_ok=True)
    console = reports / "console.txt"
    print(f"contract suites on {candidate.id}: running (their console: {shown_path(console)})", file=out)
    with console.open("w", encoding="utf-8") as captured, contextlib.redirect_stdout(captured):
        summary = run_gate(
            GateRequest(names=(candidate.id,), reports=reports, seed=request.seed),
            err=err,
            environment=environment,
        )
    if summary.exit_code in (ExitCode.UNREACHABLE, ExitCode.ERROR, ExitCode.INTERRUPTED, ExitCode.TERMINATED):
        print(
            f"destwatch: the contract suites on {candidate.id} stopped (exit {int(summary.exit_code)}); "
            f"their console: {shown_path(console)}",
            file=err,
        )
        return summary.exit_code
    violations = [
        Change(f"suite:{failure.test}", Severity.BREAKING, failure.message, source="suite")
        for failure in summary.failures
    ]
    proved = next((version for version in summary.coverage if version.target == candidate.id), None)
    return violations, summary.totals, reports.name + "/", proved
