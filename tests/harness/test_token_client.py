"""Tokens: cached for their lifetime, refreshed once on a 401, 429 Retry-After honoured, no leaks."""

from __future__ import annotations

import pytest
from steered import SECRET, SteeredDestination

from destwatch.config import VersionTarget
from destwatch.errors import NoAnswer, TokenError
from destwatch.http import Client
from destwatch.redact import redact


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_token_is_fetched_once_and_reused_while_valid(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    client = Client(shop)
    first, second = client.token(), client.token()
    assert first == second
    assert steered.steer.token_requests == 1 and client.tokens_fetched == 1


def test_token_is_refreshed_before_expires_in_runs_out(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.expires_in = 100  # refresh margin: a tenth of the lifetime, 10 s
    clock = _Clock()
    client = Client(shop, clock=clock)
    first = client.token()
    clock.now += 89
    assert client.token() == first
    clock.now += 2
    assert client.token() != first
    assert steered.steer.token_requests == 2


def test_short_lived_token_is_refreshed_more_than_a_second_early(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    # A JWT's `exp` has whole-second resolution: a 3 s token may die up to 1 s before expiresIn ends,
    # and the last request sent with it still has to arrive.
    steered.steer.expires_in = 3
    clock = _Clock()
    client = Client(shop, clock=clock)
    first = client.token()
    clock.now += 1.4
    assert client.token() == first
    clock.now += 0.2
    assert client.token() != first


def test_a_401_drops_the_cached_token_and_retries_once_with_a_fresh_one(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    client = Client(shop)
    steered.steer.revoked.add(client.token())
    response = client.get("items")
    assert response.status_code == 200
    assert steered.steer.token_requests == 2 and steered.steer.data_requests == 2


def test_a_persistent_401_is_handed_to_the_test_after_one_refresh(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.always_401 = True
    response = Client(shop).get("items")
    assert response.status_code == 401
    assert steered.steer.token_requests == 2 and steered.steer.data_requests == 2


def test_token_endpoint_429_is_waited_out_as_retry_after_says(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.rate_limited, steered.steer.retry_after = 2, "3"
    clock = _Clock()
    Client(shop, sleep=clock.sleep).token()
    assert clock.slept == [3.0, 3.0]
    assert steered.steer.token_requests == 3


def test_a_retry_after_beyond_the_bound_fails_clearly_without_waiting(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.rate_limited, steered.steer.retry_after = 1, "120"
    clock = _Clock()
    with pytest.raises(
        NoAnswer, match=r"shop/v1: rate limited: Retry-After 120 s is longer than destwatch waits"
    ):
        Client(shop, sleep=clock.sleep).token()
    assert clock.slept == []


def test_refused_credentials_name_the_status_but_never_the_secret(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    wrong = VersionTarget(**{**_fields(shop), "client_id": shop.client_secret})
    with pytest.raises(TokenError) as caught:
        Client(wrong).token()
    assert "answered 401" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


def test_every_issued_token_is_masked_by_redact(steered: SteeredDestination, shop: VersionTarget) -> None:
    token = Client(shop).token()
    assert token not in redact(f"saw {token} and {token[:-3]}xyz in a log")
    assert redact(f"token={token}") == "token=[redacted]"


def _fields(target: VersionTarget) -> dict[str, object]:
    names = (
        "destination",
        "version",
        "customer",
        "base_url",
        "protected",
        "destination_id",
        "token_url",
        "languages",
        "settings",
        "client_id",
        "client_secret",
        "embedded",
    )
    return {name: getattr(target, name) for name in names}


def test_a_failed_token_fetch_is_remembered_not_retried_per_caller(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    wrong = VersionTarget(**{**_fields(shop), "client_id": shop.client_secret})
    client = Client(wrong)
    for _ in range(3):
        with pytest.raises(TokenError, match="answered 401"):
            client.token()
    assert steered.steer.token_requests == 1
