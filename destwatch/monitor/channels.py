"""Where alerts go: a generic JSON webhook, and chat and incident services through apprise.

Each event is queued in the history's outbox once per channel, in the transaction that fired it, then
delivered. A channel that fails is logged (its URL never: only its name) and retried with a growing pause
(30 s, 1 min, 2 min, ... at most 1 h), for up to a day; it never stops probing. Two monitors on one history
lease each notification before sending it, so only one of them does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import httpx

from destwatch.http import why_no_answer
from destwatch.monitor.clock import Clock
from destwatch.monitor.history import History, Notification
from destwatch.redact import redact

__all__ = ["AppriseChannel", "Channel", "ChannelFailed", "Dispatcher", "WebhookChannel", "check_apprise_url"]

log = logging.getLogger("destwatch.monitor")

_TIMEOUT = 10.0
_FIRST_RETRY = 30.0
_LONGEST_RETRY = 3600.0
_GIVE_UP_AFTER = 86400.0
# A sender that died mid-delivery leaves its lease; another monitor (or the next run) takes it over then.
_LEASE = 120.0
_TITLES = {"fired": "is down", "reminder": "is still down", "resolved": "is up again"}
_THROTTLED_TITLES = {
    "fired": "is throttled",
    "reminder": "is still throttled",
    "resolved": "is no longer throttled",
}


class ChannelFailed(Exception):
    """A channel did not take the notification; the message says why, without its URL."""


class Channel(Protocol):
    name: str
    """How logs and the history name the channel ("webhook", "notify1"): never its URL."""

    def send(self, payload: dict[str, Any]) -> None:
        """Deliver `payload` or raise `ChannelFailed`."""
        ...

    def close(self) -> None: ...


class WebhookChannel:
    """POSTs the alert payload as JSON; any 2xx is delivered. Redirects are not followed."""

    def __init__(
        self, url: str, *, name: str = "webhook", transport: httpx.BaseTransport | None = None
    ) -> None:
        self.name = name
        self._url = url
        self._http = httpx.Client(timeout=_TIMEOUT, follow_redirects=False, transport=transport)

    def send(self, payload: dict[str, Any]) -> None:
        try:
            response = self._http.post(self._url, json=payload, headers={"User-Agent": "destwatch-monitor"})
        except httpx.TransportError as exc:
            timed_out = "read" if isinstance(exc, httpx.TimeoutException) else None
            raise ChannelFailed(why_no_answer(exc, _TIMEOUT, timed_out=timed_out)[1]) from None
        if not response.is_success:
            raise ChannelFailed(f"answered {response.status_code}")

    def close(self) -> None:
        self._http.close()


class AppriseChannel:
    """One apprise URL (`slack://…`, `msteams://…`, `mailto://…`, `pagerduty://…`, `ntfy://…`, `json://…`)."""

    def __init__(self, url: str, *, name: str) -> None:
        apprise = _apprise()
        self.name = name
        self._apprise = apprise.Apprise()
        with _quiet():
            if not self._apprise.add(url):
                raise ValueError(f"{name}: not a URL apprise knows")
        self._types = {"fired": apprise.NotifyType.FAILURE, "reminder": apprise.NotifyType.WARNING}
        self._success = apprise.NotifyType.SUCCESS

    def send(self, payload: dict[str, Any]) -> None:
        titles = _THROTTLED_TITLES if payload.get("alert") == "throttled" else _TITLES
        verb = titles.get(payload["event"], payload["event"])
        if len(payload.get("targets", ())) > 1:
            verb = verb.replace("is ", "are ", 1)
        title = f"destwatch: {payload['target']} {verb}"
        lines = [payload["summary"], *(f"- {reason}" for reason in payload["reasons"])]
        kind = self._types.get(payload["event"], self._success)
        with _quiet():
            sent = self._apprise.notify(body="\n".join(lines), title=title, notify_type=kind)
        if not sent:
            raise ChannelFailed("apprise could not deliver it (its log says why)")

    def close(self) -> None:
        self._apprise.clear()


def check_apprise_url(url: str) -> bool:
    """Whether apprise knows the URL's service (checked at start, so a typo is a configuration error)."""
    apprise = _apprise()
    with _quiet():
        return apprise.Apprise.instantiate(url, suppress_exceptions=True) is not None


def _apprise() -> Any:
    """apprise, imported only when a notify URL is configured (it loads many plugins)."""
    with _quiet():
        import apprise
    return apprise


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # apprise loads its plugins lazily; one imports `imghdr`, deprecated since Python 3.11: not ours to warn.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


class Dispatcher:
    """Queues alert events per channel and delivers what is due; failures are logged and retried."""

    def __init__(
        self,
        history: History,
        channels: Sequence[Channel],
        *,
        clock: Clock,
        on_attempt: Callable[[str, bool], None] | None = None,
    ) -> None:
        self._history = history
        self._channels = {channel.name: channel for channel in channels}
        self._clock = clock
        self._on_attempt = on_attempt

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._channels)

    def enqueue(self, target: str, event: str, payload: dict[str, Any]) -> None:
        if self._channels:
            text = json.dumps(payload, ensure_ascii=False)
            self._history.enqueue(target, event, list(self._channels), text, self._clock.time())

    def deliver_due(self) -> int:
        """Send every notification that is due; returns how many were delivered."""
        delivered = 0
        now = self._clock.time()
        for item in self._history.claim_due(now, lease=_LEASE):
            channel = self._channels.get(item.channel)
            if channel is None:
                self._give_up(item, "the channel is no longer configured", now)
                continue
            try:
                channel.send(json.loads(item.payload))
            except ChannelFailed as exc:
                self._retry(item, redact(str(exc)), now)
                self._count(item.channel, ok=False)
                continue
            self._history.delivered(item, self._clock.time())
            self._count(item.channel, ok=True)
            log.info("alert %s for %s delivered to %s", item.event, item.target, item.channel)
            delivered += 1
        return delivered

    def close(self) -> None:
        for channel in self._channels.values():
            close = getattr(channel, "close", None)
            if close is not None:
                close()

    def _retry(self, item: Notification, error: str, now: float) -> None:
        pause = min(_FIRST_RETRY * 2**item.attempts, _LONGEST_RETRY)
        if now + pause - item.created > _GIVE_UP_AFTER:
            self._give_up(item, error, now)
            return
        self._history.failed(item, error, retry_at=now + pause, now=now)
        log.warning(
            "alert %s for %s: %s could not take it (attempt %d): %s; retrying in %.0f s",
            item.event,
            item.target,
            item.channel,
            item.attempts + 1,
            error,
            pause,
        )

    def _give_up(self, item: Notification, error: str, now: float) -> None:
        self._history.failed(item, error, retry_at=None, now=now)
        log.error(
            "alert %s for %s: gave up on %s after %d attempts: %s",
            item.event,
            item.target,
            item.channel,
            item.attempts + 1,
            error,
        )

    def _count(self, channel: str, *, ok: bool) -> None:
        if self._on_attempt is not None:
            self._on_attempt(channel, ok)
