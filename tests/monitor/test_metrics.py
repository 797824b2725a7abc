"""Prometheus metrics with the official client: success, step latency, token and TLS expiry, document
changes, SLO budgets, labelled by destination, version, endpoint and step (never a URL or an error text);
a node_exporter textfile written atomically in `--once` mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from destwatch.monitor.metrics import MetricsServer, MonitorMetrics
from kit.monitoring import EPOCH, FakeClock, monitor_on

V2 = {"destination": "productCatalog", "version": "v2"}


def test_a_cycle_sets_every_metric_with_low_cardinality_labels(tmp_path: Path) -> None:
    clock = FakeClock()
    metrics = MonitorMetrics()
    with monitor_on(tmp_path, clock=clock, fault="post-skips-auth", reference={"token_ttl": 3600}) as monitor:
        monitor.metrics = metrics
        monitor.cycle()
        clock.advance(60)
        monitor.cycle()
        monitor.maintain(force=True)
    value = metrics.registry.get_sample_value
    assert value("destwatch_monitor_up", V2) == 0
    assert value("destwatch_monitor_state", {**V2, "state": "down"}) == 1
    assert value("destwatch_monitor_step_success", {**V2, "endpoint": "products", "step": "no-token"}) == 0
    assert value("destwatch_monitor_step_success", {**V2, "endpoint": "products", "step": "get"}) == 1
    assert value("destwatch_monitor_step_success", {**V2, "endpoint": "", "step": "document"}) == 1
    assert (
        value("destwatch_monitor_step_duration_seconds_count", {**V2, "endpoint": "variants", "step": "post"})
        == 2
    )
    assert value("destwatch_monitor_cycles_total", {**V2, "state": "down"}) == 2
    assert value("destwatch_monitor_requests_total", V2) >= 14
    assert value("destwatch_monitor_token_expiry_timestamp_seconds", V2) == EPOCH + 3600
    assert value("destwatch_monitor_document_changed", V2) == 0
    assert value("destwatch_monitor_last_cycle_timestamp_seconds", V2) == EPOCH + 60
    budget = {**V2, "slo": "availability", "window": "30d"}
    assert value("destwatch_monitor_slo_error_budget_remaining_ratio", budget) == pytest.approx(1 - 1 / 0.001)
    burn = value("destwatch_monitor_slo_burn_rate", {**V2, "slo": "availability", "window": "5m"})
    assert burn == pytest.approx(1000)
    for family in metrics.registry.collect():
        for sample in family.samples:
            assert all("://" not in label and " " not in label for label in sample.labels.values()), sample


def test_once_writes_a_textfile_node_exporter_reads_leaving_no_temporary_file(tmp_path: Path) -> None:
    with monitor_on(tmp_path, versions=["googleMarketplace/v1"]) as monitor:
        monitor.cycle()
        monitor.maintain(force=True)
        monitor.metrics.write_textfile(tmp_path / "textfiles" / "destwatch.prom")
    assert [path.name for path in (tmp_path / "textfiles").iterdir()] == ["destwatch.prom"]
    families = {
        f.name: f
        for f in text_string_to_metric_families((tmp_path / "textfiles" / "destwatch.prom").read_text())
    }
    assert {
        "destwatch_monitor_up",
        "destwatch_monitor_step_duration_seconds",
        "destwatch_monitor_cycles",
    } <= set(families)
    (up,) = families["destwatch_monitor_up"].samples
    assert up.labels == {"destination": "googleMarketplace", "version": "v1"} and up.value == 1


def test_the_metrics_server_serves_and_stops(tmp_path: Path) -> None:
    import httpx

    metrics = MonitorMetrics()
    metrics.notification("webhook", ok=False)
    server = MetricsServer(metrics, address="127.0.0.1", port=0)
    try:
        text = httpx.get(server.url, timeout=10).text
    finally:
        server.stop()
    assert 'destwatch_monitor_notifications_total{channel="webhook",outcome="failed"} 1.0' in text
