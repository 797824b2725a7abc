"""Serving: the in-thread server for tests, the child process a run serves from, and `destwatch serve` as a
new user meets it."""

from __future__ import annotations

import logging
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from destwatch.reference import REFERENCE, VARIANTS, ServerStartError, create_app, serve_in_thread
from destwatch.reference.faults import HANG
from destwatch.reference.serve import banner
from destwatch.reference.server import serve_in_process

_SERVE = [sys.executable, "-m", "destwatch.reference"]


def test_serve_in_thread_gives_a_loopback_url_without_trailing_slash() -> None:
    with serve_in_thread(create_app()) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert httpx.get(f"{server.url}/northwind/productCatalog/v1/openapi").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/northwind/productCatalog/v1/openapi", timeout=2)


def test_the_server_keeps_idle_connections_longer_than_clients_do() -> None:
    # Equal idle timeouts race: now and then the server closes a connection just as a client reuses it, and
    # the client sees a reset before any answer (a gate once failed a version for it).
    from destwatch.reference.server import _config

    assert _config(create_app(), "warning").timeout_keep_alive > 2 * httpx.Limits().keepalive_expiry


def test_stop_is_idempotent() -> None:
    server = serve_in_thread(create_app())
    server.stop()
    server.stop()


def test_busy_port_is_a_clear_start_error() -> None:
    with serve_in_thread(create_app()) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with pytest.raises(ServerStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve_in_thread(create_app(), port=port)


def test_stop_does_not_wait_for_a_hanging_request_nor_report_it_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = serve_in_thread(create_app(fault=HANG.name))
    # After the start: uvicorn's logging set-up replaces the handlers of its loggers.
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.url}/northwind/googleMarketplace/v1/feed", timeout=0.3)
        started = time.perf_counter()
        server.stop()
        assert time.perf_counter() - started < 5
    finally:
        uvicorn_errors.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_serve_in_process_knows_its_url_at_once_and_holds_early_connections_until_the_child_serves() -> None:
    with serve_in_process({}) as served:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url)
        # Sent before waiting for the child: the connection waits in the socket's backlog, it is not refused.
        assert httpx.get(f"{served.url}/northwind/productCatalog/v1/openapi", timeout=30).status_code == 200
        served.ready()
        served.ready()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.url}/northwind/productCatalog/v1/openapi", timeout=2)


def test_the_child_serves_the_app_its_settings_describe() -> None:
    version = next(v for _, v in REFERENCE.versions() if v.protected)
    app = version.applications[0]
    with serve_in_process({"token_ttl": 120, "token_rate_limit": None}) as served:
        served.ready()
        answer = httpx.post(
            f"{served.url}/destinations/{version.destination_id}/token",
            json={"clientId": app.client_id, "clientSecret": app.client_secret},
        )
    assert answer.json()["expiresIn"] == 120


def test_a_child_that_cannot_start_is_a_start_error_every_time_it_is_awaited() -> None:
    with serve_in_process({"fault": "nope"}) as served:
        for _ in range(2):
            with pytest.raises(ServerStartError, match=r"its process exited with code 1"):
                served.ready()


def test_the_child_stops_when_its_parent_dies_without_stopping_it(tmp_path: Path) -> None:
    parent = (
        "import os, sys\n"
        "from destwatch.reference.server import serve_in_process\n"
        "served = serve_in_process({})\n"
        "served.ready()\n"
        "print(served.url, flush=True)\n"
        "os._exit(0)\n"
    )
    # The child inherits the parent's stderr: a file, so an orphan holding it cannot keep this test waiting.
    with (tmp_path / "stderr").open("w") as stderr:
        done = subprocess.run(
            [sys.executable, "-c", parent], stdout=subprocess.PIPE, stderr=stderr, timeout=60
        )
    url = done.stdout.decode().strip()
    assert done.returncode == 0 and url.startswith("http://127.0.0.1:"), (tmp_path / "stderr").read_text()
    # The orphan is not ours to wait for: its port is refused once it has exited.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/northwind/productCatalog/v1/openapi", timeout=2)
        except httpx.ConnectError:
            return
        time.sleep(0.05)
    pytest.fail(f"the reference at {url} still serves 15 s after its parent died")


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """`python -m destwatch.reference --port 0` (what `destwatch serve` runs), with its banner read."""
    process = subprocess.Popen(
        [*_SERVE, "--port", "0", "--token-ttl", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        banner.append(line)
        if line.startswith("Stop with Ctrl+C"):
            break
    text = "".join(banner)
    match = re.search(r"at (http://127\.0\.0\.1:\d+)", text)
    try:
        assert match, text + (process.stderr.read() if process.poll() is not None and process.stderr else "")
        yield process, match.group(1), text
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_serve_banner_lists_every_version_with_ids_and_no_secrets(
    served: tuple[subprocess.Popen[str], str, str],
) -> None:
    _, url, banner = served
    for destination, version in REFERENCE.versions():
        assert f"{url}/northwind/{destination.name}/{version.name}" in banner
        assert version.destination_id in banner
        for app in (*version.applications, *version.oauth_applications):
            assert app.client_id in banner and app.client_secret not in banner
    assert "tokens live 120 s" in banner and "protected:      no" in banner
    assert f"OAuth2: POST {url}/oauth2/token with the form grant_type=client_credentials" in banner


def test_served_destination_answers_a_token_and_every_version(
    served: tuple[subprocess.Popen[str], str, str],
) -> None:
    _, url, _ = served
    for destination, version in REFERENCE.versions():
        headers = {}
        if version.protected:
            app = version.applications[0]
            token = httpx.post(
                f"{url}/destinations/{version.destination_id}/token",
                json={"clientId": app.client_id, "clientSecret": app.client_secret},
            ).json()["accessToken"]
            headers = {"Authorization": f"Bearer {token}"}
        for endpoint in version.endpoints:
            base = f"{url}/northwind/{destination.name}/{version.name}/{endpoint.id}"
            assert httpx.get(base, headers=headers, params={"top": 2}).json()["results"]


def test_ctrl_c_stops_serve_cleanly(served: tuple[subprocess.Popen[str], str, str]) -> None:
    process, _, _ = served
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_serve_refuses_an_unknown_fault_without_a_traceback() -> None:
    result = subprocess.run([*_SERVE, "--fault", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown fault 'nope'" in result.stderr and "--list-faults" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_reports_a_busy_port_without_a_traceback() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([*_SERVE, "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_list_faults_prints_one_line_per_fault() -> None:
    result = subprocess.run([*_SERVE, "--list-faults"], capture_output=True, text=True, timeout=60)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and len(lines) >= 15
    assert lines[0].startswith("expired-token-accepted") and "[auth]" in lines[0]


def test_list_variants_prints_one_line_per_variant() -> None:
    result = subprocess.run([*_SERVE, "--list-variants"], capture_output=True, text=True, timeout=60)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and [line.split()[0] for line in lines] == list(VARIANTS)
    assert lines[0].endswith(VARIANTS["totals-post-only"].description)


def test_serve_refuses_an_unknown_variant_without_a_traceback() -> None:
    result = subprocess.run([*_SERVE, "--variant", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown variant 'nope'" in result.stderr and "--list-variants" in result.stderr
    assert "Traceback" not in result.stderr


def test_banner_names_the_variant_its_settings_and_its_endpoints() -> None:
    variant = VARIANTS["case-insensitive-sort"]
    text = banner("http://h", fault="hang", token_ttl=None, variant=variant.name, customer=variant.customer)
    assert "variant: case-insensitive-sort (" in text and "fault: hang" in text
    assert 'targets.toml setting for it: sort_collation = "case-insensitive"' in text
    six = VARIANTS["six-endpoints"]
    text = banner("http://h", fault=None, token_ttl=None, variant=six.name, customer=six.customer)
    assert "(endpoints: products, variants, fullproductdata, prices, stock, outlet)" in text
    assert "variant:" not in banner("http://h", fault=None, token_ttl=None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"token_ttl": 0}, "token_ttl must be at least 1"),
        ({"token_rate_limit": 0}, "token_rate_limit must be at least 1"),
        ({"latency": -1.0}, "latency must not be negative"),
    ],
)
def test_create_app_refuses_nonsense_settings(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_app(**options)  # type: ignore[arg-type]


def test_latency_is_added_to_data_requests_only() -> None:
    # A whole second: an unadded latency stays well below it even on a loaded machine.
    with serve_in_thread(create_app(latency=1.0)) as server:
        feed = f"{server.url}/northwind/googleMarketplace/v1"
        started = time.perf_counter()
        assert httpx.get(f"{feed}/feed").status_code == 200
        assert time.perf_counter() - started >= 1.0
        started = time.perf_counter()
        assert httpx.get(f"{feed}/openapi").status_code == 200
        assert time.perf_counter() - started < 1.0
