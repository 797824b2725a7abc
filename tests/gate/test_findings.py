"""Findings a team can act on, without a gate: the fingerprint keeps the shape of a counterexample and none
of its values, and each finding's bundle holds its request ready to send with a token placeholder, its
exchanges as HAR, and never a token or a secret."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import httpx

from destwatch.exit_codes import ExitCode
from destwatch.failures import violation
from destwatch.gate.bundles import TOKEN, finding_exchanges, write_bundles
from destwatch.gate.findings import fingerprint, parse_curl, request_shape
from destwatch.gate.replay import Replayed
from destwatch.gate.summary import Failure, Row, Summary, write_exchanges
from destwatch.http import Exchange
from destwatch.redact import redact, register_secret

BASE = "http://127.0.0.1:1/northwind/productCatalog/v2"
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


def _found(method: str, url: str, body: object = None, *, status: int = 200, token: str = "t0ken") -> str:
    request = httpx.Request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})
    found = violation("must: two values give the union", httpx.Response(status, request=request), body=body)
    parsed = parse_curl(found.request)
    return fingerprint("productCatalog/v2", found.clause, parsed, request_shape(parsed, found.status))


def test_the_fingerprint_keeps_kinds_and_drops_values_property_names_and_the_host() -> None:
    one = _found("POST", f"{BASE}/products", {"top": 1000, "filter": [{"must": {"brand": ["A", "B"]}}]})
    other = _found(
        "POST",
        f"{BASE.replace(':1/', ':2/')}/products",
        {"filter": [{"must": {"color": ["Red", "Pink"]}}], "top": 5},
        token="another",
    )
    assert one == other and re.fullmatch(r"F[0-9a-f]{12}", one)
    # A GET filter names the property as the parameter: any property is one kind.
    assert _found("GET", f"{BASE}/products?brand=A&top=3") == _found(
        "GET", f"{BASE}/products?color=Red&top=9"
    )
    # What makes another defect: the method, the endpoint, the operator, the parameters, the answer's status.
    different = [
        _found("GET", f"{BASE}/products?brand=A&top=3"),
        _found("POST", f"{BASE}/variants", {"top": 1000, "filter": [{"must": {"brand": ["A"]}}]}),
        _found("POST", f"{BASE}/products", {"top": 1000, "filter": [{"mustNot": {"brand": ["A"]}}]}),
        _found("POST", f"{BASE}/products", {"filter": [{"must": {"brand": ["A"]}}]}),
        _found("POST", f"{BASE}/products", {"top": 1, "filter": [{"must": {"b": ["A"]}}]}, status=500),
    ]
    assert len({one, *different}) == 6


def test_the_shape_reads_json_and_form_bodies_and_numbers_in_a_clause_do_not_count() -> None:
    form = parse_curl(
        shlex.join(["curl", "-X", "POST", "-d", "grant_type=client_credentials&client_id=x", "https://a/t"])
    )
    assert request_shape(form, 401) == ("status 401", "form client_id&grant_type")
    assert fingerprint("d/v1", "top: 3 results", None, ()) == fingerprint("d/v1", "top: 50 results", None, ())
    assert parse_curl("wget https://a") is None and parse_curl("curl 'unclosed") is None


def _summary(curl: str, message: str = "top: never more than `top`") -> Summary:
    parsed = parse_curl(curl)
    evidence = {
        "request": curl,
        "fingerprint": fingerprint("productCatalog/v2", message, parsed, request_shape(parsed, 200)),
    }
    failure = Failure(
        "shape/test_top.py::test_top[productCatalog/v2/products-POST]", "violation", message, evidence
    )
    row = Row("productCatalog", "v2", "shape", failed=1, failures=(failure,))
    return Summary(ExitCode.VIOLATIONS, (row,), started="2026-12-07T10:00:00Z", seed=7)


def test_a_bundle_holds_the_request_ready_to_send_its_exchanges_and_no_token_or_secret(
    tmp_path: Path,
) -> None:
    secret = "s3cret-of-the-destination"
    register_secret(secret)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
    body = {"top": 0, "note": secret}
    request = httpx.Request("POST", f"{BASE}/products", json=body, headers={"Authorization": f"Bearer {jwt}"})
    found = violation("top: never more than `top`", httpx.Response(200, request=request), body=body)
    summary = _summary(found.request)
    fp = summary.failures[0].evidence["fingerprint"]
    mine = Exchange(
        "productCatalog/v2",
        "POST",
        f"{BASE}/products",
        200,
        0.01,
        {"authorization": "Bearer [redacted]"},
        # Recorded as the client sent it (compact JSON), redacted as the recorder keeps it.
        redact(json.dumps(body, separators=(",", ":"))),
        '{"results": [1]}',
    )
    other = Exchange("productCatalog/v2", "GET", f"{BASE}/products", 200, 0.01, {}, "", "{}")
    found = finding_exchanges(summary, [mine, other])
    # Only the finding's own request, as the recorder kept it.
    assert found == {fp: [mine]}
    (folder,) = write_bundles(tmp_path, summary, found)

    assert folder == tmp_path / "findings" / fp
    script = (folder / "request.sh").read_text()
    assert f'-H "authorization: Bearer {TOKEN}"' in script and "top" in script
    http = (folder / "request.http").read_text()
    assert f"POST {BASE}/products" in http and f"authorization: Bearer {TOKEN}" in http
    har = json.loads((folder / "exchanges.har").read_text())["log"]
    assert [entry["request"]["method"] for entry in har["entries"]] == ["POST"]
    assert har["entries"][0]["response"]["content"]["text"] == '{"results": [1]}'
    finding = json.loads((folder / "finding.json").read_text())
    assert (finding["fingerprint"], finding["target"], finding["run"]["seed"]) == (fp, "productCatalog/v2", 7)
    assert f'"{fp}"' in (folder / "replay_finding.py").read_text()
    for path in folder.iterdir():
        text = path.read_text()
        assert secret not in text and not _JWT.search(text), path.name

    exchanges = tmp_path / "exchanges.jsonl"
    write_exchanges(exchanges, [mine, other], lambda exchange: fp if exchange is mine else "")
    lines = [json.loads(line) for line in exchanges.read_text().splitlines()]
    assert [line.get("finding") for line in lines] == [fp, None]


def test_one_folder_per_defect_and_last_run_s_folders_are_gone(tmp_path: Path) -> None:
    stale = tmp_path / "findings" / "F000000000000"
    stale.mkdir(parents=True)
    curl = shlex.join(["curl", "-X", "GET", f"{BASE}/products?top=0"])
    once = _summary(curl)
    twice = Summary(once.exit_code, once.rows * 2)
    written = write_bundles(tmp_path, twice, {})
    assert len(written) == 1 and not stale.exists()
    assert [path.name for path in (tmp_path / "findings").iterdir()] == [written[0].name]


def test_a_replay_says_still_fails_passes_or_not_checked_with_the_exit_code_each_means() -> None:
    finding = {"fingerprint": "Faaa", "message": "top: never more than `top`"}
    again = Failure("shape/t.py::t[x]", "violation", "top: never more than `top`", {"fingerprint": "Faaa"})
    other = Failure("shape/t.py::t[x]", "violation", "top: never more than `top`", {"fingerprint": "Fbbb"})
    usage = {"requests": 6, "tokens_fetched": 1}
    same = Replayed(finding, "productCatalog/v2", ExitCode.VIOLATIONS, (again,), usage)
    assert (same.code, same.same) == (ExitCode.VIOLATIONS, True)
    assert same.lines() == [
        "Faaa on productCatalog/v2: top: never more than `top`: still fails, the same finding "
        "(6 requests, 1 token)"
    ]
    moved = Replayed(finding, "productCatalog/v3", ExitCode.VIOLATIONS, (other,), usage)
    assert (moved.code, moved.same) == (ExitCode.VIOLATIONS, False) and "as Fbbb" in moved.lines()[0]
    assert Replayed(finding, "productCatalog/v2", ExitCode.OK, ()).code == ExitCode.OK
    # A skipped test checked nothing: never a pass.
    skipped = Replayed(finding, "productCatalog/v2", ExitCode.OK, (), checked=False)
    assert skipped.code == ExitCode.USAGE and "not checked" in skipped.lines()[0]
    gone = Replayed(finding, "productCatalog/v2", ExitCode.UNREACHABLE, ())
    assert gone.code == ExitCode.UNREACHABLE and "not replayed" in gone.lines()[0]
