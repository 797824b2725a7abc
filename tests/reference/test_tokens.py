"""The token endpoints: real JWTs per version (the destination flow) and from one authorization server
(OAuth2, whose audience and grants decide where a token works), 4xx without a token for anything wrong, a
rate limit."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from destwatch.reference import REFERENCE, Version
from kit.refclient import CATALOGUE_WIDE, FEED, TENANT_WIDE, V1, V2, V3, RefClient, base_path


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize("version", [V1, V2, V3], ids=["v1", "v2", "v3"])
def test_demo_application_gets_a_jwt_for_its_own_version(ref_client: RefClient, version: Version) -> None:
    response = ref_client.token_response(version)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "expiresIn"}
    assert body["expiresIn"] == 3600
    assert jwt.get_unverified_header(body["accessToken"])["alg"] == "HS256"
    claims = _claims(body["accessToken"])
    assert claims["aud"] == version.destination_id
    assert claims["sub"] == version.applications[0].client_id
    assert isinstance(claims["iat"], int) and claims["exp"] == claims["iat"] + 3600
    assert {"iss", "jti"} <= set(claims)


def test_each_token_is_unique(ref_client: RefClient) -> None:
    first, second = (ref_client.token_response(V1).json()["accessToken"] for _ in range(2))
    assert first != second and _claims(first)["jti"] != _claims(second)["jti"]


def test_token_ttl_shortens_lifetime_and_expires_in(ref_server_factory: Callable[..., RefClient]) -> None:
    short = ref_server_factory(token_ttl=7)
    body = short.token_response(V2).json()
    claims = _claims(body["accessToken"])
    assert body["expiresIn"] == 7 and claims["exp"] - claims["iat"] == 7


def test_wrong_secret_gets_401_and_no_token(ref_client: RefClient) -> None:
    response = ref_client.token_response(V1, secret="not-the-secret")
    assert response.status_code == 401
    assert "accessToken" not in response.json() and response.json()["error"] == "invalid_client"


def test_application_of_another_version_is_refused(ref_client: RefClient) -> None:
    other = V2.applications[0]
    response = ref_client.http.post(
        f"/destinations/{V1.destination_id}/token",
        json={"clientId": other.client_id, "clientSecret": other.client_secret},
    )
    assert response.status_code == 401 and "accessToken" not in response.json()


def test_unknown_destination_id_gets_404(ref_client: RefClient) -> None:
    response = ref_client.http.post(
        "/destinations/00000000-0000-0000-0000-000000000000/token",
        json={"clientId": "demo-client-v1", "clientSecret": "demo-secret-v1"},
    )
    assert response.status_code == 404 and "accessToken" not in response.json()


def test_unprotected_destination_issues_no_token(ref_client: RefClient) -> None:
    response = ref_client.http.post(
        f"/destinations/{FEED.destination_id}/token", json={"clientId": "x", "clientSecret": "y"}
    )
    assert response.status_code == 400 and "accessToken" not in response.json()


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"",
        b"[1, 2]",
        b'{"clientId": "demo-client-v1"}',
        b'{"clientId": 1, "clientSecret": "demo-secret-v1"}',
        b"\xff\xfe",
    ],
    ids=["text", "empty", "array", "missing-secret", "number-id", "not-utf8"],
)
def test_malformed_token_body_gets_400_json(ref_client: RefClient, content: bytes) -> None:
    response = ref_client.http.post(
        f"/destinations/{V1.destination_id}/token",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request" and "accessToken" not in response.json()


def test_token_endpoint_takes_only_post(ref_client: RefClient) -> None:
    response = ref_client.http.get(f"/destinations/{V1.destination_id}/token")
    assert response.status_code == 405 and "POST" in response.headers["allow"]


def test_token_requests_over_the_rate_limit_get_429_with_retry_after(
    ref_server_factory: Callable[..., RefClient],
) -> None:
    limited = ref_server_factory(token_rate_limit=3)
    statuses = [limited.token_response(V1).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = limited.token_response(V1)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "accessToken" not in refused.json()
    # The limit is per destination id: another version still gets its token.
    assert limited.token_response(V2).status_code == 200


def test_expired_token_is_rejected_once_exp_passes(ref_server_factory: Callable[..., RefClient]) -> None:
    short = ref_server_factory(token_ttl=1)
    token = short.token(V1)
    headers = {"Authorization": f"Bearer {token}"}
    expires = float(_claims(token)["exp"])  # type: ignore[arg-type]
    if time.time() < expires - 0.2:
        assert short.http.get(f"{base_path(V1)}/products", headers=headers).status_code == 200
    # Waiting for the clock is the behaviour under test: exp is a wall-clock instant.
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    response = short.http.get(f"{base_path(V1)}/products", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "token expired"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_secret_never_appears_in_token_answers(ref_client: RefClient) -> None:
    for version in (V1, V2, V3):
        secret = version.applications[0].client_secret
        assert secret not in ref_client.token_response(version).text
        assert secret not in ref_client.token_response(version, secret="wrong").text
    assert all(
        secret.client_secret not in repr(secret) for _, v in REFERENCE.versions() for secret in v.applications
    )


# -- the OAuth2 flow: the authorization server's /oauth2/token ----------------------------------------------


@pytest.mark.parametrize("version", [V1, V2, V3], ids=["v1", "v2", "v3"])
def test_oauth2_demo_application_gets_a_bearer_jwt_for_its_audience(
    ref_client: RefClient, version: Version
) -> None:
    response = ref_client.oauth_response(version)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert jwt.get_unverified_header(body["access_token"]) == {"alg": "HS256", "kid": "oauth2", "typ": "JWT"}
    claims = _claims(body["access_token"])
    assert claims["aud"] == version.destination_id
    assert claims["sub"] == f"demo-oauth-{version.name}" and str(claims["iss"]).endswith("/oauth2")
    assert claims["exp"] == claims["iat"] + 3600  # type: ignore[operator]


def _status_on(client: RefClient, token: str, version: Version) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return client.http.get(f"{base_path(version)}/products", headers=headers).status_code


def test_a_version_grant_opens_its_own_version_and_no_other(ref_client: RefClient) -> None:
    token = ref_client.oauth_token(V3)
    assert [_status_on(ref_client, token, v) for v in (V1, V2, V3)] == [401, 401, 200]
    refused = ref_client.http.get(f"{base_path(V1)}/products", headers={"Authorization": f"Bearer {token}"})
    assert refused.json()["detail"] == "token issued for another audience"
    # Its application is granted v3 alone: a token for v1 is not handed out at all.
    response = ref_client.oauth_response(V1, V3.oauth_demo)
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"


def test_a_destination_grant_reaches_every_version_of_its_destination(ref_client: RefClient) -> None:
    response = ref_client.oauth_response(V2, CATALOGUE_WIDE)
    assert response.status_code == 200
    token = response.json()["access_token"]
    # The asked audience first, then every other version the grant covers.
    aud = _claims(token)["aud"]
    assert isinstance(aud, list) and aud[0] == V2.destination_id
    assert set(aud) == {V1.destination_id, V2.destination_id, V3.destination_id}
    assert [_status_on(ref_client, token, v) for v in (V1, V2, V3)] == [200, 200, 200]


def test_a_tenant_grant_reaches_every_protected_version_and_no_unprotected_audience(
    ref_client: RefClient,
) -> None:
    token = ref_client.oauth_token(V1, TENANT_WIDE)
    assert [_status_on(ref_client, token, v) for v in (V1, V2, V3)] == [200, 200, 200]
    response = ref_client.oauth_response(FEED, TENANT_WIDE)
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"


def test_an_oauth2_token_is_not_a_destination_flow_token_and_the_other_way_round(
    ref_client: RefClient,
) -> None:
    # One authorization server signs every OAuth2 token, each version its own: neither forges the other.
    oauth = ref_client.oauth_token(V1)
    header, payload, _ = ref_client.token(V1).split(".")
    forged = f"{header}.{payload}.{oauth.split('.')[2]}"
    assert _status_on(ref_client, forged, V1) == 401
    assert _status_on(ref_client, oauth, V1) == 200


# (form fields replaced or removed, expected status, expected error)
_OAUTH2_REFUSALS = {
    "wrong-secret": ({"client_secret": "not-the-secret"}, 401, "invalid_client"),
    "unknown-client": ({"client_id": "nobody"}, 401, "invalid_client"),
    "no-secret": ({"client_secret": None}, 401, "invalid_client"),
    "no-grant-type": ({"grant_type": None}, 400, "invalid_request"),
    "password-grant": ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    "no-audience": ({"audience": None}, 400, "invalid_request"),
    "unknown-audience": ({"audience": "00000000-0000-0000-0000-000000000000"}, 400, "invalid_target"),
}


@pytest.mark.parametrize("case", list(_OAUTH2_REFUSALS))
def test_oauth2_refusals_are_rfc_6749_errors_without_a_token(ref_client: RefClient, case: str) -> None:
    changes, status, error = _OAUTH2_REFUSALS[case]
    app = V2.oauth_demo
    assert app is not None
    form = {
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "audience": V2.destination_id,
    }
    form = {key: value for key, value in {**form, **changes}.items() if value is not None}
    response = ref_client.http.post("/oauth2/token", data=form)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error and isinstance(body["error_description"], str)
    assert "access_token" not in body and response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")
    assert app.client_secret not in response.text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"grant_type": "client_credentials"}', "application/json"),
        (b"grant_type=client_credentials&grant_type=password", "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
    ],
    ids=["json", "repeated-parameter", "not-utf8"],
)
def test_oauth2_bodies_that_are_no_form_get_invalid_request(
    ref_client: RefClient, content: bytes, content_type: str
) -> None:
    response = ref_client.http.post("/oauth2/token", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_oauth2_token_requests_over_the_rate_limit_get_429_per_client(
    ref_server_factory: Callable[..., RefClient],
) -> None:
    limited = ref_server_factory(token_rate_limit=3)
    assert [limited.oauth_response(V1).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert limited.oauth_response(V2).status_code == 200
