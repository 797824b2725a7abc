"""The pytest plugin: inert for plain tests, targets as parameters, markers, exit codes, reports, Allure."""

from __future__ import annotations

import gc
import json
import os
import re
import socket
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path

import httpcore
import openapi_spec_validator
import pytest

import destwatch.reference.app

# In-process runs forget modules first imported inside them. httpx maps httpcore's exception classes once,
# so a reimported httpcore would raise classes it no longer knows; a reimported OpenAPI validator meets
# the YAML loader it registered in the forgotten copy: import the lazily loaded modules here.
_SHARED_MODULES = (httpcore, openapi_spec_validator, destwatch.reference.app)

ROOT = Path(__file__).resolve().parents[2]
# The repository's targets, copied next to each test: a path outside it would make pytest take this
# repository's pyproject.toml (and its -n auto) as the inner run's configuration.
TARGETS = "targets.toml"


@pytest.fixture(autouse=True)
def _repository_targets(pytester: pytest.Pytester) -> None:
    (pytester.path / TARGETS).write_text(
        (ROOT / "targets.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )


def _suite(pytester: pytest.Pytester, name: str, source: str) -> Path:
    folder = pytester.path / "suites" / name
    folder.mkdir(parents=True, exist_ok=True)
    # Not the name of a shipped suite's module: an in-process gate earlier in this process imported those.
    path = folder / f"test_{name}_written.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _run(pytester: pytest.Pytester, *args: str, plugins: Sequence[object] = ()) -> pytest.RunResult:
    # In-process runs import destwatch before pytest loads the plugin by entry point: nothing to rewrite.
    return pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        *args,
        plugins=list(plugins),
    )


def test_plugin_is_inert_when_no_test_asks_for_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = _run(pytester, "--targets", "missing.toml", "--reports", "reports")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    assert not (pytester.path / "reports").exists()
    # Loaded by entry point (listed among the plugins), and otherwise silent.
    lines = result.stdout.lines
    assert any(line.startswith("plugins:") and "destwatch" in line for line in lines)
    assert not [line for line in lines if "destwatch" in line and not line.startswith("plugins:")]


def test_a_test_that_parametrizes_target_itself_is_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.parametrize('target', ['mine'])\n"
        "def test_own(target):\n    assert target == 'mine'\n"
    )
    result = _run(pytester, "--targets", "missing.toml")
    result.assert_outcomes(passed=1)


def test_targets_and_endpoints_parametrize_with_destination_version_ids(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        "demo",
        """
        def test_version(target):
            assert target.base_url.startswith("http://127.0.0.1:")

        def test_endpoint(target, endpoint):
            assert endpoint in ("products", "variants", "feed")
        """,
    )
    result = _run(pytester, "suites", "--targets", TARGETS, "-v")
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines(
        [
            "*test_version?productCatalog/v1? PASSED*",
            "*test_version?googleMarketplace/v1? PASSED*",
            "*test_endpoint?productCatalog/v2/variants? PASSED*",
            "*test_endpoint?googleMarketplace/v1/feed? PASSED*",
        ]
    )


def test_target_and_version_options_select_versions(pytester: pytest.Pytester) -> None:
    _suite(pytester, "demo", "def test_version(target):\n    pass\n")
    result = _run(
        pytester, "suites", "--targets", TARGETS, "--target", "productCatalog", "--destination-version", "v2"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*productCatalog/v2*demo*1*0*0*"])


def test_protected_only_skips_unprotected_versions_with_the_reason(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        "demo",
        """
        import pytest

        @pytest.mark.protected_only
        def test_token(target, dw_run):
            assert dw_run.http(target).token()
        """,
    )
    result = _run(pytester, "suites", "--targets", TARGETS, "-rs")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["*googleMarketplace/v1 is not protected (protected = false)*"])


def test_suite_marker_comes_from_the_folder_under_suites(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        "shape",
        """
        def test_marker(target, request):
            assert request.node.get_closest_marker("suite").args == ("shape",)
        """,
    )
    _run(pytester, "suites", "--targets", TARGETS, "--target", "googleMarketplace").assert_outcomes(passed=1)


def test_a_destwatch_session_freezes_the_heap_after_collection_and_thaws_it_at_the_end(
    pytester: pytest.Pytester,
) -> None:
    _suite(
        pytester,
        "heap",
        """
        import gc

        def test_frozen(target):
            assert gc.get_freeze_count() > 0
        """,
    )
    pytester.makepyfile(
        test_plain="import gc\n\ndef test_not_frozen():\n    assert gc.get_freeze_count() == 0\n"
    )
    # pytest's own cleanups (its unraisable-exception check collects garbage) still find the heap frozen.
    seen: list[int] = []

    class CleanupProbe:
        def pytest_configure(self, config: pytest.Config) -> None:
            config.add_cleanup(lambda: seen.append(gc.get_freeze_count()))

    run = _run(
        pytester, "suites", "--targets", TARGETS, "--target", "googleMarketplace", plugins=[CleanupProbe()]
    )
    run.assert_outcomes(passed=1)
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
    # A session where no test asks for a target is left as it is (its test sees nothing frozen).
    _run(pytester, "test_plain.py").assert_outcomes(passed=1)


def _container_setups(folder: Path) -> list[str]:
    return sorted(
        before["name"]
        for path in folder.glob("*-container.json")
        for before in json.loads(path.read_text(encoding="utf-8")).get("befores", [])
    )


def test_allure_keeps_real_fixtures_as_set_up_steps_but_not_parametrized_arguments(
    pytester: pytest.Pytester,
) -> None:
    source = """
        import pytest

        @pytest.fixture
        def prepared():
            return 1

        @pytest.mark.parametrize("method", ["GET", "POST"])
        def test_both(target, endpoint, method, prepared):
            assert prepared == 1
        """
    _suite(pytester, "params", source)
    args = ("--targets", TARGETS, "--target", "googleMarketplace", "--alluredir")
    _run(pytester, "suites", *args, "ours").assert_outcomes(passed=2)  # one endpoint, two methods
    results = list((pytester.path / "ours").glob("*-result.json"))
    parameters = {p["name"] for p in json.loads(results[0].read_text(encoding="utf-8"))["parameters"]}
    assert len(results) == 2 and parameters == {"target", "endpoint", "method"}
    setups = _container_setups(pytester.path / "ours")
    # If this fails, allure-pytest or pytest changed what destwatch.gate._allure wraps.
    assert setups == ["prepared", "prepared"], setups
    # Outside a destwatch session Allure is left as it is: a set-up step per parameter, too.
    pytester.makepyfile(
        test_plain="import pytest\n\n@pytest.mark.parametrize('n', [1, 2])\ndef test_n(n):\n    pass\n"
    )
    _run(pytester, "test_plain.py", "--alluredir", "plain").assert_outcomes(passed=2)
    assert _container_setups(pytester.path / "plain") == ["n", "n"]


def test_allure_files_are_written_off_the_test_thread_and_all_exist_when_the_session_ends(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from allure_commons.logger import AllureFileLogger

    from destwatch.gate._allure import WRITER, WrittenLater

    hooks = {name for name in dir(AllureFileLogger) if name.startswith("report_")}
    # If this fails, Allure's file logger gained a hook destwatch.gate._allure does not pass on.
    assert hooks == {name for name in dir(WrittenLater) if name.startswith("report_")}
    writers: list[str] = []
    replace = os.replace

    def recording(source: str, destination: str) -> None:
        writers.append(threading.current_thread().name)
        replace(source, destination)

    monkeypatch.setattr(os, "replace", recording)
    _suite(
        pytester,
        "many",
        "import pytest\n\n@pytest.mark.parametrize('n', range(5))\ndef test_n(target, n):\n    pass\n",
    )
    args = ("--targets", TARGETS, "--target", "googleMarketplace", "--alluredir", "ours")
    _run(pytester, "suites", *args).assert_outcomes(passed=5)
    assert len(list((pytester.path / "ours").glob("*-result.json"))) == 5
    assert len(writers) >= 5 and set(writers) == {WRITER}, writers
    # Outside a destwatch session Allure is left as it is.
    writers.clear()
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    _run(pytester, "test_plain.py", "--alluredir", "plain").assert_outcomes(passed=1)
    assert writers == [threading.current_thread().name]


def test_a_failed_allure_write_is_raised_when_the_session_waits_for_the_files(tmp_path: Path) -> None:
    from allure_commons.logger import AllureFileLogger

    from destwatch.gate._allure import WrittenLater

    (tmp_path / "results").write_text("a file where Allure wants its folder's files", encoding="utf-8")
    logger = AllureFileLogger(tmp_path)
    later = WrittenLater(logger)
    later.report_attached_data(b"data", "results/attachment.txt")
    with pytest.raises(NotADirectoryError):
        later.close()


def test_client_and_document_fixtures_serve_the_version(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        "demo",
        """
        def test_fixtures(target, endpoint, client, document, dw_run):
            assert document is dw_run.document(target)
            assert client.get(endpoint).status_code == 200
            assert [t.id for t in dw_run.versions_of("productCatalog")] == [
                "productCatalog/v1", "productCatalog/v2", "productCatalog/v3"
            ]
        """,
    )
    _run(pytester, "suites", "--targets", TARGETS, "--target", "productCatalog/v2").assert_outcomes(passed=2)


def test_an_unreachable_target_is_one_line_its_items_not_run_exit_3_the_others_still_run(
    pytester: pytest.Pytester,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    targets = pytester.path / "targets.toml"
    targets.write_text(
        textwrap.dedent(
            f"""
            [destinations.googleMarketplace]
            base_url = "embedded"
            customer = "northwind"
            [destinations.googleMarketplace.versions.v1]
            protected = false
            languages = ["en", "sv"]

            [destinations.gone]
            base_url = "http://127.0.0.1:{port}/{{customer}}/{{destination}}"
            customer = "acme"
            [destinations.gone.versions.v1]
            protected = false
            destination_id = "guid"
            languages = ["en"]
            """
        ),
        encoding="utf-8",
    )
    _suite(pytester, "demo", "def test_endpoint(target, endpoint, client):\n    client.get(endpoint)\n")
    result = _run(pytester, "suites", "--targets", str(targets), "--reports", "reports")
    assert result.ret == 3
    # Not a failure of the test: it could not run. One line says so, not an error block per test.
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*unreachable: gone/v1: connection refused*127.0.0.1:{port}*"])
    assert "ERROR at setup" not in result.stdout.str()
    summary = json.loads((pytester.path / "reports" / "summary.json").read_text())
    assert summary["exit_code"] == 3
    assert summary["unreachable"] == [
        {"target": "gone/v1", "reason": summary["unreachable"][0]["reason"], "tests_not_run": 1}
    ]
    gone = next(row for row in summary["rows"] if row["destination"] == "gone")
    assert (gone["not_run"], gone["failed"], gone["failures"]) == (1, 0, [])
    assert (summary["totals"]["not_run"], summary["totals"]["failed"]) == (1, 0)


def test_bad_targets_file_stops_the_session_with_exit_2_and_the_message(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "bad.toml"
    bad.write_text("[defaults]\ntimeout = -1\n", encoding="utf-8")
    _suite(pytester, "demo", "def test_version(target):\n    pass\n")
    result = _run(pytester, "suites", "--targets", str(bad))
    assert result.ret == 2
    result.stdout.fnmatch_lines([f"*destwatch: {bad}:2: defaults.timeout: input should be greater than 0*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


_FAILING = """
import pytest
from destwatch.failures import violation

def test_envelope(target, endpoint, client):
    response = client.get(endpoint)
    if target.version == "v2":
        raise violation("the answer holds `language`", response, counterexample="no language key")
"""


def test_violations_reach_summary_junit_and_allure_with_curl_and_body(pytester: pytest.Pytester) -> None:
    _suite(pytester, "smoke", _FAILING)
    result = _run(
        pytester,
        "suites",
        "--targets",
        TARGETS,
        "--target",
        "productCatalog",
        "--reports",
        "reports",
        "--junitxml=reports/junit.xml",
        "--alluredir=reports/allure",
    )
    assert result.ret == 1
    result.assert_outcomes(passed=3, failed=2)
    summary = json.loads((pytester.path / "reports" / "summary.json").read_text())
    row = next(row for row in summary["rows"] if row["version"] == "v2")
    assert (row["suite"], row["passed"], row["failed"]) == ("smoke", 0, 2)
    failure = dict(row["failures"][0])
    # Each finding's fingerprint: the same in every run, so not a value to spell out here.
    assert re.fullmatch(r"F[0-9a-f]{12}", failure.pop("fingerprint"))
    assert re.fullmatch(r"[0-9a-f]{16}", failure.pop("answer_digest"))
    assert failure == {
        "test": "smoke/test_smoke_written.py::test_envelope[productCatalog/v2/products]",
        "kind": "violation",
        "message": "the answer holds `language`",
        "request": f"curl -X GET -H 'authorization: Bearer [redacted]' {row_url(summary, 'products')}",
        "counterexample": ["no language key"],
        "shape": ["status 200"],
        "status": 200,
        # What a replay of it may send: the document and token it was collected with, and its request.
        "requests": [
            ["productCatalog/v2", "GET", "~/openapi", ""],
            [
                "productCatalog/v2",
                "POST",
                "token",
                '{"clientId": "[redacted]", "clientSecret": "[redacted]"}',
            ],
            ["productCatalog/v2", "GET", "~/products", ""],
        ],
        "request_key": ["productCatalog/v2", "GET", "~/products", ""],
    }
    assert summary["targets"]["productCatalog/v2"]["tokens_fetched"] == 1
    assert (pytester.path / "reports" / "specs" / "productCatalog-v2.openapi.json").is_file()
    junit = (pytester.path / "reports" / "junit.xml").read_text()
    assert 'message="destwatch.failures.ContractViolation: the answer holds `language`' in junit
    results = [
        json.loads(p.read_text()) for p in (pytester.path / "reports" / "allure").glob("*-result.json")
    ]
    assert len(results) == 5
    assert len({r["historyId"] for r in results}) == 5
    for item in results:
        labels = {label["name"]: label["value"] for label in item["labels"]}
        assert labels["destination"] == "productCatalog" and labels["suite"] == "smoke"
        assert labels["version"] in ("v1", "v2", "v3")
    failed = [r for r in results if r["status"] == "failed"]
    assert len(failed) == 2
    names = sorted(a["name"] for a in failed[0]["attachments"])
    assert names == ["request (curl)", "response 200"]
    curl = next(a for a in failed[0]["attachments"] if a["name"] == "request (curl)")
    text = (pytester.path / "reports" / "allure" / curl["source"]).read_text()
    assert text.startswith("curl -X GET -H 'authorization: Bearer [redacted]'")


_LEAKY = """
def test_leaks(target, dw_run):
    token = dw_run.http(target).token()
    print("debug token", token, "secret", target.client_secret.get_secret_value())
    assert token == "something else", f"unexpected token {token}"
"""


def test_a_suite_that_prints_and_asserts_a_token_leaks_it_nowhere(pytester: pytest.Pytester) -> None:
    _suite(pytester, "leaky", _LEAKY)
    result = _run(
        pytester,
        "suites",
        "--targets",
        TARGETS,
        "--target",
        "productCatalog/v1",
        "--reports",
        "reports",
        "--junitxml=reports/junit.xml",
        "--alluredir=reports/allure",
        "-rA",
    )
    result.assert_outcomes(failed=1)
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [path.read_text() for path in (pytester.path / "reports").rglob("*") if path.is_file()]
    joined = "\n".join(texts)
    assert "unexpected token [redacted]" in joined
    assert "demo-secret-v1" not in joined
    assert not re.search(r"eyJ[A-Za-z0-9_-]{8,}\.", joined)


def test_a_version_without_a_valid_document_fails_its_item_with_the_reason(
    pytester: pytest.Pytester, reference_url: str
) -> None:
    targets = pytester.path / "targets.toml"
    targets.write_text(
        f'[destinations.shop]\nbase_url = "{reference_url}/{{customer}}/{{destination}}"\n'
        'customer = "nobody"\n[destinations.shop.versions.v1]\n'
        'protected = false\ndestination_id = "g"\nlanguages = ["en"]\n',
        encoding="utf-8",
    )
    _suite(pytester, "demo", "def test_endpoint(target, endpoint):\n    pass\n")
    result = _run(pytester, "suites", "--targets", str(targets), "-v")
    assert result.ret == 1
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_endpoint?shop/v1/unavailable? ERROR*",
            "*DocumentError: shop/v1: GET */nobody/shop/v1/openapi answered 404*",
        ]
    )


def row_url(summary: dict[str, object], endpoint: str) -> str:
    """The URL the run asked: the reference's port is the run's own."""
    targets = summary["targets"]
    assert isinstance(targets, dict)
    return f"{targets['productCatalog/v2']['base_url']}/{endpoint}"
