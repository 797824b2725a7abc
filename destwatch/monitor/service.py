"""The monitor: one `Environment`, one probe per destination version, cycles recorded, judged, alerted and
measured.

`Monitor.start(options)` reads targets.toml once, starts the environment (the embedded reference, when a
version uses it), opens the history and the alert channels. `cycle()` probes every version at once
(one thread each; requests within a version go one after the other, paced by its `max_rps`), then records
the cycle, advances each version's alert in the same transaction, delivers due notifications and updates
the metrics. `serve(every=...)` repeats it on a fixed schedule until `stop` is set (SIGTERM, SIGINT) or
`duration` has passed; a cycle cut short by a stop is not recorded.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from destwatch.config import MonitorSettings, Targets, load_targets
from destwatch.environment import Environment
from destwatch.monitor.alerts import AlertPolicy, Event, advance, payload, throttled_key
from destwatch.monitor.channels import AppriseChannel, Channel, Dispatcher, WebhookChannel, check_apprise_url
from destwatch.monitor.clock import SYSTEM_CLOCK, Clock
from destwatch.monitor.grouping import Pending, group, labels_of
from destwatch.monitor.history import History
from destwatch.monitor.maintenance import Window, configured, in_maintenance, recorded
from destwatch.monitor.metrics import MonitorMetrics
from destwatch.monitor.outcomes import CycleReport, State, VersionReport
from destwatch.monitor.probe import VersionProbe
from destwatch.monitor.slo import VersionSlo, compute
from destwatch.selection import RunOptions, Selection

__all__ = ["Monitor", "MonitorOptions"]

log = logging.getLogger("destwatch.monitor")

# Service mode refreshes the SLO metrics and prunes the history at most this often.
_SLO_EVERY = 60.0
_PRUNE_EVERY = 3600.0


@dataclass(frozen=True)
class MonitorOptions:
    """What the command line chose on top of targets.toml."""

    targets: Path
    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    fault: str | None = None
    variant: str | None = None
    history: Path | None = None
    """Overrides `[monitor] history`."""


class Monitor:
    """Probes the selected destination versions cycle after cycle (see the module docstring)."""

    def __init__(
        self,
        environment: Environment,
        settings: MonitorSettings,
        history: History,
        *,
        channels: Sequence[Channel] = (),
        clock: Clock = SYSTEM_CLOCK,
        metrics: MonitorMetrics | None = None,
        transport: httpx.BaseTransport | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.environment = environment
        self.settings = settings
        self.history = history
        self.clock = clock
        self.metrics = metrics if metrics is not None else MonitorMetrics()
        self.policy = AlertPolicy(
            failure_threshold=self.settings.failure_threshold,
            success_threshold=self.settings.success_threshold,
            renotify=self.settings.renotify,
        )
        self.probes = [
            VersionProbe(
                target,
                self.settings,
                history.memory(target.id),
                clock=clock,
                transport=transport,
                tls_context=tls_context,
                consumers=[q for c in environment.selection.consumers_of(target) for q in c.queries],
            )
            for target in environment.targets
        ]
        self.dispatcher = Dispatcher(history, channels, clock=clock, on_attempt=self._counted)
        self._pool = ThreadPoolExecutor(
            max_workers=min(8, max(1, len(self.probes))), thread_name_prefix="probe"
        )
        self._slo_at: float | None = None
        self._pruned_at: float | None = None
        self._states: dict[str, State] = {}
        self._labels = {target.id: labels_of(target) for target in environment.targets}

    @classmethod
    def start(
        cls, options: MonitorOptions, *, clock: Clock = SYSTEM_CLOCK, metrics: MonitorMetrics | None = None
    ) -> Monitor:
        """Read targets.toml once, start what it needs, open the history; `ConfigError` for any mistake."""
        config = load_targets(options.targets)
        selection = Selection.of(
            config,
            RunOptions(
                targets=options.targets,
                names=options.names,
                versions=options.versions,
                fault=options.fault,
                variant=options.variant,
            ),
        )
        environment = Environment.start(selection)
        channels: list[Channel] = []
        try:
            # The environment only launches the embedded reference. The monitor's probes have clients of
            # their own (not Environment.http, which waits), and a first cycle must not count the
            # reference's start against a version's timeout or latency.
            environment.wait_for_reference()
            channels = _channels(config)
            history = History.open(options.history or Path(config.monitor.history))
        except BaseException:
            for channel in channels:
                channel.close()
            environment.close()
            raise
        return cls(environment, config.monitor, history, channels=channels, clock=clock, metrics=metrics)

    # -- one cycle -----------------------------------------------------------------------------------------

    def cycle(self, stop: threading.Event | None = None) -> CycleReport:
        """Probe every version once; record, alert and measure the cycle unless `stop` cut it short."""
        stop = stop or threading.Event()
        started, began = self.clock.time(), time.perf_counter()
        futures = [self._pool.submit(probe.run, stop) for probe in self.probes]
        reports = [future.result() for future in futures]
        finished = tuple(report for report in reports if report is not None)
        if len(finished) < len(reports):
            return CycleReport(started, finished, time.perf_counter() - began, interrupted=True)
        cycle = in_maintenance(
            CycleReport(started, finished, time.perf_counter() - began), self.maintenance_windows()
        )
        self._record(cycle)
        self.metrics.observe(cycle)
        self.dispatcher.deliver_due()
        self._log(cycle)
        return cycle

    def maintenance_windows(self) -> list[Window]:
        """The windows of targets.toml and those started from the command line (read each cycle: another
        process may have started one)."""
        return configured(self.settings.maintenance) + recorded(self.history)

    def slos(self) -> list[VersionSlo]:
        """Every selected version's SLOs, from the history."""
        now = self.clock.time()
        return [
            compute(
                probe.target.id,
                self.history,
                now=now,
                availability_objective=self.settings.availability_objective,
                latency_objective=self.settings.latency_objective,
                throttled_objective=self.settings.throttled_objective,
            )
            for probe in self.probes
        ]

    def maintain(self, *, force: bool = False) -> None:
        """Refresh the SLO metrics and prune the history, each when due (`force`: now)."""
        now = self.clock.time()
        if force or self._slo_at is None or now - self._slo_at >= _SLO_EVERY:
            self.metrics.observe_slo(self.slos())
            self._slo_at = now
        if force or self._pruned_at is None or now - self._pruned_at >= _PRUNE_EVERY:
            gone = self.history.prune(now - self.settings.keep_days * 86400)
            if gone:
                log.info("history: forgot %d cycles older than %d days", gone, self.settings.keep_days)
            self._pruned_at = now

    # -- the service ---------------------------------------------------------------------------------------

    def serve(
        self,
        *,
        every: float,
        duration: float | None = None,
        stop: threading.Event | None = None,
        wait: Callable[[float], bool] | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
    ) -> CycleReport | None:
        """Cycle every `every` seconds until `stop` is set or `duration` has passed; the last full cycle.

        Cycles start on a fixed schedule (start, start + every, ...); a cycle that overruns skips the slots
        it missed rather than running late ones back to back. `wait(seconds)` waits for the next slot and
        returns True when stopped (default: `stop.wait`).
        """
        stop = stop or threading.Event()
        wait = wait or stop.wait
        begin = self.clock.monotonic()
        slot = begin
        last = None
        while not stop.is_set():
            cycle = self.cycle(stop)
            if cycle.interrupted:
                break
            last = cycle
            self.maintain()
            if on_cycle is not None:
                on_cycle(cycle)
            now = self.clock.monotonic()
            while slot <= now:
                slot += every
            if duration is not None and slot - begin >= duration:
                break
            if wait(slot - now):
                break
        return last

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for probe in self.probes:
            probe.close()
        self.dispatcher.close()
        self.history.close()
        self.environment.close()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- inside --------------------------------------------------------------------------------------------

    def _record(self, cycle: CycleReport) -> None:
        """The cycle, what each probe remembers, and each version's alert: one transaction, so two monitors
        on one history (or a restart) can never fire the same alert twice."""
        with self.history.transaction():
            self.history.record(cycle)
            for probe in self.probes:
                self.history.remember(probe.target.id, probe.memory, cycle.started)
            pending: list[Pending] = []
            for version in cycle.versions:
                pending += self._advance(version, cycle.started, version.target, State.DOWN)
                if self.settings.alert_on_throttled:
                    key = throttled_key(version.target)
                    pending += self._advance(version, cycle.started, key, State.THROTTLED)
            for target, event, body in group(pending, self._labels, self.settings.group_by):
                level = logging.INFO if event == Event.RESOLVED.value else logging.WARNING
                log.log(level, "alert %s: %s", event, body["summary"])
                self.dispatcher.enqueue(target, event, body)

    def _advance(self, version: VersionReport, now: float, key: str, bad: State) -> list[Pending]:
        """One alert of the version one cycle further; its event, if any, waiting for its group."""
        before = self.history.alert(key)
        after, event = advance(before, version.state, version.reasons, now, self.policy, bad=bad)
        self.history.save_alert(after)
        if event is None:
            return []
        return [
            (version.target, event.value, payload(event, before, after, version_state=version.state, now=now))
        ]

    def _log(self, cycle: CycleReport) -> None:
        for version in cycle.versions:
            previous = self._states.get(version.target)
            self._states[version.target] = version.state
            if previous is version.state:
                continue
            why = f": {'; '.join(version.reasons)}" if version.reasons else ""
            level = logging.WARNING if version.state is State.DOWN else logging.INFO
            log.log(level, "%s is %s%s", version.target, version.state.value, why)
        counts = {state: sum(v.state is state for v in cycle.versions) for state in State}
        log.debug(
            "cycle in %.2f s: %s",
            cycle.duration,
            ", ".join(f"{count} {state.value}" for state, count in counts.items() if count),
        )

    def _counted(self, channel: str, ok: bool) -> None:
        self.metrics.notification(channel, ok=ok)


def _channels(config: Targets) -> list[Channel]:
    """The alert channels `[monitor]` names, their URLs read from the environment."""
    webhook, notify = config.monitor_channels()
    channels: list[Channel] = []
    if webhook is not None:
        channels.append(WebhookChannel(webhook))
    try:
        for number, url in enumerate(notify, start=1):
            if not check_apprise_url(url):
                reference = config.monitor.notify[number - 1]
                raise config.error(
                    ("monitor", "notify"),
                    f"the value of {reference} (notify URL {number}) is not a URL apprise knows",
                    "use an apprise URL such as slack://…, msteams://…, mailto://…, pagerduty://…, ntfy://… "
                    "(https://github.com/caronc/apprise/wiki)",
                )
            channels.append(AppriseChannel(url, name=f"notify{number}"))
    except BaseException:
        for channel in channels:
            channel.close()
        raise
    return channels
