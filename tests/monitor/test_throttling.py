"""Throttling is its own state: a destination that answers 429 after its Retry-After was honoured is
`throttled`, not `down`; the probe waits on the monitor's clock (no sleep), sends nothing more before the last
Retry-After has passed, and the metrics say so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from destwatch.monitor.metrics import MonitorMetrics
from destwatch.monitor.outcomes import State
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets
from kit.monitoring import FakeClock, monitor_table
from kit.proxy import Mangle, MisbehavingProxy, Rule

TARGET = "productCatalog/v1"
THROTTLE = Rule(
    "data", Mangle.ANSWER, status=429, body=b'{"error": "slow down"}', headers=(("Retry-After", "30"),)
)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[MisbehavingProxy]:
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    with serve_in_thread(create_app()) as server, MisbehavingProxy(server.url) as proxy:
        yield proxy


def _monitor(folder: Path, url: str, clock: FakeClock, metrics: MonitorMetrics) -> Monitor:
    served = embedded_targets(
        served_at=url, versions=[TARGET], expectations=False, defaults={"max_rps": 1000.0, "timeout": 2.0}
    )
    settings = {"history": str(folder / "monitor.db"), "steps": {"post": False, "empty": False}}
    path = folder / "targets.toml"
    path.write_text(f"{served}\n{monitor_table(settings)}", encoding="utf-8")
    return Monitor.start(MonitorOptions(path), clock=clock, metrics=metrics)


def _value(metrics: MonitorMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(
        name, {"destination": "productCatalog", "version": "v1", **labels}
    )


def test_a_throttling_spell_is_throttled_not_down_and_nothing_is_sent_before_retry_after(
    tmp_path: Path, proxy: MisbehavingProxy
) -> None:
    clock = FakeClock()
    metrics = MonitorMetrics(CollectorRegistry())
    with _monitor(tmp_path, proxy.url, clock, metrics) as monitor:
        assert monitor.cycle().versions[0].state is State.UP
        proxy.rule = THROTTLE
        before, started = proxy.count("data"), clock.time()
        throttled = monitor.cycle().versions[0]
        # The first data request was sent, then retried after each of two Retry-After: 30 (on the fake
        # clock); the next steps waited for the third Retry-After instead of asking again.
        assert throttled.state is State.THROTTLED, throttled.reasons
        assert proxy.count("data") - before == 3
        assert clock.time() - started == pytest.approx(60)
        assert any("still 429 after 2 waits (Retry-After: 30)" in reason for reason in throttled.reasons)
        assert _value(metrics, "destwatch_monitor_up") == 1
        assert _value(metrics, "destwatch_monitor_state", state="throttled") == 1
        assert _value(metrics, "destwatch_monitor_state", state="down") == 0
        assert _value(metrics, "destwatch_monitor_throttled") == 1
        assert monitor.history.alert(TARGET).firing is False

        clock.advance(10)  # 20 s of the last Retry-After left: nothing is sent, still throttled
        held = monitor.cycle().versions[0]
        assert held.state is State.THROTTLED
        assert proxy.count("data") - before == 3
        assert any("asked to wait (Retry-After), 20 s left" in reason for reason in held.reasons)
        assert _value(metrics, "destwatch_monitor_cycles_total", state="throttled") == 2

    # A monitor started again (`--once` from cron) honours the same Retry-After: it is in the history.
    again = MonitorMetrics(CollectorRegistry())
    with _monitor(tmp_path, proxy.url, clock, again) as monitor:
        assert monitor.cycle().versions[0].state is State.THROTTLED
        assert proxy.count("data") - before == 3
        clock.advance(20)
        proxy.rule = None
        assert monitor.cycle().versions[0].state is State.UP
        assert _value(again, "destwatch_monitor_throttled") == 0
