"""Alerts: a state machine per destination version, and the payload every channel is sent.

A version's alert **fires** after `failure_threshold` consecutive down cycles, is **reminded** every
`renotify` while it stays down, and **resolves** after `success_threshold` consecutive cycles that are not
down (degraded and throttled count as good: it answers). A cycle inside a maintenance window changes nothing:
no streak grows, nothing fires or is reminded; a version still down after it alerts as usual. A resolution is
only ever sent after a firing. The state lives in the history, in the same transaction as the cycle that
changed it, so a restarted monitor (or a second one on the same history) never sends an alert twice.

The webhook payload (`"schema": "destwatch.alert/1"`), one JSON object per event:

```json
{
  "schema": "destwatch.alert/1",
  "alert": "down",                       // "down", or "throttled" (429 after Retry-After, its own rule)
  "event": "fired",                      // "fired", "reminder" or "resolved"
  "target": "productCatalog/v2",
  "destination": "productCatalog",
  "version": "v2",
  "state": "down",                       // the version's state in the cycle that sent it
  "summary": "productCatalog/v2 is down: products GET: no answer within 10 s (...)",
  "reasons": ["products GET: no answer within 10 s (GET http://...)"],
  "down_since": "2026-11-30T08:15:00Z",  // the first down cycle of this outage
  "downtime_seconds": 120.0,
  "consecutive_failures": 2,
  "at": "2026-11-30T08:17:00Z",
  "source": "destwatch 0.2.0"
}
```
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import destwatch
from destwatch._durations import format_span
from destwatch.monitor.outcomes import State
from destwatch.redact import redact

__all__ = ["SCHEMA", "AlertPolicy", "AlertState", "Event", "advance", "payload", "throttled_key"]

SCHEMA = "destwatch.alert/1"
_THROTTLED = "#throttled"


class Event(enum.StrEnum):
    FIRED = "fired"
    REMINDER = "reminder"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertPolicy:
    failure_threshold: int = 2
    success_threshold: int = 2
    renotify: float = 3600.0
    """Seconds between reminders while firing; 0: never remind."""


@dataclass(frozen=True)
class AlertState:
    """One version's alert: firing or not, the streaks that decide, and when it last notified."""

    target: str
    firing: bool = False
    failures: int = 0
    """Consecutive down cycles."""
    successes: int = 0
    """Consecutive good cycles while firing."""
    since: float | None = None
    """The first down cycle of the current outage."""
    notified: float | None = None
    """When the alert fired or was last reminded."""
    reasons: tuple[str, ...] = ()


def advance(
    state: AlertState,
    version_state: State,
    reasons: Sequence[str],
    now: float,
    policy: AlertPolicy,
    *,
    bad: State = State.DOWN,
) -> tuple[AlertState, Event | None]:
    """The alert after one more cycle, and the event to send (if any). `bad` is the state it alerts on:
    down (a version's alert) or throttled (its throttling alert, kept under `throttled_key`)."""
    if version_state is State.MAINTENANCE:
        # Planned: no streak grows or breaks, nothing is sent. Still down after the window, it alerts.
        return state, None
    if version_state is bad:
        failures = state.failures + 1
        since = state.since if state.since is not None else now
        after = replace(state, failures=failures, successes=0, since=since, reasons=tuple(reasons))
        if not state.firing:
            if failures >= policy.failure_threshold:
                return replace(after, firing=True, notified=now), Event.FIRED
            return after, None
        if policy.renotify > 0 and (state.notified is None or now - state.notified >= policy.renotify):
            return replace(after, notified=now), Event.REMINDER
        return after, None
    if not state.firing:
        return AlertState(state.target), None
    successes = state.successes + 1
    if successes >= policy.success_threshold:
        return AlertState(state.target), Event.RESOLVED
    return replace(state, successes=successes, failures=0), None


def throttled_key(target: str) -> str:
    """Where a version's throttling alert is kept (beside its down alert, under the version's name)."""
    return f"{target}{_THROTTLED}"


def payload(
    event: Event, before: AlertState, after: AlertState, *, version_state: State, now: float
) -> dict[str, Any]:
    """The JSON object channels send for `event` (documented in this module's docstring)."""
    throttling = before.target.endswith(_THROTTLED)
    target = before.target.removesuffix(_THROTTLED)
    destination, _, version = target.partition("/")
    outage = after if event is not Event.RESOLVED else before
    since = outage.since
    reasons = list(outage.reasons)
    bad, good = ("throttled", "no longer throttled") if throttling else ("down", "up again")
    if event is Event.RESOLVED:
        summary = f"{target} is {good} after {format_span(now - since) if since else 'an outage'}"
    else:
        still = "still " if event is Event.REMINDER else ""
        summary = f"{target} is {still}{bad}: {'; '.join(reasons) or 'no reason recorded'}"
    body = {
        "schema": SCHEMA,
        "alert": bad,
        "event": event.value,
        "target": target,
        "destination": destination,
        "version": version,
        "state": version_state.value,
        "summary": summary,
        "reasons": reasons,
        "down_since": _iso(since),
        "downtime_seconds": round(now - since, 3) if since is not None else None,
        "consecutive_failures": after.failures if event is not Event.RESOLVED else before.failures,
        "at": _iso(now),
        "source": f"destwatch {destwatch.__version__}",
    }
    return {key: redact(value) if isinstance(value, str) else value for key, value in body.items()} | {
        "reasons": [redact(reason) for reason in reasons]
    }


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
