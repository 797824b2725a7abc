"""The TLS step: days until an https target's certificate expires, read from the server's handshake;
degraded under `tls_warn_days`, down when expired or not valid; not applicable on http."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from destwatch.run import Run, RunOptions
from monkit import FakeClock, monitor_table

from destwatch.monitor.history import History
from destwatch.monitor.outcomes import Outcome, State
from destwatch.monitor.service import Monitor
from destwatch.monitor.tls import CertificateProblem, read_certificate

DAYS = 30


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
            ),
            *("-keyout", str(key), "-out", str(cert), "-days", str(DAYS), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_port(certificate: tuple[Path, Path]) -> Iterator[int]:
    """A loopback server that completes TLS handshakes with the certificate, then hangs up."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(connection, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    listener.close()
    thread.join(timeout=5)


def _trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.load_verify_locations(certificate[0])
    return context


def _tls_monitor(
    tmp_path: Path, port: int, clock: FakeClock, context: ssl.SSLContext, **settings: object
) -> Monitor:
    targets = tmp_path / "targets.toml"
    only_tls = {step: False for step in ("document", "get", "post", "no-token", "empty", "token-errors")}
    targets.write_text(
        f"""
[destinations.shop]
base_url = "https://127.0.0.1:{port}/{{customer}}/{{destination}}"
customer = "acme"

[destinations.shop.versions.v1]
protected = false
languages = ["en"]
destination_id = "shop-v1"

"""
        + monitor_table({"history": str(tmp_path / "monitor.db"), "steps": only_tls, **settings}),
        encoding="utf-8",
    )
    run = Run.start(RunOptions(targets=targets))
    return Monitor(run, History.open(tmp_path / "monitor.db"), clock=clock, tls_context=context)


def test_the_certificate_expiry_is_read_from_the_handshake(
    certificate: tuple[Path, Path], tls_port: int
) -> None:
    found = read_certificate("127.0.0.1", tls_port, timeout=5, context=_trusting(certificate))
    assert DAYS - 1 <= found.days_left(time.time()) <= DAYS


def test_an_untrusted_certificate_is_not_valid_in_words(tls_port: int) -> None:
    with pytest.raises(CertificateProblem, match=r"the certificate is not valid \(self.signed certificate\)"):
        read_certificate("127.0.0.1", tls_port, timeout=5)


@pytest.mark.parametrize(
    ("warn_days", "days_later", "state", "words"),
    [
        (14, 0, State.UP, "the certificate expires in 30 days"),
        (60, 0, State.DEGRADED, "the certificate expires in 30 days (warned under 60)"),
        (14, DAYS + 2, State.DOWN, "the certificate expired 2 days ago"),
    ],
)
def test_the_tls_step_judges_the_days_left(
    tmp_path: Path,
    certificate: tuple[Path, Path],
    tls_port: int,
    warn_days: int,
    days_later: int,
    state: State,
    words: str,
) -> None:
    clock = FakeClock(start=time.time() + days_later * 86400)
    with _tls_monitor(tmp_path, tls_port, clock, _trusting(certificate), tls_warn_days=warn_days) as monitor:
        report = monitor.cycle().versions[0]
    assert [step.step for step in report.steps] == ["tls"]
    assert report.state is state
    assert words in report.steps[0].detail
    assert report.tls_expires_at is not None and report.requests == 0


def test_an_invalid_certificate_puts_the_version_down(tmp_path: Path, tls_port: int) -> None:
    with _tls_monitor(tmp_path, tls_port, FakeClock(), ssl.create_default_context()) as monitor:
        report = monitor.cycle().versions[0]
    assert report.state is State.DOWN
    assert report.steps[0].outcome is Outcome.FAILED and "not valid" in report.reasons[0]
