"""Prometheus metrics with the official client: `/metrics` in service mode, a node_exporter textfile in
`--once` mode. Labels are low-cardinality names from targets.toml (destination, version, endpoint, step),
never a URL or an error text.

Labels `destination, version` on every metric, and:

- `destwatch_monitor_up` (gauge): 1 when the version was not down in its last cycle;
- `destwatch_monitor_state{state}` (gauge): 1 for the last cycle's state (up, degraded, down, throttled,
  maintenance);
- `destwatch_monitor_throttled` (gauge): 1 when the last cycle was throttled (429 after Retry-After);
- `destwatch_monitor_maintenance` (gauge): 1 when the last cycle was inside a maintenance window;
- `destwatch_monitor_step_success{endpoint, step}` (gauge): 1 passed, 0 failed, in the step's last run;
- `destwatch_monitor_step_duration_seconds{endpoint, step}` (histogram): answer times;
- `destwatch_monitor_cycles_total{state}`, `destwatch_monitor_requests_total` (counters);
- `destwatch_monitor_token_expiry_timestamp_seconds` (gauge): when the current token expires;
- `destwatch_monitor_tls_expiry_timestamp_seconds` (gauge): when the earliest certificate expires;
- `destwatch_monitor_document_changed` (gauge, 1 when the last cycle found drift) and
  `destwatch_monitor_document_changes_total` (counter);
- `destwatch_monitor_slo_error_budget_remaining_ratio{slo, window}` (gauge: 1 whole, 0 spent, below 0
  overspent) and `destwatch_monitor_slo_burn_rate{slo, window}` (gauge);
- `destwatch_monitor_last_cycle_timestamp_seconds` (gauge).

And `destwatch_monitor_notifications_total{channel, outcome}` (counter of alert delivery attempts).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
    write_to_textfile,
)

from destwatch.monitor.outcomes import CycleReport, Outcome, State
from destwatch.monitor.slo import VersionSlo
from destwatch.redact import redact

__all__ = ["MetricsServer", "MonitorMetrics"]

_VERSION = ("destination", "version")
_STEP = (*_VERSION, "endpoint", "step")
_SLO = (*_VERSION, "slo", "window")
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class MonitorMetrics:
    """The monitor's instruments in their own registry (tests pass a fresh one)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.up = Gauge(
            "destwatch_monitor_up", "1 when the version was not down in its last cycle", _VERSION, registry=r
        )
        self.state = Gauge(
            "destwatch_monitor_state",
            "1 for the version's state in its last cycle",
            (*_VERSION, "state"),
            registry=r,
        )
        self.throttled = Gauge(
            "destwatch_monitor_throttled",
            "1 when the version's last cycle was throttled (429 after honouring Retry-After)",
            _VERSION,
            registry=r,
        )
        self.maintenance = Gauge(
            "destwatch_monitor_maintenance",
            "1 when the version's last cycle was inside a maintenance window",
            _VERSION,
            registry=r,
        )
        self.success = Gauge(
            "destwatch_monitor_step_success",
            "1 when the step passed in its last run, 0 when it failed",
            _STEP,
            registry=r,
        )
        self.duration = Histogram(
            "destwatch_monitor_step_duration_seconds",
            "How long each step's answer took",
            _STEP,
            buckets=_BUCKETS,
            registry=r,
        )
        self.cycles = Counter(
            "destwatch_monitor_cycles", "Cycles by the state they ended in", (*_VERSION, "state"), registry=r
        )
        self.requests = Counter(
            "destwatch_monitor_requests", "Requests sent to the version", _VERSION, registry=r
        )
        self.token_expiry = Gauge(
            "destwatch_monitor_token_expiry_timestamp_seconds",
            "When the current token expires",
            _VERSION,
            registry=r,
        )
        self.tls_expiry = Gauge(
            "destwatch_monitor_tls_expiry_timestamp_seconds",
            "When the earliest certificate of the version's hosts expires",
            _VERSION,
            registry=r,
        )
        self.document_changed = Gauge(
            "destwatch_monitor_document_changed",
            "1 when the last cycle found the document changed",
            _VERSION,
            registry=r,
        )
        self.document_changes = Counter(
            "destwatch_monitor_document_changes", "Document changes seen", _VERSION, registry=r
        )
        self.budget_left = Gauge(
            "destwatch_monitor_slo_error_budget_remaining_ratio",
            "Error budget left in the window (1 whole, 0 spent, below 0 overspent)",
            _SLO,
            registry=r,
        )
        self.burn_rate = Gauge(
            "destwatch_monitor_slo_burn_rate", "Error budget burn rate over the window", _SLO, registry=r
        )
        self.last_cycle = Gauge(
            "destwatch_monitor_last_cycle_timestamp_seconds",
            "When the version's last cycle started",
            _VERSION,
            registry=r,
        )
        self.notifications = Counter(
            "destwatch_monitor_notifications", "Alert delivery attempts", ("channel", "outcome"), registry=r
        )

    def observe(self, cycle: CycleReport) -> None:
        for version in cycle.versions:
            labels = _labels(version.destination, version.version)
            self.up.labels(*labels).set(int(version.state is not State.DOWN))
            for state in State:
                self.state.labels(*labels, state.value).set(int(version.state is state))
            self.throttled.labels(*labels).set(int(version.state is State.THROTTLED))
            self.maintenance.labels(*labels).set(int(version.state is State.MAINTENANCE))
            self.cycles.labels(*labels, version.state.value).inc()
            self.requests.labels(*labels).inc(version.requests)
            self.last_cycle.labels(*labels).set(cycle.started)
            self.document_changed.labels(*labels).set(int(version.document_changed))
            if version.document_changed:
                self.document_changes.labels(*labels).inc()
            if version.token_expires_at is not None:
                self.token_expiry.labels(*labels).set(version.token_expires_at)
            if version.tls_expires_at is not None:
                self.tls_expiry.labels(*labels).set(version.tls_expires_at)
            for step in version.steps:
                step_labels = (*labels, redact(step.endpoint), step.step)
                if step.outcome in (Outcome.OK, Outcome.WARN):
                    self.success.labels(*step_labels).set(1)
                elif step.outcome is Outcome.FAILED:
                    self.success.labels(*step_labels).set(0)
                if step.latency is not None:
                    self.duration.labels(*step_labels).observe(step.latency)

    def observe_slo(self, slos: Iterable[VersionSlo]) -> None:
        for slo in slos:
            destination, _, version = slo.target.partition("/")
            labels = _labels(destination, version)
            for window in slo.windows:
                for name, left in (
                    ("availability", window.availability_budget_left),
                    ("latency", window.latency_budget_left),
                ):
                    if left is not None:
                        self.budget_left.labels(*labels, name, window.window).set(left)
            for burn in slo.burns:
                for name, rates in (("availability", burn.availability), ("latency", burn.latency)):
                    for span, rate in zip(_spans(burn.rule.long, burn.rule.short), rates, strict=True):
                        if rate is not None:
                            self.burn_rate.labels(*labels, name, span).set(rate)

    def notification(self, channel: str, *, ok: bool) -> None:
        self.notifications.labels(channel, "delivered" if ok else "failed").inc()

    def write_textfile(self, path: Path) -> None:
        """Write every metric for node_exporter's textfile collector, atomically (temporary file, rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), self.registry)


class MetricsServer:
    """`/metrics` on `address:port` (0: a free port) from a background thread; `stop()` closes it."""

    def __init__(self, metrics: MonitorMetrics, *, address: str, port: int) -> None:
        self._server, self._thread = start_http_server(port, addr=address, registry=metrics.registry)
        host, bound = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{shown}:{bound}/metrics"
        self._stopped = threading.Event()

    def stop(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)


def _labels(destination: str, version: str) -> tuple[str, str]:
    return redact(destination), redact(version)


def _spans(long: float, short: float) -> tuple[str, str]:
    return _span(long), _span(short)


def _span(seconds: float) -> str:
    if seconds % 86400 == 0:
        return f"{seconds / 86400:g}d"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}m"
