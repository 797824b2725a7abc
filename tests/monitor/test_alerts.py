"""Alerts: fire after `failure_threshold` down cycles, resolve after `success_threshold` good ones, remind
every `renotify` while down, never twice (the state is in the history); channels that fail are logged and
retried, never stop probing; the webhook payload is the documented one; apprise reaches chat services."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from destwatch.monitor.alerts import SCHEMA, AlertPolicy, AlertState, Event, advance, payload, throttled_key
from destwatch.monitor.channels import AppriseChannel, Channel, Dispatcher, WebhookChannel
from destwatch.monitor.history import History
from destwatch.monitor.outcomes import State
from kit.monitoring import EPOCH, CaptureServer, FakeClock

POLICY = AlertPolicy(failure_threshold=2, success_threshold=2, renotify=3600)
DOWN, UP, DEGRADED = State.DOWN, State.UP, State.DEGRADED


def _run(states: list[State], *, every: float = 60, policy: AlertPolicy = POLICY) -> list[Event | None]:
    state, events = AlertState("d/v1"), []
    for n, version_state in enumerate(states):
        state, event = advance(state, version_state, ["x: failed"], EPOCH + n * every, policy)
        events.append(event)
    return events


def test_an_alert_fires_after_two_down_cycles_and_resolves_after_two_good_ones() -> None:
    events = _run([UP, DOWN, DOWN, DOWN, UP, UP, UP])
    assert events == [None, None, Event.FIRED, None, None, Event.RESOLVED, None]


def test_one_down_cycle_or_a_flap_does_not_fire_and_nothing_resolves_what_never_fired() -> None:
    assert _run([DOWN, UP, DOWN, UP, UP, DOWN, UP]) == [None] * 7


def test_a_good_cycle_between_down_ones_does_not_resolve() -> None:
    events = _run([DOWN, DOWN, UP, DOWN, UP, UP])
    assert events == [None, Event.FIRED, None, None, None, Event.RESOLVED]


def test_degraded_counts_as_good() -> None:
    assert _run([DOWN, DOWN, DEGRADED, DEGRADED]) == [None, Event.FIRED, None, Event.RESOLVED]


def test_a_firing_alert_is_reminded_every_renotify_while_down() -> None:
    events = _run([DOWN] * 200, every=60)
    fired_at = events.index(Event.FIRED)
    reminders = [n for n, event in enumerate(events) if event is Event.REMINDER]
    assert reminders == [fired_at + 60, fired_at + 120, fired_at + 180]
    assert Event.REMINDER not in _run([DOWN] * 200, policy=AlertPolicy(renotify=0))


def test_the_payload_is_the_documented_one() -> None:
    before = AlertState("productCatalog/v2", failures=1, since=EPOCH, reasons=("products GET: no answer",))
    after, event = advance(before, DOWN, ["products GET: no answer within 10 s"], EPOCH + 60, POLICY)
    assert event is Event.FIRED
    body = payload(event, before, after, version_state=DOWN, now=EPOCH + 60)
    assert body == {
        "schema": SCHEMA,
        "alert": "down",
        "event": "fired",
        "target": "productCatalog/v2",
        "destination": "productCatalog",
        "version": "v2",
        "state": "down",
        "summary": "productCatalog/v2 is down: products GET: no answer within 10 s",
        "reasons": ["products GET: no answer within 10 s"],
        "down_since": "2026-11-30T08:00:00Z",
        "downtime_seconds": 60.0,
        "consecutive_failures": 2,
        "at": "2026-11-30T08:01:00Z",
        "source": body["source"],
    }
    resolved_state, resolved = advance(after, UP, [], EPOCH + 120, AlertPolicy(success_threshold=1))
    ended = payload(resolved, after, resolved_state, version_state=UP, now=EPOCH + 180)
    assert (
        ended["event"] == "resolved" and ended["summary"] == "productCatalog/v2 is up again after 3 min 0 s"
    )
    assert ended["reasons"] == ["products GET: no answer within 10 s"]


def _queue(history: History, clock: FakeClock, channels: list[Channel], event: str = "fired") -> Dispatcher:
    dispatcher = Dispatcher(history, channels, clock=clock)
    before = AlertState("d/v1", failures=1, since=clock.time(), reasons=("items GET: 503",))
    after, _ = advance(before, DOWN, ["items GET: 503"], clock.time(), POLICY)
    dispatcher.enqueue(
        "d/v1", event, payload(Event(event), before, after, version_state=DOWN, now=clock.time())
    )
    return dispatcher


def test_a_failing_channel_is_logged_and_retried_with_a_growing_pause(
    tmp_path: Path, capture: CaptureServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    history = History.open(tmp_path / "monitor.db")
    capture.failing = 2
    dispatcher = _queue(history, clock, [WebhookChannel(f"{capture.url}/hook/key-8c1d")])
    with caplog.at_level(logging.WARNING, logger="destwatch.monitor"):
        assert dispatcher.deliver_due() == 0
        assert dispatcher.deliver_due() == 0  # not due yet: nothing is sent again at once
        clock.advance(30)
        assert dispatcher.deliver_due() == 0
        clock.advance(59)
        assert dispatcher.deliver_due() == 0  # the second pause is 60 s
        clock.advance(1)
        assert dispatcher.deliver_due() == 1
    assert capture.refused == 2 and len(capture.wait_for(1)) == 1
    assert "retrying in 30 s" in caplog.text and "retrying in 60 s" in caplog.text
    assert "webhook could not take it (attempt 1): answered 500" in caplog.text
    assert "key-8c1d" not in caplog.text
    assert history.outbox() == [("d/v1", "fired", "webhook", 3, True, "")]
    clock.advance(3600)
    assert dispatcher.deliver_due() == 0  # delivered once, never again
    dispatcher.close()


def test_an_unreachable_channel_gives_up_after_a_day_in_its_own_words(tmp_path: Path) -> None:
    clock = FakeClock()
    history = History.open(tmp_path / "monitor.db")
    # Nothing listens on port 9 of loopback (discard): connection refused at once.
    dispatcher = _queue(history, clock, [WebhookChannel("http://127.0.0.1:9/hook")])
    for _ in range(40):
        dispatcher.deliver_due()
        clock.advance(3600)
    ((*_, attempts, delivered, error),) = history.outbox()
    assert (delivered, error) == (False, "connection refused") and 10 <= attempts <= 30
    dispatcher.close()


def test_apprise_delivers_to_a_json_endpoint_with_title_and_body(
    tmp_path: Path, capture: CaptureServer
) -> None:
    clock = FakeClock()
    history = History.open(tmp_path / "monitor.db")
    url = capture.url.replace("http://", "json://") + "/apprise"
    dispatcher = _queue(history, clock, [AppriseChannel(url, name="notify1")])
    assert dispatcher.deliver_due() == 1
    (body,) = capture.wait_for(1)
    assert body["title"] == "destwatch: d/v1 is down"
    assert body["message"].splitlines() == ["d/v1 is down: items GET: 503", "- items GET: 503"]
    assert body["type"] == "failure" and capture.paths == ["/apprise"]
    dispatcher.close()


def test_two_dispatchers_on_one_history_send_each_notification_once(
    tmp_path: Path, capture: CaptureServer
) -> None:
    clock = FakeClock()
    first = _queue(History.open(tmp_path / "monitor.db"), clock, [WebhookChannel(capture.url)])
    second = Dispatcher(History.open(tmp_path / "monitor.db"), [WebhookChannel(capture.url)], clock=clock)
    assert first.deliver_due() + second.deliver_due() == 1
    assert len(capture.wait_for(1)) == 1
    first.close()
    second.close()


def test_maintenance_neither_grows_nor_breaks_a_streak_and_never_sends() -> None:
    maintenance = State.MAINTENANCE
    assert _run([DOWN, maintenance, maintenance, DOWN]) == [None, None, None, Event.FIRED]
    firing = _run([DOWN, DOWN] + [maintenance] * 200 + [UP, UP], every=60)
    assert firing[:2] == [None, Event.FIRED] and set(firing[2:202]) == {None}  # no reminder inside
    assert firing[-1] is Event.RESOLVED


def test_throttling_has_its_own_rule_and_throttled_is_good_for_the_down_rule() -> None:
    throttled = State.THROTTLED
    assert _run([DOWN, DOWN, throttled, throttled]) == [None, Event.FIRED, None, Event.RESOLVED]
    state, events = AlertState(throttled_key("d/v1")), []
    for n, version_state in enumerate([throttled, throttled, UP, UP]):
        before = state
        state, event = advance(state, version_state, ["get: 429"], EPOCH + 60 * n, POLICY, bad=throttled)
        events.append(event)
        if event is Event.FIRED:
            body = payload(event, before, state, version_state=throttled, now=EPOCH + 60 * n)
            assert (body["alert"], body["target"], body["summary"]) == (
                "throttled",
                "d/v1",
                "d/v1 is throttled: get: 429",
            )
    assert events == [None, Event.FIRED, None, Event.RESOLVED]
