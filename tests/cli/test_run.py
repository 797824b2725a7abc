"""`destwatch run` end to end: the real command in a subprocess against the embedded reference."""

from __future__ import annotations

import gc
import json
import re
import socket
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app, main
from destwatch.exit_codes import ExitCode
from kit.gates import CommandRun, run_destwatch

ROOT = Path(__file__).resolve().parents[2]
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.")
# v3's consumers use OAuth2 (token_flow = "oauth2" in targets.toml): its application is the OAuth2 one.
_CLIENTS = {1: "demo-client-v1", 2: "demo-client-v2", 3: "demo-oauth-v3"}
_SECRETS = {
    "DW_E2E_V1_SECRET": "demo-secret-v1",
    "DW_E2E_V2_SECRET": "demo-secret-v2",
    "DW_E2E_V3_SECRET": "demo-oauth-secret-v3",
}


def _destwatch(tmp: Path, *args: str, env: dict[str, str] | None = None) -> CommandRun:
    """`destwatch run ARGS` in the repository's folder: without --targets, its targets.toml."""
    return run_destwatch(tmp, *args, cwd=ROOT, env=env, timeout=240)


def _env_targets(tmp: Path) -> Path:
    """The embedded reference with credentials taken from environment variables, as for a real destination."""
    text = (ROOT / "targets.toml").read_text(encoding="utf-8")
    for n, client_id in _CLIENTS.items():
        text = text.replace(
            f"[destinations.productCatalog.versions.v{n}]\n",
            f'[destinations.productCatalog.versions.v{n}]\nclient_id = "{client_id}"\n'
            f'client_secret = "${{DW_E2E_V{n}_SECRET}}"\n',
        )
    path = tmp / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> CommandRun:
    """One `destwatch run` of every suite, credentials from the environment (shared: it is the slow part)."""
    tmp = tmp_path_factory.mktemp("full")
    return _destwatch(tmp, "--targets", str(_env_targets(tmp)), env=_SECRETS)


@pytest.mark.slow
def test_run_on_the_embedded_reference_exits_0_and_writes_every_report(full_run: CommandRun) -> None:
    assert full_run.code == 0, full_run.output[-3000:]
    summary = full_run.summary
    assert summary.exit_code == ExitCode.OK and summary.totals["failed"] == 0
    assert {row.suite for row in summary.rows} == {"auth", "filters", "fuzz", "shape", "smoke"}
    assert {row.target for row in summary.rows} == {
        "productCatalog/v1",
        "productCatalog/v2",
        "productCatalog/v3",
        "googleMarketplace/v1",
    }
    suites = ET.parse(full_run.reports / "junit.xml").getroot()
    assert int(suites.find("testsuite").get("tests")) == sum(
        summary.totals[key] for key in ("passed", "failed", "skipped")
    )
    allure = list((full_run.reports / "allure-results").glob("*-result.json"))
    assert len(allure) == int(suites.find("testsuite").get("tests"))
    assert sorted(p.name for p in (full_run.reports / "specs").iterdir()) == [
        "googleMarketplace-v1.openapi.json",
        "productCatalog-v1.openapi.json",
        "productCatalog-v2.openapi.json",
        "productCatalog-v3.openapi.json",
    ]
    assert re.search(r"passed \(exit 0\): \d+ passed, 0 failed", full_run.output)


@pytest.mark.slow
def test_tokens_are_fetched_once_per_version_per_token_lifetime(full_run: CommandRun) -> None:
    # The reference's tokens live 4 s here ([reference] token_ttl) and are renewed 1.5 s before they end:
    # each version fetches one per 2.5 s of the run at most, never one per request or per test.
    summary = full_run.summary
    assert summary.duration is not None
    for name, usage in summary.targets.items():
        if name == "googleMarketplace/v1":
            assert usage["tokens_fetched"] == 0  # unprotected
            continue
        assert 1 <= usage["tokens_fetched"] <= summary.duration / 2.5 + 1, (name, usage, summary.duration)
        assert usage["requests"] > 50 * usage["tokens_fetched"], (name, usage)


@pytest.mark.slow
def test_no_secret_and_no_token_in_any_report_file_or_the_output(full_run: CommandRun) -> None:
    assert full_run.code == 0, full_run.output[-3000:]
    texts = {"output": full_run.output}
    for path in full_run.reports.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    assert len(texts) > 10
    for where, text in texts.items():
        for secret in _SECRETS.values():
            assert secret not in text, f"client secret in {where}"
        assert not _JWT.search(text), f"token in {where}: {_JWT.search(text)}"


# The whole coverage of the embedded default (every suite, every version), by kind and state: every item is
# proven but the POST search fields, which are only fuzzed because no clause can judge what a search matches
# (Occtoo publishes no search semantics).
_SEARCH = {"caseInsensitiveSearch", "search", "searchOn"}
_CATALOGUE_V1 = {
    "operations": {"proven": 2},
    "parameters": {"proven": 13},
    "body_fields": {"proven": 10, "exercised": 3},
    "filters": {"proven": 16},
    "sort": {"proven": 16},
    "facets": {"proven": 3},
    "languages": {"proven": 3},
    "paging": {"proven": 2},
    "statuses": {"proven": 6},
    "properties": {"proven": 8},
}
_CATALOGUE_V2 = {
    "operations": {"proven": 4},
    "parameters": {"proven": 26},
    "body_fields": {"proven": 20, "exercised": 6},
    "filters": {"proven": 36},
    "sort": {"proven": 32},
    "facets": {"proven": 5},
    "languages": {"proven": 6},
    "paging": {"proven": 4},
    "statuses": {"proven": 12},
    "properties": {"proven": 16},
}
PINNED_COVERAGE = {
    "productCatalog/v1": _CATALOGUE_V1,
    "productCatalog/v2": _CATALOGUE_V2,
    # v3 drops the GET `periodSince` parameter.
    "productCatalog/v3": {**_CATALOGUE_V2, "parameters": {"proven": 24}},
    "googleMarketplace/v1": {
        "operations": {"proven": 2},
        "parameters": {"proven": 13},
        "body_fields": {"proven": 10, "exercised": 3},
        "filters": {"proven": 12},
        "sort": {"proven": 14},
        "facets": {"proven": 1},
        "languages": {"proven": 2},
        "paging": {"proven": 2},
        "statuses": {"proven": 4},
        "properties": {"proven": 7},
    },
}


@pytest.mark.slow
def test_the_embedded_default_proves_every_filter_sort_facet_language_and_paging_mode(
    full_run: CommandRun,
) -> None:
    versions = json.loads((full_run.reports / "coverage.json").read_text())["versions"]
    by_kind = {
        version["target"]: {
            kind: {state: n for state, n in counts.items() if n}
            for kind, counts in version["by_kind"].items()
        }
        for version in versions
    }
    assert by_kind == PINNED_COVERAGE
    unproven = [item for version in versions for item in version["items"] if item["state"] != "proven"]
    assert unproven and all(
        (item["kind"], item["state"], item["reason"]) == ("body_fields", "exercised", "fuzzed")
        and item["name"] in _SEARCH
        for item in unproven
    ), unproven


@pytest.mark.slow
def test_seeded_envelope_fault_exits_1_with_the_failure_in_summary_and_junit(tmp_path: Path) -> None:
    ran = _destwatch(tmp_path, "--suite", "smoke", "--fault", "envelope-missing-language")
    assert ran.code == 1, ran.output[-3000:]
    clause = "the answer holds `language` (the envelope is {language, results})"
    summary = ran.summary
    assert summary.exit_code == ExitCode.VIOLATIONS and summary.result == "contract violations"
    assert clause in [failure.message for failure in summary.failures]
    failures = ET.parse(ran.reports / "junit.xml").getroot().iter("failure")
    assert any(clause in (failure.get("message") or "") for failure in failures)
    assert "FAILED smoke/test_smoke.py::test_endpoint_answers_get_with_the_documented_envelope" in ran.output


@pytest.mark.slow
def test_unreachable_target_exits_3_while_the_other_targets_still_run(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    targets = tmp_path / "targets.toml"
    targets.write_text(
        (ROOT / "targets.toml").read_text(encoding="utf-8")
        + f'\n[destinations.gone]\nbase_url = "http://127.0.0.1:{port}"\ncustomer = "acme"\n'
        '[destinations.gone.versions.v1]\nprotected = false\ndestination_id = "g"\nlanguages = ["en"]\n',
        encoding="utf-8",
    )
    ran = _destwatch(
        tmp_path,
        "--targets",
        str(targets),
        "--suite",
        "smoke",
        "--target",
        "gone",
        "--target",
        "googleMarketplace",
    )
    assert ran.code == 3, ran.output[-3000:]
    summary = ran.summary
    assert [item.target for item in summary.unreachable] == ["gone/v1"]
    (row,) = [row for row in summary.rows if row.target == "googleMarketplace/v1"]
    assert row.passed >= 3 and row.failed == 0
    assert "unreachable: gone/v1: connection refused" in ran.output


@pytest.mark.slow
def test_arguments_after_double_dash_go_to_pytest(tmp_path: Path) -> None:
    ran = _destwatch(tmp_path, "--suite", "smoke", "--target", "googleMarketplace", "--", "-k", "post")
    assert ran.code == 0, ran.output[-3000:]
    totals = ran.summary.totals
    assert (totals["passed"], totals["failed"], totals["skipped"]) == (1, 0, 0)


def _plugins(output: str) -> set[str]:
    line = next(line for line in output.splitlines() if line.startswith("plugins: "))
    return {item.rsplit("-", 1)[0] for item in line.removeprefix("plugins: ").split(", ")}


@pytest.mark.slow
def test_the_gate_loads_only_its_own_pytest_plugins_and_those_the_user_names(tmp_path: Path) -> None:
    # This environment has more installed (pytest-timeout, anyio, Schemathesis's, pytest-xdist): none
    # takes part in a run unless asked for, so installing a plugin cannot change what a run means.
    args = ("--suite", "smoke", "--target", "googleMarketplace", "--jobs", "1", "--", "-v")
    ran = _destwatch(tmp_path, *args)
    assert ran.code == 0, ran.output[-3000:]
    assert _plugins(ran.output) == {"destwatch", "allure-pytest", "hypothesis"}
    named = _destwatch(tmp_path, *args, "-p", "timeout")
    assert named.code == 0, named.output[-3000:]
    assert _plugins(named.output) == {"destwatch", "allure-pytest", "hypothesis", "timeout"}


def test_the_command_leaves_its_heap_to_the_os_on_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Collected at exit, the heap of a run cost 0.4 s; frozen, the interpreter's last collection skips it.
    monkeypatch.setattr(sys, "argv", ["destwatch", "--version"])
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code in (0, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


_BAD_TARGETS = "[defaults]\nmax_rps = -5\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--targets", "{bad}"], "{bad}:2: defaults.max_rps: input should be greater than 0"),
        (["--targets", "{missing}"], "{missing}: file not found. Fix: pass --targets FILE"),
        (
            ["--suite", "smok"],
            "--suite: no suite named smok. "
            "Fix: choose from auth, consumers, filters, fuzz, ratelimit, shape, smoke",
        ),
        (["--fault", "hangs"], "--fault: unknown fault 'hangs'"),
        (["--target", "productCatalog/v9"], "--target: no destination or version named 'productCatalog/v9'"),
        (["--version", "v9"], "--version: no destination has a version 'v9'"),
        (
            ["--target", "googleMarketplace", "--version", "v2"],
            "no configured version is both googleMarketplace and v2",
        ),
        (["--reports", "{file}"], "{file}: --reports: File exists. Fix: pass a writable folder"),
        (["--suit", "fuzz"], "No such option: --suit"),
    ],
    ids=[
        "bad-targets-file",
        "missing-targets-file",
        "unknown-suite",
        "unknown-fault",
        "unknown-target",
        "unknown-version",
        "selection-of-nothing",
        "reports-path-is-a-file",
        "mistyped-option",
    ],
)
def test_usage_and_configuration_errors_exit_2_with_one_clear_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    bad, missing, file = tmp_path / "bad.toml", tmp_path / "missing.toml", tmp_path / "a-file"
    bad.write_text(_BAD_TARGETS, encoding="utf-8")
    file.write_text("", encoding="utf-8")
    paths = {"bad": str(bad), "missing": str(missing), "file": str(file)}
    result = CliRunner().invoke(
        app, ["run", "--reports", str(tmp_path / "r"), *[a.format(**paths) for a in args]]
    )
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    said = [line for line in lines if message.format(**paths) in line]
    # One line says it: destwatch's own mistakes are that line alone, a mistyped option gets click's usage.
    assert len(said) == 1, result.output
    assert lines == said or (said[0].startswith("Error: ") and "--help" in result.output), result.output
    assert "Traceback" not in result.output
