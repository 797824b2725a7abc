"""The HTTP layer: recorded and masked exchanges, pacing, timeouts as violations, unreachable targets."""

from __future__ import annotations

import json
import math
import socket
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from destwatch import notices
from destwatch._files import json_or_none
from destwatch._ratelimit import RateLimiter
from destwatch.config import TargetSettings, VersionTarget
from destwatch.errors import NoAnswer, TargetUnreachable
from destwatch.failures import AnswerTooLarge, RedirectNotFollowed, answer_digest
from destwatch.http import BeyondBundle, Client, ReplayDiverged, answer_within_budget, redacted_exchange
from kit.steered import SECRET, SteeredDestination


def _with(target: VersionTarget, **settings: float) -> VersionTarget:
    merged = TargetSettings.model_validate({**target.settings.model_dump(), **settings})
    return replace(target, settings=merged)


def test_every_exchange_is_recorded_with_credentials_masked(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    client = Client(shop)
    client.post("items", json={"top": 1})
    token_exchange, exchange = client.recorder.exchanges
    # The token request goes through the same client: paced and recorded, its secret masked.
    assert (token_exchange.method, token_exchange.url) == ("POST", shop.token_url)
    assert '"clientSecret": "[redacted]"' in token_exchange.request_body.replace('":"', '": "')
    assert SECRET not in token_exchange.request_body
    # The answer keeps its shape, its token masked: the token itself is nowhere in it.
    (token,) = steered.steer.issued
    assert token not in token_exchange.response_body
    assert json.loads(token_exchange.response_body)["accessToken"] == "[redacted]"
    assert (exchange.target, exchange.method, exchange.status) == ("shop/v1", "POST", 200)
    assert exchange.url == f"{shop.base_url}/items"
    assert exchange.elapsed > 0
    assert exchange.request_headers["authorization"] == "Bearer [redacted]"
    assert exchange.request_body == '{"top":1}'
    assert client.token() not in repr(client.recorder.exchanges)


def test_a_recorded_request_body_is_whole_so_the_request_can_be_sent_again(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    # The answer is kept as an excerpt; the request as it was sent, up to 64 KiB.
    must = [{"color": [f"shade-{n}" for n in range(200)]}]
    client = Client(shop)
    client.post("items", json={"top": 1, "must": must})
    client.post("items", json={"top": 1, "note": "x" * 70_000})
    whole, huge = client.recorder.exchanges[1:]
    assert len(whole.request_body) > 1000
    assert json.loads(whole.request_body) == {"top": 1, "must": must}
    assert len(huge.request_body) == 64 * 1024


@pytest.mark.parametrize(
    ("content", "encoding", "excerpt"),
    [
        ("ü€𝄞".encode() * 400, "utf-8", ("ü€𝄞" * 167)[:500]),
        ("é".encode("latin-1") * 900, "latin-1", "é" * 500),
        (b"short", None, "short"),
        # A charset no codec knows, as a server may declare it: read as UTF-8, never an error of destwatch's.
        ("ü".encode() * 600, "no-such-charset", "ü" * 500),
    ],
    ids=["multibyte", "declared-charset", "short", "unknown-charset"],
)
def test_a_recorded_answer_is_its_first_500_characters_in_its_charset(
    content: bytes, encoding: str | None, excerpt: str
) -> None:
    exchange = redacted_exchange(
        "shop/v1", method="GET", url="http://x/items", headers=[], body=None, status=200,
        content=content, encoding=encoding, elapsed=0.0,
    )  # fmt: skip
    assert exchange.response_body == excerpt


def test_rate_limiter_spaces_calls_one_over_max_rps_apart() -> None:
    waits: list[float] = []
    limiter = RateLimiter(10.0, clock=lambda: 50.0, sleep=waits.append)
    for _ in range(3):
        limiter.acquire()
    assert waits == pytest.approx([0.1, 0.2])


@pytest.mark.parametrize("rate", [200.0, 50.0, 2.5])
def test_rate_limiter_never_exceeds_its_rate_in_any_second_and_bursts_at_most_a_tenth(rate: float) -> None:
    now = [0.0]
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(rate, clock=lambda: now[0], sleep=sleep)
    answers = [0.02 if index % 3 == 0 else 0.001 for index in range(int(rate * 3))]  # uneven answers
    for answer in answers:
        limiter.acquire()
        sent.append(now[0])
        now[0] += answer
    burst = max(1, int(rate / 10))
    for index, started in enumerate(sent):
        assert len([t for t in sent[index:] if t < started + 1.0]) <= math.ceil(rate)
        assert len([t for t in sent[index:] if t < started + burst / rate]) <= burst
    # Strict spacing waits out every slot a slow answer overran; within a burst, later calls use them.
    strict = sum(max(answer, 1 / rate) for answer in answers[:-1])
    assert sent[-1] < strict if rate == 200.0 else sent[-1] <= strict + 1e-9


def test_requests_to_one_version_never_exceed_max_rps(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    client = Client(_with(shop, max_rps=20.0))
    started = time.perf_counter()
    for _ in range(5):
        client.get("items", authenticated=False)
    # Five requests at 20 per second need at least four gaps of 50 ms.
    assert time.perf_counter() - started >= 0.2
    assert steered.steer.data_requests == 5


def test_a_hanging_answer_is_no_answer_within_the_timeout(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.delay = 0.8
    client = Client(_with(shop, timeout=0.2))
    started = time.perf_counter()
    with pytest.raises(NoAnswer) as caught:
        client.get("items", authenticated=False)
    assert time.perf_counter() - started < 0.6
    assert caught.value.kind == "timeout"
    assert str(caught.value) == f"shop/v1: no answer within 0.2 s (GET {shop.base_url}/items)"
    assert client.recorder.exchanges[-1].error == "timeout"


def test_a_body_that_trickles_in_is_bounded_by_the_timeout_as_a_whole(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    # Each byte comes well within a read timeout, the whole answer never within `timeout`.
    steered.steer.drip = 0.05
    client = Client(_with(shop, timeout=0.5))
    started = time.perf_counter()
    with pytest.raises(NoAnswer, match=r"no complete answer within 0.5 s \(\d+ bytes had arrived"):
        client.get("items")
    assert time.perf_counter() - started < 1.5


def test_an_answer_larger_than_max_response_bytes_is_a_violation_never_read_whole(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.padding = 5000
    client = Client(_with(shop, max_response_bytes=1000))
    with pytest.raises(AnswerTooLarge) as caught:
        client.get("items")
    assert "larger than 1000 bytes" in str(caught.value) and "max_response_bytes" in str(caught.value)


def test_a_redirect_is_not_followed_and_is_reported(steered: SteeredDestination, shop: VersionTarget) -> None:
    steered.steer.redirect_to = "http://elsewhere.invalid/steal"
    with pytest.raises(RedirectNotFollowed) as caught:
        Client(shop).get("items", authenticated=False)
    assert caught.value.status == 307 and "redirect to http://elsewhere.invalid/steal" in str(caught.value)


def test_a_version_that_stops_answering_gets_three_requests_then_none(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.delay = 0.5
    client = Client(_with(shop, timeout=0.1))
    for _ in range(3):
        with pytest.raises(NoAnswer, match=r"no answer within 0\.1 s"):
            client.get("items", authenticated=False)
    started = time.perf_counter()
    with pytest.raises(NoAnswer, match="on 3 requests in a row; no more are sent") as caught:
        client.get("items", authenticated=False)
    assert caught.value.kind == "breaker" and time.perf_counter() - started < 0.05
    assert steered.steer.data_requests == 3


def test_a_closed_port_is_target_unreachable_naming_version_and_reason(shop: VersionTarget) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = replace(shop, base_url=f"http://127.0.0.1:{port}/acme/shop/v1")
    with pytest.raises(TargetUnreachable) as caught:
        Client(closed).get("items", authenticated=False)
    assert str(caught.value).startswith("shop/v1: connection refused")
    assert isinstance(caught.value, NoAnswer) and caught.value.kind == "refused"
    assert f"(GET http://127.0.0.1:{port}/acme/shop/v1/items)" in str(caught.value)


def test_a_data_429_is_retried_after_the_pause_it_asks_for(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.data_429, steered.steer.retry_after = 1, "0.5"
    pauses: list[float] = []
    response = Client(shop, sleep=pauses.append).get("items")
    assert response.status_code == 200
    assert pauses == [0.5]


def test_unauthenticated_requests_carry_no_token_and_explicit_headers_win(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    client = Client(shop)
    assert client.get("items", authenticated=False).status_code == 401
    assert client.get("items", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    first, second = client.recorder.exchanges
    assert "authorization" not in first.request_headers
    assert second.request_headers["authorization"] == "Bearer [redacted]"
    assert client.tokens_fetched == 0 and steered.steer.token_requests == 0


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        # An id beyond 64 bits stays an exact integer (a parser that made it a float would change the id).
        (
            b'{"results": [{"id": 123456789012345678901234567890}]}',
            {"results": [{"id": 123456789012345678901234567890}]},
        ),
        (b'{"a": 1, "a": 2}', {"a": 2}),
        # What the fast parser refuses but `json` reads is read as `json` reads it.
        (b'\xef\xbb\xbf{"results": []}', {"results": []}),
        ('{"results": []}'.encode("utf-16"), {"results": []}),
        (b'"\\ud800"', "\ud800"),
        (b"[1e400]", [float("inf")]),
        (b"not json", None),
        (b'{"results": [1,]}', None),
        (b"\xff", None),
    ],
)
def test_answers_parse_exactly_as_json_loads_reads_them(body: bytes, parsed: object) -> None:
    assert json_or_none(httpx.Response(200, content=body)) == parsed
    assert json_or_none(body) == parsed


def test_a_version_answering_only_429_is_stopped_after_the_bound_a_hang_gets(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    # Retry-After: 1 on every request at timeout 2: three timeouts' worth (6 s of waits), then nothing more
    # is sent. One answer that is not a 429 starts the count again.
    steered.steer.data_429 = 1000
    waited: list[float] = []
    client = Client(_with(shop, timeout=2.0), sleep=waited.append)
    stopped = []
    for _ in range(2):
        with pytest.raises(NoAnswer) as caught:
            client.get("items", authenticated=False)
        assert caught.value.kind == "rate-limited"
        stopped.append(client.data_breaker.throttled_out() is not None)
    assert stopped == [False, True]  # 3 s of Retry-After asked per request: 2 waited, 1 that was not
    with pytest.raises(NoAnswer, match=r"throttled: answered only 429 for 6 s of Retry-After in a row"):
        client.get("items", authenticated=False)
    assert (1000 - steered.steer.data_429, waited) == (6, [1.0] * 4)
    steered.steer.data_429 = 0
    client.data_breaker.answered()
    assert client.get("items", authenticated=False).status_code == 401


def test_a_replaying_client_sends_only_the_bundles_requests_and_names_the_first_other(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    client = Client(shop)
    with notices.recording() as recorded:
        client.post("items", json={"top": 1, "skip": 0})
    # What the test relied on, as a replay matches it: the token request (each version's credentials alike)
    # and its body whoever serialized it, relative to the version's base URL (an embedded reference moves).
    assert list(recorded.requests) == [
        ("shop/v1", "POST", "token", '{"clientId": "[redacted]", "clientSecret": "[redacted]"}'),
        ("shop/v1", "POST", "~/items", '{"skip": 0, "top": 1}'),
    ]
    replaying = Client(shop)
    replaying.allowed = frozenset(recorded.requests)
    assert replaying.post("items", json={"skip": 0, "top": 1}).status_code == 200
    diverged = r"diverged from the bundle: shop/v1 POST ~/items \{\"top\": 2\}"
    with pytest.raises(ReplayDiverged, match=diverged):
        replaying.post("items", json={"top": 2})
    # Refused before it was sent: the destination saw the token request and one data request.
    assert [exchange.request_body for exchange in replaying.recorder.exchanges][1:] == ['{"skip":0,"top":1}']
    # Once the finding's own request got another answer than it recorded, a request past the bundle is the
    # clause going on; while it gets the same one, the replay has diverged.
    asked = ("shop/v1", "POST", "~/items", '{"skip": 0, "top": 1}')
    recorded = answer_digest(200, replaying.post("items", json={"skip": 0, "top": 1}))
    replaying.finding = (asked, recorded)
    replaying.post("items", json={"skip": 0, "top": 1})
    with pytest.raises(ReplayDiverged, match="diverged from the bundle") as same:
        replaying.post("items", json={"top": 2})
    assert not isinstance(same.value, BeyondBundle)
    replaying.finding = (asked, answer_digest(500, "another answer"))
    replaying.post("items", json={"skip": 0, "top": 1})
    with pytest.raises(BeyondBundle, match=r"no longer fails as it did; the clause went on to shop/v1 POST"):
        replaying.post("items", json={"top": 2})


def _elapsed(answer: Any) -> float:
    return answer.elapsed


def test_a_slow_answer_is_sent_again_once_and_the_second_answer_is_the_one_checked() -> None:
    def sender(*elapsed: float) -> tuple[list[float], Any]:
        sent: list[float] = []

        def send() -> Any:
            sent.append(elapsed[len(sent)])
            return SimpleNamespace(elapsed=sent[-1])

        return sent, send

    sent, send = sender(1.4, 0.2)
    assert (answer_within_budget(send, 1.0, seconds=_elapsed).elapsed, len(sent)) == (0.2, 2)
    sent, send = sender(1.4, 1.3)  # slow twice: the budget is broken, and the check sees the second
    assert (answer_within_budget(send, 1.0, seconds=_elapsed).elapsed, len(sent)) == (1.3, 2)
    sent, send = sender(0.9)
    assert (answer_within_budget(send, 1.0, seconds=_elapsed).elapsed, len(sent)) == (0.9, 1)
    sent, send = sender(5.0)  # no budget (no client): nothing is sent again
    assert (answer_within_budget(send, None, seconds=_elapsed).elapsed, len(sent)) == (5.0, 1)
