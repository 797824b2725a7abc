"""Findings through whole gates on the reference: bundles that hold every request their replay sends (one
token at most), replay to the same failure and pass on the clean reference, and a baseline that accepts
one fault, not another, expires, and reports an entry fixed once its fault is gone.

One seeded fault per suite and kind of clause (seeded plans, a clause across versions, forged credentials,
the token endpoint, a fuzzed operation, the document) stands for the catalogue here: every seeded fault's
replays and its fingerprints under three seeds are in tests/suites/variants/test_matrix.py. Each gate runs
only the rule that catches its fault, on one version (two for a clause across versions).
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.exit_codes import ExitCode
from destwatch.gate.replay import replay
from destwatch.gate.summary import Summary
from destwatch.reference.targets import demo_secrets
from kit.gates import reference_targets, run_gate_on

pytestmark = pytest.mark.slow

V1, V2 = "productCatalog/v1", "productCatalog/v2"
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


@dataclass(frozen=True)
class Narrow:
    """The one rule that catches a fault: its suite, its tests (-k) and the versions (the first is
    where it is replayed from)."""

    suite: str
    tests: str
    target: str
    peer: str | None = None


SAMPLE = {
    "top-exceeded": Narrow("shape", "top_is_never_exceeded", V2),
    # Seeded plans: each seed filters on other properties and values.
    "must-values-and": Narrow("filters", "must_values", V2),
    # Seeded generation: each seed sends other cases.
    "server-error-on-top-zero": Narrow("fuzz", "operation and products-GET", V2),
    "range-bounds-exclusive": Narrow("filters", "inclusive_bounds", V2),
    # The same logical query on two versions: replayed with both.
    "v2-hides-out-of-stock": Narrow("filters", "versions", V1, V2),
    "alg-none-accepted": Narrow("auth", "without_valid_credentials", V1),
    # Parameter ids with spaces (`wrong encoding`), a token request's body.
    "token-500-on-bad-body": Narrow("auth", "bad_token_request", V1),
    # A clause across versions: replayed with the run's other version.
    "foreign-token-accepted": Narrow("auth", "reaches_exactly", V1, V2),
    "openapi-requires-token": Narrow("smoke", "openapi_document", V1),
}


def _gate(folder: Path, narrow: Narrow, **request: object) -> Summary:
    targets = reference_targets(folder, defaults={"examples": 3})
    return run_gate_on(
        targets,
        folder / "reports",
        suites=[narrow.suite],
        names=[narrow.target, *([narrow.peer] if narrow.peer else [])],
        tests=narrow.tests,
        **request,
    )


def _within_bundle(bundle: Path) -> None:
    """Every request the replay sent is one its bundle lists (read from the replay's own exchanges), and no
    version got more than one token."""
    listed = {tuple(key) for key in json.loads((bundle / "finding.json").read_text())["requests"]}
    replayed = json.loads((bundle / "replay" / "summary.json").read_text())["targets"]
    sent = [json.loads(line) for line in (bundle / "replay" / "exchanges.jsonl").read_text().splitlines()]
    for exchange in sent:
        base = replayed[exchange["target"]]["base_url"] + "/"
        url = exchange["url"]
        if url.startswith(base):
            where, body = "~/" + url.removeprefix(base), exchange["request_body"]
            body = json.dumps(json.loads(body), sort_keys=True) if body else ""
        else:
            # The version's token URL: its credentials, whichever version's, count as one.
            assert url.endswith("/token"), url
            where, body = "token", _without_credentials(exchange["request_body"])
        assert (exchange["target"], exchange["method"], where, body) in listed, exchange
    assert sent and all(usage["tokens_fetched"] + usage["auth_grants"] <= 1 for usage in replayed.values()), (
        replayed
    )


def _without_credentials(body: str) -> str:
    names = ("clientId", "clientSecret", "client_id", "client_secret", "audience")
    if body.startswith("{"):
        fields = json.loads(body)
        return json.dumps({k: "[redacted]" if k in names else v for k, v in fields.items()}, sort_keys=True)
    if "=" not in body:
        return body  # neither JSON nor a form: a malformed body, as sent
    pairs = [piece.partition("=") for piece in body.split("&")]
    return "&".join(sorted(f"{k}={'[redacted]' if k in names else v}" for k, _, v in pairs))


def _fingerprints(summary: Summary) -> set[str]:
    return {failure.evidence["fingerprint"] for failure in summary.failures if failure.kind == "violation"}


@pytest.mark.parametrize("fault", list(SAMPLE))
def test_a_bundle_holds_every_request_its_replay_sends_and_the_replay_takes_one_token(
    tmp_path: Path, fault: str
) -> None:
    # Every seeded fault's fingerprints across three seeds, and its replays on the faulty and the clean
    # reference: tests/suites/variants/test_matrix.py. Here, what a replay sends and what a bundle holds.
    narrow = SAMPLE[fault]
    run = _gate(tmp_path, narrow, fault=fault, seed=1)
    assert run.exit_code == ExitCode.VIOLATIONS and _fingerprints(run)

    reports = tmp_path / "reports"
    first = min(_fingerprints(run))
    bundle = reports / "findings" / first
    assert {"finding.json", "exchanges.har", "replay_finding.py"} <= {path.name for path in bundle.iterdir()}
    secrets = list(demo_secrets().values())
    for path in (reports / "findings").rglob("*"):
        text = path.read_text() if path.is_file() else ""
        assert not _JWT.search(text) and not any(secret in text for secret in secrets), path
    targets = tmp_path / "targets.toml"
    again = replay(reports, first, targets=targets, fault=fault)
    assert (again.code, again.same) == (ExitCode.VIOLATIONS, True), again.lines()
    # One token at most, and only the finding's test: a fuzzed operation sends its recorded case alone.
    sent = run.targets[narrow.target]["requests"]
    assert again.tokens <= 1 and again.usage["requests"] <= sent
    if narrow.suite == "fuzz":
        assert again.usage["requests"] <= 4 < sent, again.usage
    else:
        _within_bundle(bundle)
    clean = replay(reports, first, targets=targets)
    assert (clean.code, clean.still_fails) == (ExitCode.OK, False), clean.lines()


def test_a_baseline_accepts_its_fault_not_another_expires_and_reports_fixed_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shape = Narrow("shape", "top_is_never_exceeded or empty_results", V2)
    known = _gate(tmp_path / "known", shape, fault="top-exceeded")
    assert known.exit_code == ExitCode.VIOLATIONS
    baseline = tmp_path / "baseline.toml"
    next_year = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=365)).isoformat()
    args = ["baseline", "create", "--reports", str(tmp_path / "known" / "reports"), "--out", str(baseline)]
    args += ["--reason", "the owner fixes it", "--ticket", "DEST-42", "--accepted-by", "Ada"]
    created = CliRunner().invoke(app, [*args, "--expires", next_year])
    assert created.exit_code == 0, created.output

    accepted = _gate(tmp_path / "accepted", shape, fault="top-exceeded", baseline=baseline)
    assert accepted.exit_code == ExitCode.OK
    # Still in every report, marked.
    assert accepted.failures and all(
        f.evidence["baseline"]["status"] == "accepted" for f in accepted.failures
    )
    reports = tmp_path / "accepted" / "reports"
    properties = {
        prop.get("value")
        for prop in ElementTree.parse(reports / "junit.xml").iter("property")
        if prop.get("name") == "fingerprint"
    }
    assert properties == _fingerprints(accepted)
    # junit.xml, written before the baseline applied, is marked too: each accepted finding's test case.
    assert set(_junit_marks(reports).values()) == {"accepted"}
    assert {case for case, _ in _junit_marks(reports)} == {
        f.test.partition("::")[2] for f in accepted.failures
    }
    lines = [json.loads(line) for line in (reports / "exchanges.jsonl").read_text().splitlines()]
    assert {line["finding"] for line in lines if "finding" in line} == _fingerprints(accepted)
    page = (reports / "index.html").read_text()
    assert 'class="setting baseline" data-status="accepted"' in page and "DEST-42" in page

    capsys.readouterr()
    other = _gate(tmp_path / "other", shape, fault="empty-results-404", baseline=baseline)
    said = capsys.readouterr().out
    assert other.exit_code == ExitCode.VIOLATIONS
    assert "remove it from" in (tmp_path / "other" / "reports" / "index.html").read_text()
    assert not any("baseline" in failure.evidence for failure in other.failures)
    fixed = {entry["fingerprint"] for entry in (other.baseline or {})["fixed"]}
    assert fixed == _fingerprints(known)
    assert len(re.findall(rf"fixed: F[0-9a-f]{{12}} {V2}: .* remove it from {baseline}", said)) == len(fixed)
    # The fixed entries' test cases, which passed, say so in junit.xml; the new finding is not marked.
    marked = _junit_marks(tmp_path / "other" / "reports")
    fixed_tests = {entry["test"].partition("::")[2] for entry in (other.baseline or {})["fixed"]}
    statuses = {case: value for (case, name), value in marked.items() if name == "destwatch.baseline"}
    notes = [value for (_, name), value in marked.items() if name == "destwatch.baseline.fixed"]
    assert set(statuses) == fixed_tests and set(statuses.values()) == {"fixed"}, marked
    assert len(notes) == len(fixed_tests) and all(f"remove it from {baseline}" in note for note in notes)

    baseline.write_text(re.sub(r"expires = \S+", "expires = 2020-01-01", baseline.read_text()))
    expired = _gate(tmp_path / "expired", shape, fault="top-exceeded", baseline=baseline)
    assert expired.exit_code == ExitCode.VIOLATIONS
    assert all(f.evidence["baseline"]["status"] == "expired" for f in expired.failures)
    assert set(_junit_marks(tmp_path / "expired" / "reports").values()) == {"expired"}


def _junit_marks(reports: Path) -> dict[tuple[str, str], str]:
    """(test case name, property) -> value of every baseline property junit.xml holds."""
    return {
        (case.get("name", ""), prop.get("name", "")): prop.get("value", "")
        for case in ElementTree.parse(reports / "junit.xml").iter("testcase")
        for prop in case.iter("property")
        if prop.get("name", "").startswith("destwatch.baseline")
    }


def test_a_replay_that_would_send_a_request_outside_its_bundle_stops_there_with_exit_4(
    tmp_path: Path,
) -> None:
    narrow = SAMPLE["top-exceeded"]
    run = _gate(tmp_path, narrow, fault="top-exceeded", seed=1)
    fingerprint = min(_fingerprints(run))
    path = tmp_path / "reports" / "findings" / fingerprint / "finding.json"
    finding = json.loads(path.read_text())
    # A bundle that lacks one of its test's requests: the replay must refuse it, not judge the destination.
    dropped = finding["requests"].pop()
    path.write_text(json.dumps(finding))
    args = [
        "replay",
        fingerprint,
        "--reports",
        str(tmp_path / "reports"),
        "--targets",
        str(tmp_path / "targets.toml"),
    ]
    result = CliRunner().invoke(app, [*args, "--fault", "top-exceeded"])
    assert result.exit_code == ExitCode.ERROR, result.output
    target, method, where, body = dropped
    assert f"the replay diverged from the bundle: {target} {method} {where} {body}".rstrip() in result.output
    sent = [
        json.loads(line) for line in (path.parent / "replay" / "exchanges.jsonl").read_text().splitlines()
    ]
    assert not any(e["url"].endswith(where.removeprefix("~")) and e["request_body"] == body for e in sent)


def test_a_finding_replays_on_another_version_with_the_choices_its_own_version_made(tmp_path: Path) -> None:
    # The seeded plan chose a property and values on v2; on v1 the replay chooses the same (`seeded_as`), so
    # it sends the bundle's requests, on v1.
    run = _gate(tmp_path, SAMPLE["must-values-and"], fault="must-values-and", seed=1)
    targets, first = tmp_path / "targets.toml", min(_fingerprints(run))
    other = replay(tmp_path / "reports", first, version="v1", targets=targets, fault="must-values-and")
    assert (other.code, other.target, other.still_fails) == (ExitCode.VIOLATIONS, V1, True), other.lines()
    assert other.tokens <= 1
