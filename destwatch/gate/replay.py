"""`destwatch replay FINGERPRINT`: run a finding's clause again, on its version or another, and say whether
it still fails.

A finding's clause is re-checked the only way that checks it exactly: its one test item, the same check
function on the same plans (the run's seed), on one version through that version's one client (one
token, as every run fetches it). The bundle lists every request the test relied on (`notices.used`: sent,
or reused from the run's caches), and the replay's clients send those and no other: one outside the list
is `ReplayDiverged`, an error of the replay (exit 4), never a verdict on the destination. A bearer
finding re-forges only the credentials it names (`alg-none -> 200`), from the one token it fetches. A
fuzzed operation sends its recorded case alone. The bundle's `request.http` and `request.sh` are the
single failing request, for a person to send by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from destwatch.config import load_targets, targets_file
from destwatch.environment import Environment, Replaying
from destwatch.errors import ConfigError, TargetUnreachable
from destwatch.exit_codes import ExitCode
from destwatch.failures import ContractViolation
from destwatch.gate.bundles import FINDINGS
from destwatch.gate.findings import identity, parse_curl
from destwatch.gate.runner import GateRequest, run_gate
from destwatch.gate.summary import Failure, Summary
from destwatch.http import BeyondBundle
from destwatch.redact import redact
from destwatch.selection import RunOptions, Selection

__all__ = ["Replayed", "load_finding", "replay"]

# A fuzzed operation's clause: `fuzz: productCatalog/v2 GET /products: not_a_server_error ...`.
_FUZZED = re.compile(r"^fuzz: \S+ (?P<method>GET|POST) (?P<path>/\S*): ")
# What pytest's `-k` takes in a word.
_NOT_KEYWORD = re.compile(r"[^\w:+\-.\[\]\\/]+")
# The bearer-rejection clause, and its counterexample's lines: a forged credential and the status it got.
_BEARER = "bearer: requests without valid credentials"
_FORGED = re.compile(r"^(?P<name>[\w:/.-]+) -> \d{3}$")
_TEST = re.compile(r"^(?P<suite>[^/]+)/[^:]+::(?P<name>[^\[]+)(?:\[(?P<params>.*)\])?$")


@dataclass(frozen=True)
class Replayed:
    """What a replay found: the exit code of the run and the failures of the finding's test."""

    finding: dict[str, Any]
    target: str
    exit_code: ExitCode
    failures: tuple[Failure, ...]
    # What the replay cost the destination version (summary.json's `targets` entry for it).
    usage: Mapping[str, Any] = field(default_factory=dict)
    # False when the test was skipped: the clause could not be checked here (another version, say).
    checked: bool = True
    # Why the replay stopped past the finding's request (`BeyondBundle`), when it did.
    beyond: str = ""

    @property
    def still_fails(self) -> bool:
        return any(failure.kind == "violation" for failure in self.failures)

    @property
    def tokens(self) -> int:
        """Tokens the replay obtained: fetched by its client, or granted to its test (the auth suite's)."""
        return int(self.usage.get("tokens_fetched", 0)) + int(self.usage.get("auth_grants", 0))

    @property
    def same(self) -> bool:
        """Whether the very finding occurred again (same version: same fingerprint)."""
        found = {failure.evidence.get("fingerprint") for failure in self.failures}
        return self.finding["fingerprint"] in found

    def lines(self) -> list[str]:
        head = f"{self.finding['fingerprint']} on {self.target}: {self.finding['message']}"
        cost = f"({self.usage.get('requests', 0)} requests, {self.tokens} token)"
        if self.exit_code not in (ExitCode.OK, ExitCode.VIOLATIONS):
            why = [f"  {f.message}" for f in self.failures if f.kind == "error"]
            return [f"{head}: not replayed ({self.exit_code.verdict}, exit {int(self.exit_code)})", *why]
        if not self.checked:
            return [f"{head}: not checked: its test was skipped here (the reason is in replay/junit.xml)"]
        if self.beyond:
            return [
                f"{head}: passes now as far as its bundle reaches {cost}",
                f"  {self.beyond} (not sent: `destwatch run` checks the rest of the clause)",
            ]
        if not self.still_fails:
            return [f"{head}: passes now (the clause holds) {cost}"]
        if self.same:
            return [f"{head}: still fails, the same finding {cost}"]
        now = ", ".join(f"{f.evidence.get('fingerprint', '?')} {f.message}" for f in self.failures)
        return [f"{head}: still fails, as {now} {cost}"]

    @property
    def code(self) -> ExitCode:
        if self.exit_code not in (ExitCode.OK, ExitCode.VIOLATIONS):
            return self.exit_code
        if not self.checked:
            # As for a run: one that checks nothing is never a pass.
            return ExitCode.USAGE
        return ExitCode.VIOLATIONS if self.still_fails else ExitCode.OK


def load_finding(reports: Path, fingerprint: str) -> dict[str, Any]:
    """The finding.json of `fingerprint` in `reports/findings/`; `ConfigError` when there is none."""
    path = reports / FINDINGS / fingerprint / "finding.json"
    try:
        finding = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(
            f"no finding {fingerprint} in {reports / FINDINGS}",
            file=path,
            key="FINGERPRINT",
            fix="pass a fingerprint of that run (summary.json, the page), or its --reports folder",
        ) from None
    if not isinstance(finding, dict) or not _TEST.match(str(finding.get("test", ""))):
        raise ConfigError("not a finding of destwatch run", file=path, fix="pass a run's reports folder")
    return finding


def replay(
    reports: Path,
    fingerprint: str,
    *,
    version: str | None = None,
    targets: Path | None = None,
    fault: str | None = None,
    variant: str | None = None,
    candidate: str | None = None,
    err: TextIO | None = None,
    reference_url: str = "",
) -> Replayed:
    """Run the test of finding `fingerprint` (from `reports`) again on its version, or on `version` of the
    same destination; its reports go to the bundle's `replay/` folder (the run's own are kept).
    `reference_url`: where an embedded reference already serves (with its own fault), not started again."""
    finding = load_finding(reports, fingerprint)
    destination, _, recorded = str(finding["target"]).partition("/")
    target = f"{destination}/{version or recorded}"
    test = _TEST.match(finding["test"])
    if test is None:
        raise ConfigError("not a finding of destwatch run", file=reports / FINDINGS / fingerprint)
    folder = reports / FINDINGS / fingerprint / "replay"
    options = RunOptions(
        targets=targets_file(targets, err=err),
        names=(target,),
        seed=(finding.get("run") or {}).get("seed"),
        fault=fault,
        variant=variant,
        candidate=candidate,
        reports_dir=folder.resolve(),
    )
    fuzzed = _FUZZED.match(str(finding.get("message", "")))
    if test["suite"] == "fuzz" and fuzzed is not None:
        return _replay_case(finding, options, fuzzed["method"], fuzzed["path"], reference_url)
    keys = [tuple(key) for key in finding.get("requests") or ()]
    if not keys:
        raise ConfigError(
            "the finding's bundle lists no requests to replay",
            file=reports / FINDINGS / fingerprint / "finding.json",
            fix="run the gate again with this destwatch, and replay a finding of that run",
        )
    # The versions the test relied on besides its own (a clause across versions), and no other: comparing
    # others would send what the bundle does not hold.
    others = sorted({str(key[0]) for key in keys} - {str(finding["target"])})
    options = replace(options, names=tuple(dict.fromkeys((target, *others))), peers=())
    params = (test["params"] or "").replace(str(finding["target"]), target)
    request = GateRequest(
        targets=options.targets,
        names=options.names,
        suites=(test["suite"],),
        reports=folder,
        pytest_args=("-k", _selecting(test["name"], params)),
    )
    selection = Selection.of(load_targets(options.targets), options)
    with Environment(selection, reference_url=reference_url) as run:
        _guard(run, finding, keys, target)
        try:
            summary = run_gate(request, err=err, environment=run)
        except ConfigError as exc:
            if "no tests were collected" not in exc.problem:
                raise
            raise ConfigError(
                f"the finding's test {finding['test']} does not run on {target}",
                key="--version",
                fix="choose a version that has the finding's endpoint",
            ) from None
    return _verdict(finding, target, summary)


def _guard(run: Environment, finding: Mapping[str, Any], keys: list[tuple[Any, ...]], target: str) -> None:
    """Every client of the replay sends only its version's requests of the bundle (the finding's own
    version's as `target`'s), and knows the finding's request and the answer it got (`BeyondBundle`)."""
    recorded = str(finding["target"])
    allowed = {(target if key[0] == recorded else key[0], *key[1:]) for key in keys}
    failing, answer = finding.get("request_key"), str(finding.get("answer_digest", ""))
    run.replaying = Replaying(forgeries=_forgeries(finding), seeded_as={target: recorded})
    for version in (*run.targets, *run.peers):
        client = run.http(version)
        client.allowed = frozenset(key for key in allowed if key[0] == version.id)
        if failing and version.id == target:
            client.finding = ((target, *failing[1:]), answer)


def _verdict(finding: dict[str, Any], target: str, summary: Summary) -> Replayed:
    usage = summary.targets.get(target, {})
    checked = bool(summary.totals["passed"] or summary.failures)
    beyond = [f for f in summary.failures if f.message.startswith(f"{BeyondBundle.__name__}:")]
    if beyond and beyond == list(summary.failures):
        # Past the finding's request without failing there: it holds now, as far as the bundle can tell.
        return Replayed(finding, target, ExitCode.OK, (), usage, beyond=beyond[0].message)
    return Replayed(finding, target, summary.exit_code, tuple(summary.failures), usage, checked)


def _forgeries(finding: Mapping[str, Any]) -> frozenset[str] | None:
    """The forged credentials a bearer-rejection finding names (`alg-none -> 200`), to re-forge only
    those; None for any other finding (its test runs whole)."""
    if not str(finding.get("message", "")).startswith(_BEARER):
        return None
    named = [_FORGED.match(str(line)) for line in finding.get("counterexample") or ()]
    if not named or None in named:
        return None
    return frozenset(found["name"] for found in named if found is not None)


def _selecting(name: str, params: str) -> str:
    """A `-k` expression for the one item `name[params]`: pytest's keywords take no spaces, quotes or
    `=`, so the id is matched as the words it is made of, all of them."""
    words = [word for word in _NOT_KEYWORD.split(f"{name}[{params}]" if params else name) if word]
    return " and ".join(word for word in words if word not in ("and", "or", "not"))


def _replay_case(
    finding: dict[str, Any], options: RunOptions, method: str, path: str, reference_url: str
) -> Replayed:
    """The fuzzed case a finding recorded, sent once more and checked by Schemathesis's checks as the run
    checked it: the document, one token and that case (and the checks' own probes), nothing generated."""
    from destwatch.gate import fuzz

    request = parse_curl(str(finding.get("request", "")))
    headers = request.headers if request is not None else ()
    authenticated = any(name.lower() == "authorization" for name, _ in headers)
    case = fuzz.RecordedCase.of(finding.get("counterexample", []), authenticated=authenticated)
    target = options.names[0]
    selection = Selection.of(load_targets(options.targets), options)
    with Environment(selection, reference_url=reference_url) as run:
        version = run.targets[0]
        schemas = fuzz.FuzzSchemas(run)
        code, failures = ExitCode.OK, ()
        try:
            schema = schemas.get(version)
            fuzz.fuzz_operation(
                schema, method, path, token=schemas.token(version), client=run.http(version), replayed=[case]
            )
        except ContractViolation as found:
            message = redact(found.clause.splitlines()[0])
            code = ExitCode.VIOLATIONS
            failures = (Failure(finding["test"], "violation", message, identity(target, message, found)),)
        except TargetUnreachable:
            code = ExitCode.UNREACHABLE
        return Replayed(finding, target, code, failures, run.usage().get(target, {}))
