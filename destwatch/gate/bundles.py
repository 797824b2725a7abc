"""A folder per finding, `reports/findings/FINGERPRINT/`: the request that broke the clause, ready to send
again, and the exchanges it took.

- `finding.json`: the finding as summary.json has it, with its run's seed, fault and variant;
- `request.http` and `request.sh`: the exact request (an editor's HTTP file, a curl command), with
  `$DESTWATCH_TOKEN` where the token was;
- `exchanges.har`: the finding's exchanges (those of its request) as HAR 1.2, redacted and cut to the
  recorder's excerpts, as exchanges.jsonl keeps them;
- `replay_finding.py`: a pytest file that checks the finding again (`destwatch.gate.replay`) and passes
  once the clause holds.

Everything comes from the redacted reports: no token and no secret is ever written, so a value that was
redacted stays `[redacted]` (a token request's secret, a forged credential of the auth suite: its
counterexample says which one).
"""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import destwatch
from destwatch._files import write_atomic
from destwatch.gate.findings import ParsedRequest, parse_curl
from destwatch.gate.summary import Failure, Summary, write_json
from destwatch.http import Exchange
from destwatch.redact import redact

__all__ = ["FINDINGS", "TOKEN", "finding_exchanges", "write_bundles"]

FINDINGS = "findings"
TOKEN = "$DESTWATCH_TOKEN"
_Key = tuple[str, str, str, str]


def finding_exchanges(summary: Summary, exchanges: Iterable[Exchange]) -> dict[str, list[Exchange]]:
    """The exchanges of each finding's request (same version, method, URL and body), by fingerprint."""
    marks: dict[_Key, str] = {}
    for target, failure in _findings(summary):
        request = parse_curl(failure.evidence.get("request", ""))
        if request is not None:
            key = (target, request.method, request.url, _canonical(request.body))
            marks.setdefault(key, failure.evidence["fingerprint"])
    # A fuzz run records thousands of exchanges: only those to a finding's URL have their body read.
    urls = {key[:3] for key in marks}
    found: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        if (exchange.target, exchange.method, exchange.url) in urls:
            key = (exchange.target, exchange.method, exchange.url, _canonical(exchange.request_body))
            if key in marks:
                found.setdefault(marks[key], []).append(exchange)
    return found


def write_bundles(reports: Path, summary: Summary, exchanges: Mapping[str, Sequence[Exchange]]) -> list[Path]:
    """One folder per distinct finding of `summary` under `reports/findings/` (emptied first), with its
    `exchanges` (`finding_exchanges`)."""
    root = reports / FINDINGS
    shutil.rmtree(root, ignore_errors=True)
    written = []
    for target, failure in _findings(summary):
        fingerprint = failure.evidence["fingerprint"]
        folder = root / fingerprint
        if folder.exists():
            continue  # the same defect found again: its first request stands for it
        folder.mkdir(parents=True)
        _write_bundle(folder, target, failure, summary, exchanges.get(fingerprint, ()))
        written.append(folder)
    return written


def _findings(summary: Summary) -> Iterable[tuple[str, Failure]]:
    for row in summary.rows:
        for failure in row.failures:
            if failure.kind == "violation" and failure.evidence.get("fingerprint"):
                yield row.target, failure


def _write_bundle(
    folder: Path, target: str, failure: Failure, summary: Summary, exchanges: Sequence[Exchange]
) -> None:
    request = parse_curl(failure.evidence.get("request", ""))
    run = {name: getattr(summary, name) for name in ("started", "seed", "fault", "variant")}
    # The run's versions: a clause across versions is checked again with the same ones.
    run["targets"] = sorted(summary.targets)
    write_json(folder / "finding.json", {"target": target, **failure.to_json(), "run": run})
    if request is not None:
        write_atomic(folder / "request.http", redact(_http_file(request, target)))
        write_atomic(folder / "request.sh", redact(_curl_script(request, target)))
    write_json(folder / "exchanges.har", _har(exchanges, summary.started or ""))
    write_atomic(folder / "replay_finding.py", _replay_test(failure, target))


def _with_token(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name, f"Bearer {TOKEN}" if name.lower() == "authorization" else value) for name, value in headers
    ]


def _http_file(request: ParsedRequest, target: str) -> str:
    lines = [
        f"# {target}: set DESTWATCH_TOKEN to a token of this version; values shown as [redacted] were "
        "secrets and are not kept",
        f"{request.method} {request.url}",
        *(f"{name}: {value}" for name, value in _with_token(request.headers)),
    ]
    return "\n".join(lines) + ("\n\n" + request.body if request.body else "") + "\n"


def _curl_script(request: ParsedRequest, target: str) -> str:
    parts = ["curl", "-X", request.method]
    for name, value in _with_token(request.headers):
        # Double quotes only where the token goes, so the shell puts it in; everything else verbatim.
        quoted = f'"{name}: {value}"' if TOKEN in value else shlex.quote(f"{name}: {value}")
        parts += ["-H", quoted]
    if request.body:
        parts += ["-d", shlex.quote(request.body)]
    parts.append(shlex.quote(request.url))
    header = f"#!/bin/sh\n# {target}: export DESTWATCH_TOKEN (a token of this version) first\n"
    return header + " ".join(parts) + "\n"


def _replay_test(failure: Failure, target: str) -> str:
    fingerprint = failure.evidence["fingerprint"]
    # Named so that a plain `pytest` in the user's repository never collects it from the reports folder.
    clause = " ".join(redact(failure.message).split())
    return f'''"""Finding {fingerprint} on {target}: passes once the destination no longer breaks its clause.

Run it from the folder of targets.toml (or set DESTWATCH_TARGETS):
`pytest {FINDINGS}/{fingerprint}/replay_finding.py` in the reports folder. It checks the finding again as
`destwatch replay {fingerprint}` does: its test, on its version, with the version's own client and token.
"""

# The clause: {clause}

import os
from pathlib import Path

from destwatch.gate.replay import replay


def test_{fingerprint}_no_longer_occurs() -> None:
    given = os.environ.get("DESTWATCH_TARGETS")
    reports = Path(__file__).resolve().parents[2]
    done = replay(reports, "{fingerprint}", targets=Path(given) if given else None)
    assert not done.still_fails, "\\n".join(done.lines())
'''


def _har(exchanges: Sequence[Exchange], started: str) -> dict[str, Any]:
    creator = {"name": "destwatch", "version": destwatch.__version__}
    return {"log": {"version": "1.2", "creator": creator, "entries": [_entry(e, started) for e in exchanges]}}


def _entry(exchange: Exchange, started: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": name, "value": value} for name, value in exchange.request_headers.items()],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(exchange.request_body.encode()),
    }
    if exchange.request_body:
        request["postData"] = {"mimeType": "application/json", "text": exchange.request_body}
    response = {
        "status": exchange.status or 0,
        "statusText": exchange.error,
        "httpVersion": "HTTP/1.1",
        "headers": [],
        "cookies": [],
        "content": {"size": -1, "mimeType": "application/json", "text": exchange.response_body},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
    }
    wait = round(exchange.elapsed * 1000, 1)
    return {
        # HAR asks for each entry's start; a run keeps only its own, which stands for them all.
        "startedDateTime": started,
        "time": wait,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
    }


def _canonical(body: str) -> str:
    """A request body as one text whoever serialized it (the client's compact JSON or the curl's)."""
    try:
        return json.dumps(json.loads(body), sort_keys=True)
    except ValueError:
        return body
