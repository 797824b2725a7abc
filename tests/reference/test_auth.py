"""Bearer rejection on data requests: 401 with an RFC 6750 challenge, before any parameter is looked at."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from destwatch.reference import Version
from kit.refclient import FEED, V1, V2, V3, RefClient, base_path


def _alg_none(token: str) -> str:
    """The same claims re-encoded with `alg: none` and no signature, as an attacker would send them."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    return f"{header.decode()}.{token.split('.')[1]}."


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_missing_token_gets_401_with_a_bare_bearer_challenge(ref_client: RefClient, method: str) -> None:
    response = ref_client.http.request(
        method, f"{base_path(V1)}/products", json={} if method == "POST" else None
    )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and "error=" not in challenge
    assert "results" not in response.json()


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer a.b.c", "Basic ZGVtbzpkZW1v", "Bearer"],
    ids=["garbage", "three-parts", "basic-scheme", "empty-bearer"],
)
def test_invalid_credentials_get_401(ref_client: RefClient, authorization: str) -> None:
    response = ref_client.http.get(f"{base_path(V2)}/products", headers={"Authorization": authorization})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


def test_sent_but_invalid_token_is_named_invalid_token(ref_client: RefClient) -> None:
    response = ref_client.http.get(f"{base_path(V2)}/products", headers={"Authorization": "Bearer x.y.z"})
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("issuer", "user"), [(V1, V2), (V2, V3), (V3, V1)], ids=["v1-on-v2", "v2-on-v3", "v3-on-v1"]
)
def test_token_of_another_version_is_foreign(ref_client: RefClient, issuer: Version, user: Version) -> None:
    headers = {"Authorization": f"Bearer {ref_client.token(issuer)}"}
    response = ref_client.http.get(f"{base_path(user)}/products", headers=headers)
    assert response.status_code == 401


def test_token_from_another_server_instance_is_refused(
    ref_client: RefClient, ref_server_factory: Callable[..., RefClient]
) -> None:
    other = ref_server_factory()
    headers = {"Authorization": f"Bearer {other.token(V1)}"}
    assert ref_client.http.get(f"{base_path(V1)}/products", headers=headers).status_code == 401


def test_alg_none_token_is_refused(ref_client: RefClient) -> None:
    headers = {"Authorization": f"Bearer {_alg_none(ref_client.token(V1))}"}
    assert ref_client.http.get(f"{base_path(V1)}/products", headers=headers).status_code == 401


def test_auth_is_checked_before_parameters(ref_client: RefClient) -> None:
    response = ref_client.http.get(f"{base_path(V1)}/products", params={"top": "many", "bogus": "1"})
    assert response.status_code == 401


def test_bearer_scheme_is_case_insensitive(ref_client: RefClient) -> None:
    headers = {"Authorization": f"bearer {ref_client.token(V1)}"}
    assert ref_client.http.get(f"{base_path(V1)}/products", headers=headers).status_code == 200


def test_valid_token_opens_get_and_post_of_every_endpoint(ref_client: RefClient) -> None:
    for version in (V1, V2, V3):
        for endpoint in version.endpoints:
            assert ref_client.get(version, endpoint.id, top=1).status_code == 200
            assert ref_client.post(version, endpoint.id, {"top": 1}).status_code == 200


def test_unprotected_destination_needs_no_token(ref_client: RefClient) -> None:
    response = ref_client.http.get(f"{base_path(FEED)}/feed", params={"top": 2})
    assert response.status_code == 200 and len(response.json()["results"]) == 2


def test_openapi_document_needs_no_token(ref_client: RefClient) -> None:
    assert ref_client.http.get(f"{base_path(V1)}/openapi").status_code == 200
