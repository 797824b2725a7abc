"""A real outage end to end: a destination that stops is down, fires after two cycles, survives a monitor
restart without a second alert, and once it returns (a new process, new signing keys: the cached token is
refused once and renewed) resolves after two good cycles. Exactly one alert and one resolution reach the
capture server, on the webhook and through apprise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from destwatch.monitor.outcomes import State
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets
from kit.monitoring import CaptureServer, FakeClock, monitor_table

TARGET = "productCatalog/v1"


def _targets(folder: Path, url: str) -> Path:
    path = folder / "targets.toml"
    served = embedded_targets(
        served_at=url, versions=[TARGET], expectations=False, defaults={"max_rps": 1000.0, "timeout": 2.0}
    )
    settings = {
        "history": str(folder / "monitor.db"),
        "webhook": "${DW_OUTAGE_WEBHOOK}",
        "notify": ["${DW_OUTAGE_NOTIFY}"],
    }
    path.write_text(f"{served}\n{monitor_table(settings)}", encoding="utf-8")
    return path


@pytest.fixture
def outage_env(monkeypatch: pytest.MonkeyPatch, capture: CaptureServer) -> Iterator[None]:
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    monkeypatch.setenv("DW_OUTAGE_WEBHOOK", f"{capture.url}/hook/webhook-key-5b7e")
    monkeypatch.setenv("DW_OUTAGE_NOTIFY", capture.url.replace("http://", "json://") + "/apprise")
    yield


@pytest.mark.usefixtures("outage_env")
def test_a_stopped_destination_fires_once_and_resolves_once_across_a_restart(
    tmp_path: Path, capture: CaptureServer
) -> None:
    clock = FakeClock()
    server = serve_in_thread(create_app())
    port = int(server.url.rsplit(":", 1)[1])
    options = MonitorOptions(_targets(tmp_path, server.url))
    states: list[State] = []

    def cycle(monitor: Monitor) -> None:
        states.append(monitor.cycle().versions[0].state)
        clock.advance(60)

    with Monitor.start(options, clock=clock) as monitor:
        cycle(monitor)
        server.stop()
        cycle(monitor)
        cycle(monitor)
        assert len(capture.wait_for(2)) == 2  # fired: on the webhook and through apprise
    # A restarted monitor reads the firing alert from the history: still down, nothing is sent again.
    with Monitor.start(options, clock=clock) as monitor:
        cycle(monitor)
        server = serve_in_thread(create_app(), port=port)
        try:
            cycle(monitor)
        finally:
            server.stop()
        # Back once more as a new process with new keys: the cached token is refused once and renewed.
        with serve_in_thread(create_app(), port=port):
            cycle(monitor)
        assert monitor.probes[0].client.tokens_fetched == 2
    assert states == [State.UP, State.DOWN, State.DOWN, State.DOWN, State.UP, State.UP]
    bodies = capture.wait_for(4)
    assert len(bodies) == 4
    webhook = [b for b, p in zip(bodies, capture.paths, strict=True) if p.startswith("/hook/")]
    apprise = [b for b, p in zip(bodies, capture.paths, strict=True) if p == "/apprise"]
    assert [b["event"] for b in webhook] == ["fired", "resolved"]
    assert [b["title"] for b in apprise] == [
        f"destwatch: {TARGET} is down",
        f"destwatch: {TARGET} is up again",
    ]
    fired, resolved = webhook
    assert fired["target"] == TARGET and fired["consecutive_failures"] == 2
    assert any("connection refused" in reason for reason in fired["reasons"]), fired["reasons"]
    assert resolved["summary"] == f"{TARGET} is up again after 4 min 0 s"
