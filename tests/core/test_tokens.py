"""Tokens: cached for their lifetime, refreshed once on a 401, 429 Retry-After honoured, no leaks; answers
read liberally (a numeric string, a JWT's earlier `exp`), unusable ones named; both flows, one mechanism."""

from __future__ import annotations

import json

import pytest

from destwatch.config import VersionTarget
from destwatch.errors import NoAnswer, TokenError
from destwatch.http import Client
from destwatch.notices import ExpectationWarning
from destwatch.redact import redact
from kit.steered import AUDIENCE, CLIENT_ID, SECRET, SteeredDestination, oauth2_target


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
        "token_flow",
        "audience",
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


def test_expires_in_as_a_numeric_string_is_read_as_its_number_with_a_warning(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.expires_in, steered.steer.expires_in_text = 100, True
    clock = _Clock()
    client = Client(shop, clock=clock)
    with pytest.warns(
        ExpectationWarning, match=r"shop/v1: expiresIn is the string '100', not the documented"
    ):
        first = client.token()
        clock.now += 89
        assert client.token() == first
        clock.now += 2
        assert client.token() != first and client.tokens_fetched == 2


def test_renewal_follows_a_jwt_exp_earlier_than_expires_in(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    # The answer promises an hour; the JWT itself dies in 100 s, so it is renewed about 10 s before that.
    steered.steer.exp_in = 100
    clock = _Clock()
    client = Client(shop, clock=clock)
    first = client.token()
    token = client.cached_token()
    assert token is not None and token.expires_in == 3600 and 99 < token.lifetime <= 100
    clock.now += 85
    assert client.token() == first
    clock.now += 10
    assert client.token() != first and steered.steer.token_requests == 2


def test_an_exp_that_only_rounds_expires_in_down_changes_nothing(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    # `exp` is whole seconds: a token living its full `expiresIn` may show up to a second less.
    steered.steer.expires_in, steered.steer.exp_in = 100, 100
    client = Client(shop)
    client.token()
    token = client.cached_token()
    assert token is not None and token.exp_in is None and token.lifetime == 100


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"<html><body>Service Unavailable</body></html>", "the token answer is not JSON"),
        (
            json.dumps({"token": "x", "expiresIn": 3600}).encode(),
            "no string accessToken (keys: ['expiresIn', 'token'])",
        ),
        (b"", "the token answer is an empty body"),
        (json.dumps([{"accessToken": "x"}]).encode(), "the token answer is a JSON list"),
        (
            json.dumps({"accessToken": "abcdef", "expiresIn": "soon"}).encode(),
            "no positive expiresIn (got 'soon')",
        ),
        (json.dumps({"accessToken": "abcdef", "expiresIn": 0}).encode(), "no positive expiresIn (got 0)"),
    ],
    ids=["html", "no-access-token", "empty-200", "json-list", "expires-in-words", "expires-in-zero"],
)
def test_an_unusable_token_answer_is_a_token_error_saying_what_is_wrong(
    steered: SteeredDestination, shop: VersionTarget, answer: bytes, words: str
) -> None:
    steered.steer.token_answer = answer
    with pytest.raises(TokenError) as caught:
        Client(shop).token()
    assert str(caught.value).startswith("shop/v1: ") and words in str(caught.value)


def test_a_jwt_already_expired_on_arrival_is_a_token_error(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.exp_in = -30
    with pytest.raises(
        TokenError, match=r"shop/v1: the token has expired on arrival: its exp lies 3\d s in the past"
    ):
        Client(shop).token()


def test_oauth2_sends_the_form_reads_the_snake_case_answer_and_reuses_the_token(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    steered.steer.expires_in = 100
    clock = _Clock()
    client = Client(oauth2_target(shop), clock=clock)
    first = client.token()
    clock.now += 89
    assert client.token() == first and client.tokens_fetched == 1
    clock.now += 2
    assert client.token() != first and client.tokens_fetched == 2
    assert steered.steer.forms == 2 * [
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "audience": AUDIENCE,
        }
    ]
    # Token requests are recorded like every other request, the secret masked in the form body.
    recorded = [e for e in client.recorder.exchanges if e.url.endswith("/oauth2/token")]
    assert len(recorded) == 2 and SECRET not in recorded[0].request_body
    assert "client_secret=[redacted]" in recorded[0].request_body
    # And the token opens data requests like a destination-flow token does.
    assert client.get("items").status_code == 200


def test_an_oauth2_refusal_names_its_error_but_never_the_secret(
    steered: SteeredDestination, shop: VersionTarget
) -> None:
    wrong = VersionTarget(**{**_fields(oauth2_target(shop)), "client_id": shop.client_secret})
    with pytest.raises(TokenError) as caught:
        Client(wrong).token()
    message = str(caught.value)
    assert "answered 401: invalid_client (who are you?)" in message and "check the client id" in message
    assert SECRET not in message and SECRET not in repr(caught.value)


def test_form_encoded_secrets_are_masked_even_when_percent_encoding_hides_them() -> None:
    # `a+b/c=` registered as a secret is `a%2Bb%2Fc%3D` in a form: only the field name can tell.
    body = "grant_type=client_credentials&client_id=c-1&client_secret=a%2Bb%2Fc%3D&audience=api-1"
    assert redact(body) == body.replace("a%2Bb%2Fc%3D", "[redacted]")
    assert redact("?access_token=opaque-value-42&top=1") == "?access_token=[redacted]&top=1"
