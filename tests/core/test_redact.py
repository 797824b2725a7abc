"""Masking: every registered secret wherever it shows (a secret holding another masked whole), JWTs and
credential fields whatever registered them; a token's value forgotten an hour after it stopped working, so
a process that runs for months masks no more values than it has live tokens."""

from __future__ import annotations

import httpx
import pytest

import destwatch.redact
from destwatch.redact import FORGET_AFTER, MASK, curl, known_secrets, redact, redact_headers, register_secret


@pytest.fixture
def clock_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations at made-up instants forget what expired before them: they do so in a copy of the
    process's registry, which the test's end puts back (the test process's own tokens stay masked)."""
    monkeypatch.setattr(destwatch.redact, "_known_secrets", dict(destwatch.redact._known_secrets))
    monkeypatch.setattr(destwatch.redact, "_ordered_secrets", destwatch.redact._ordered_secrets)


def test_a_secret_containing_another_is_masked_whole_whenever_it_was_registered() -> None:
    register_secret("nested-secret")
    assert redact("sent nested-secret") == "sent [redacted]"
    register_secret("outer-nested-secret-42")
    assert redact("sent outer-nested-secret-42 and nested-secret") == "sent [redacted] and [redacted]"


def test_every_one_of_a_thousand_registered_tokens_is_masked() -> None:
    # A long process (a monitor, destwatch's own tests) registers every token it is issued.
    tokens = [f"opaque-token-{n:05d}-{'x' * 40}" for n in range(1000)]
    for token in tokens:
        register_secret(token, lifetime=3600)
    text = " ".join(tokens[::50])
    assert redact(text) == " ".join([MASK] * 20)


@pytest.mark.usefixtures("clock_moved")
def test_a_token_is_masked_until_an_hour_after_its_lifetime_then_forgotten() -> None:
    now = 1_000_000.0
    register_secret("short-lived-token-0001", lifetime=60, now=now)
    register_secret("client-secret-forever-0001", now=now)
    later = now + 60 + FORGET_AFTER - 1
    register_secret("another-token-0002", lifetime=60, now=later)
    assert redact("short-lived-token-0001") == MASK
    counted = known_secrets()
    # Past its hour, the next registration forgets it; a secret without a lifetime is never forgotten.
    register_secret("another-token-0003", lifetime=60, now=later + 2)
    assert known_secrets() == counted
    assert redact("short-lived-token-0001 client-secret-forever-0001") == f"short-lived-token-0001 {MASK}"


@pytest.mark.usefixtures("clock_moved")
def test_registering_a_token_again_extends_its_lifetime_but_never_shortens_it() -> None:
    now = 2_000_000.0
    register_secret("renewed-token-0001", lifetime=60, now=now)
    register_secret("renewed-token-0001", lifetime=7200, now=now)
    register_secret("renewed-token-0001", lifetime=1, now=now)
    register_secret("tick-0001", lifetime=60, now=now + 60 + FORGET_AFTER + 10)
    assert redact("renewed-token-0001") == MASK


def test_jwts_credentials_and_secret_fields_are_masked_without_registering_them() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert redact(f"token {jwt} in a message") == f"token {MASK} in a message"
    assert (
        redact('{"clientSecret": "abc", "accessToken":"def"}')
        == f'{{"clientSecret": "{MASK}", "accessToken":"{MASK}"}}'
    )
    assert (
        redact("grant_type=client_credentials&client_secret=p%40ss")
        == f"grant_type=client_credentials&client_secret={MASK}"
    )
    assert redact("Bearer abcdef123456") == f"Bearer {MASK}"
    # Prose stays readable.
    assert (
        redact("the token endpoint uses Bearer authentication")
        == "the token endpoint uses Bearer authentication"
    )
    headers = redact_headers({"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "application/json"})
    assert headers == {"Authorization": f"Bearer {MASK}", "X-Api-Key": MASK, "Accept": "application/json"}


def test_a_curl_command_reproduces_the_request_with_its_credentials_masked() -> None:
    register_secret("curl-secret-0001")
    request = httpx.Request(
        "POST",
        "https://x.example/items?key=curl-secret-0001",
        headers={"Authorization": "Bearer curl-secret-0001"},
        json={"top": 1},
    )
    command = curl(request)
    assert command.startswith("curl -X POST -H 'authorization: Bearer [redacted]'")
    assert "-d '{\"top\":1}'" in command and "curl-secret-0001" not in command
    assert command.endswith("'https://x.example/items?key=[redacted]'")
