"""Grouped alerts: when every version on one host goes down in the same cycle, one alert names them all, and
their resolution is grouped the same way; `[monitor] group_by = ["target"]` sends one per version."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets
from kit.monitoring import CaptureServer, FakeClock, monitor_table

VERSIONS = ["productCatalog/v1", "productCatalog/v2", "googleMarketplace/v1"]


@pytest.mark.parametrize(("group_by", "alerts"), [(["host"], 1), (["target"], 3)])
def test_one_host_down_is_one_alert_and_one_resolution(
    tmp_path: Path, capture: CaptureServer, monkeypatch: pytest.MonkeyPatch, group_by: list[str], alerts: int
) -> None:
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    monkeypatch.setenv("DW_GROUPING_WEBHOOK", f"{capture.url}/hook")
    clock = FakeClock()
    server = serve_in_thread(create_app())
    port = int(server.url.rsplit(":", 1)[1])
    served = embedded_targets(
        served_at=server.url,
        versions=VERSIONS,
        expectations=False,
        defaults={"max_rps": 1000.0, "timeout": 2.0},
    )
    settings = {
        "history": str(tmp_path / "monitor.db"),
        "webhook": "${DW_GROUPING_WEBHOOK}",
        "group_by": group_by,
        "steps": {"post": False, "empty": False, "no-token": False, "token-errors": False},
    }
    path = tmp_path / "targets.toml"
    path.write_text(f"{served}\n{monitor_table(settings)}", encoding="utf-8")
    with Monitor.start(MonitorOptions(path), clock=clock) as monitor:
        monitor.cycle()
        server.stop()
        for _ in range(2):
            clock.advance(60)
            monitor.cycle()
        fired = capture.wait_for(alerts)
        with serve_in_thread(create_app(), port=port):
            for _ in range(2):
                clock.advance(60)
                monitor.cycle()
        bodies = capture.wait_for(2 * alerts)
    assert len(fired) == alerts and len(bodies) == 2 * alerts
    assert [b["event"] for b in bodies] == ["fired"] * alerts + ["resolved"] * alerts
    if alerts == 1:
        host = server.url.removeprefix("http://")
        for body in bodies:
            assert body["targets"] == VERSIONS and body["group"] == {"host": host}
            assert body["target"] == f"3 versions on host {host}"
        assert bodies[0]["summary"] == f"3 versions on host {host} are down: {', '.join(VERSIONS)}"
        assert bodies[1]["summary"].startswith(f"3 versions on host {host} are up again after 3 min 0 s")
        assert all(any(r.startswith(f"{v}: ") for r in bodies[0]["reasons"]) for v in VERSIONS)
    else:
        assert sorted(b["target"] for b in bodies[:3]) == sorted(VERSIONS)
