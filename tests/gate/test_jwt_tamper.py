"""Tampered credentials really are invalid, and keep everything but what was tampered with."""

from __future__ import annotations

import time

import jwt
import pytest

from destwatch.gate import jwt_tamper

_KEY = "k" * 32


@pytest.fixture
def token() -> str:
    now = int(time.time())
    claims = {"iss": "ref", "aud": "dest-1", "sub": "client", "iat": now, "exp": now + 60, "jti": "j1"}
    return jwt.encode(claims, _KEY, algorithm="HS256")


def test_alg_none_token_keeps_claims_but_fails_hs256_verification(token: str) -> None:
    forged = jwt_tamper.alg_none(token)
    assert jwt_tamper.header(forged)["alg"] == "none"
    assert jwt_tamper.claims(forged) == jwt_tamper.claims(token)
    assert forged.endswith(".")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(forged, _KEY, algorithms=["HS256"], audience="dest-1")


def test_alg_none_token_is_what_a_verifier_without_allow_list_would_accept(token: str) -> None:
    # Proves the forgery is well-formed: only the algorithm allow-list stands between it and acceptance.
    decoded = jwt.decode(jwt_tamper.alg_none(token), options={"verify_signature": False})
    assert decoded["sub"] == "client"


def test_altered_signature_differs_and_fails_verification(token: str) -> None:
    forged = jwt_tamper.altered_signature(token)
    assert forged != token
    assert forged.rsplit(".", 1)[0] == token.rsplit(".", 1)[0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, _KEY, algorithms=["HS256"], audience="dest-1")


def test_original_token_verifies_so_the_forgeries_fail_for_the_tampering_alone(token: str) -> None:
    assert jwt.decode(token, _KEY, algorithms=["HS256"], audience="dest-1")["jti"] == "j1"


@pytest.mark.parametrize("text", ["", "abc", "a.b", "a.b.c", "eyJhIjoxfQ.bm90IGpzb24.x", "WzFd.WzFd.x"])
def test_non_jwt_strings_are_recognized(text: str) -> None:
    assert not jwt_tamper.is_jwt(text)
    with pytest.raises(ValueError, match="not a JWT"):
        jwt_tamper.claims(text)


def test_rejection_probes_cover_every_listed_variant(token: str) -> None:
    probes = jwt_tamper.rejection_probes(token, expired="e.x.p", foreign={"productCatalog/v2": "f.o.r"})
    names = [probe.name for probe in probes]
    assert names == [
        "no-authorization",
        "bearer-empty",
        "basic-scheme",
        "token-scheme",
        "random-string",
        "query-parameter",
        "signature-altered",
        "alg-none",
        "expired",
        "foreign:productCatalog/v2",
    ]
    by_name = {probe.name: probe for probe in probes}
    assert by_name["no-authorization"].headers == {}
    assert by_name["query-parameter"].headers == {}
    assert by_name["query-parameter"].params == {"access_token": token}
    assert by_name["random-string"].headers["Authorization"] != f"Bearer {token}"
    assert by_name["alg-none"].headers["Authorization"] == f"Bearer {jwt_tamper.alg_none(token)}"
    assert by_name["foreign:productCatalog/v2"].headers == {"Authorization": "Bearer f.o.r"}


def test_rejection_probes_skip_jwt_tampering_for_opaque_tokens() -> None:
    names = [probe.name for probe in jwt_tamper.rejection_probes("opaque-token-value")]
    assert "signature-altered" not in names
    assert "alg-none" not in names
    assert "expired" not in names
