"""Rate limits, opt-in: only where the owner declares `rate_limit = { requests = N, per = "1s" }` (data) or
`token_rate_limit` (the token endpoint). A burst of N + 1 gets a 429 with `Retry-After`, a request sent
once that `Retry-After` has passed is answered, and, where the version names a `second_application`, that
application's token is still answered right after the first's burst. Never point it at production without
the owner's consent: it is built to be throttled."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from destwatch._ratelimit import retry_after_seconds
from destwatch.config import RateLimit, VersionTarget
from destwatch.environment import Environment
from destwatch.failures import NotChecked, violation
from destwatch.gate.authkit import AuthKit
from destwatch.http import MAX_RETRY_AFTER

pytestmark = pytest.mark.runs_last


def _declared(limit: RateLimit | None) -> RateLimit:
    # The suite's conftest collects a test only for versions that declare what it checks.
    assert limit is not None, "collected for a version that declares no limit"
    return limit


def _burst_fits(target: VersionTarget, limit: RateLimit, *, more: int = 0) -> None:
    """N + 1 requests (and `more`) within `per` seconds at the version's pace, or the clause cannot be
    checked."""
    needed = limit.requests + 1 + more
    if needed / target.settings.max_rps >= limit.per:
        raise NotChecked(
            f"max_rps {target.settings.max_rps:g} cannot send {needed} requests within "
            f"{limit.per:g} s; raise max_rps for this version to check its rate limit"
        )


def _data_burst(run: Environment, target: VersionTarget, limit: RateLimit) -> list[httpx.Response]:
    """Up to N + 1 small data requests with the version's own token, stopping at the first 429."""
    client = run.http(target)
    path = AuthKit(run).paths(target)[0]
    answers = []
    for _ in range(limit.requests + 1):
        answer = client.get(path, params={"top": "1"}, retry_429=False)
        answers.append(answer)
        if answer.status_code == 429:
            break
    return answers


def _throttled(answers: list[httpx.Response], clause: str, limit: RateLimit) -> httpx.Response:
    last = answers[-1]
    if last.status_code != 429:
        statuses = ", ".join(str(answer.status_code) for answer in answers)
        raise violation(
            clause, last, detail=f"{len(answers)} requests within {limit.per:g} s answered {statuses}"
        )
    if retry_after_seconds(last) is None:
        raise violation(clause, last, detail="the 429 has no usable Retry-After header")
    return last


def test_a_burst_beyond_the_data_limit_gets_429_with_retry_after(
    target: VersionTarget, dw_run: Environment
) -> None:
    limit = _declared(target.settings.rate_limit)
    _burst_fits(target, limit)
    _throttled(
        _data_burst(dw_run, target, limit),
        f"rate limit: a burst of {limit.requests + 1} requests within {limit.per:g} s gets a 429 with "
        "Retry-After",
        limit,
    )


def test_a_request_after_retry_after_is_answered(target: VersionTarget, dw_run: Environment) -> None:
    limit = _declared(target.settings.rate_limit)
    _burst_fits(target, limit)
    burst = _data_burst(dw_run, target, limit)
    client, path = dw_run.http(target), AuthKit(dw_run).paths(target)[0]
    _answered_after_retry_after(
        burst, limit, "rate limit", lambda: client.get(path, params={"top": "1"}, retry_429=False)
    )


@pytest.mark.protected_only
def test_a_second_applications_token_is_not_throttled_by_the_first_applications_burst(
    target: VersionTarget, dw_run: Environment
) -> None:
    limit = _declared(target.settings.rate_limit)
    _burst_fits(target, limit, more=1)
    auth = AuthKit(dw_run)
    # The second application's token is asked for once, before the burst: asked for after it, the grant
    # would spend the window the clause is about. A grant that holds no token is a violation (TokenError).
    second = auth.grant(target, fields=auth.flow(target).fields(target.as_second_application())).token
    started = time.monotonic()
    burst = _data_burst(dw_run, target, limit)
    if burst[-1].status_code != 429:
        raise NotChecked("the first application's burst got no 429 (the burst clause reports it)")
    sent = time.monotonic() - started
    answer = dw_run.http(target).get(
        auth.paths(target)[0], params={"top": "1"}, headers=auth.bearer(second), retry_429=False
    )
    if not answer.is_success:
        raise violation(
            "rate limit: a second application's token is not throttled by the first application's burst",
            answer,
            detail=f"the first application's {len(burst)} requests ended in a 429; {sent:.2f} s after they "
            f"began, the second application's request answered {answer.status_code}, not 2xx",
        )
    if sent >= limit.per:
        raise NotChecked(
            f"the second application's request left {sent:.2f} s after the burst, past its window"
        )


def _token_burst(run: Environment, target: VersionTarget, limit: RateLimit) -> list[httpx.Response]:
    """Up to N + 1 token requests with the version's own credentials, stopping at the first 429."""
    auth = AuthKit(run)
    answers = []
    for _ in range(limit.requests + 1):
        answers.append(auth.grant(target, retry_429=False).response)
        if answers[-1].status_code == 429:
            break
    return answers


def _answered_after_retry_after(
    burst: list[httpx.Response], limit: RateLimit, what: str, send: Callable[[], httpx.Response]
) -> None:
    """The burst's 429 says a Retry-After no longer than the declared window, and `send`, once it has
    passed, is not a 429 (not checked when the burst earned no 429 with Retry-After)."""
    throttled = burst[-1]
    if throttled.status_code != 429 or retry_after_seconds(throttled) is None:
        raise NotChecked(f"the burst got no 429 with Retry-After (the {what} burst clause reports it)")
    wait = retry_after_seconds(throttled) or 0.0
    if wait > min(MAX_RETRY_AFTER, limit.per + 1):
        raise violation(
            f"{what}: Retry-After is no longer than the declared window",
            throttled,
            detail=f"Retry-After {wait:g} s, declared {limit.requests} per {limit.per:g} s",
        )
    # The clause itself is a wait: the destination said how long, the request after it must be answered.
    time.sleep(wait)
    after = send()
    if after.status_code == 429:
        raise violation(
            f"{what}: a request sent once Retry-After has passed is answered",
            after,
            detail=f"sent {wait:g} s after a 429 that said Retry-After: {throttled.headers['Retry-After']}",
        )


@pytest.mark.protected_only
def test_a_burst_beyond_the_token_limit_gets_429_with_retry_after(
    target: VersionTarget, dw_run: Environment
) -> None:
    limit = _declared(target.settings.token_rate_limit)
    _burst_fits(target, limit)
    _throttled(
        _token_burst(dw_run, target, limit),
        f"token rate limit: a burst of {limit.requests + 1} token requests within {limit.per:g} s gets a 429 "
        "with Retry-After",
        limit,
    )


@pytest.mark.protected_only
def test_a_token_request_after_retry_after_is_answered(target: VersionTarget, dw_run: Environment) -> None:
    limit = _declared(target.settings.token_rate_limit)
    _burst_fits(target, limit)
    burst = _token_burst(dw_run, target, limit)
    auth = AuthKit(dw_run)
    _answered_after_retry_after(
        burst, limit, "token rate limit", lambda: auth.grant(target, retry_429=False).response
    )
