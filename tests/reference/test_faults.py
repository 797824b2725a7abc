"""Each seeded fault really changes the server's behaviour, the way its description says.

Every probe checks the faulty answer against what the clean server says to the same request, so a fault
that silently does nothing fails here.
"""

from __future__ import annotations

import ast
import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from destwatch.reference import FAULTS, Fault, create_app, faults
from kit.refclient import V1, V2, V3, RefClient, base_path

Probe = Callable[[RefClient, RefClient], None]
_NOTHING = {"filter": [{"must": {"id": ["NW-0"]}}]}
_SUITES = {"smoke", "fuzz", "auth", "shape", "filters", "ratelimit"}
# The reference's declared limit for the rate-limit faults: 3 requests per application per second.
_LIMITED = {"rate_limit": [3, 1.0]}


def _no_token(client: RefClient, method: str, version: Any = V1, **kwargs: Any) -> httpx.Response:
    return client.http.request(method, f"{base_path(version)}/products", **kwargs)


def _with_token(client: RefClient, token: str, version: Any = V1) -> httpx.Response:
    return client.http.get(f"{base_path(version)}/products", headers={"Authorization": f"Bearer {token}"})


def _results(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["results"]


def _expired_token_accepted(faulty: RefClient, clean: RefClient) -> None:
    token = faulty.token(V1)
    time.sleep(max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 0.05)
    assert _with_token(faulty, token).status_code == 200


def _post_skips_auth(faulty: RefClient, clean: RefClient) -> None:
    assert _no_token(faulty, "POST", json={"top": 1}).status_code == 200
    assert _no_token(faulty, "GET").status_code == 401
    assert _no_token(clean, "POST", json={"top": 1}).status_code == 401


def _alg_none_accepted(faulty: RefClient, clean: RefClient) -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    forged = f"{header}.{faulty.token(V1).split('.')[1]}."
    assert _with_token(faulty, forged).status_code == 200
    assert _with_token(clean, f"{header}.{clean.token(V1).split('.')[1]}.").status_code == 401


def _foreign_token_accepted(faulty: RefClient, clean: RefClient) -> None:
    assert _with_token(faulty, faulty.token(V1), version=V3).status_code == 200
    assert _with_token(clean, clean.token(V1), version=V3).status_code == 401


def _token_lifetime_mismatch(faulty: RefClient, clean: RefClient) -> None:
    body = faulty.token_response(V1).json()
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert body["expiresIn"] == 3600 and claims["exp"] - claims["iat"] == 600


def _token_500_on_bad_body(faulty: RefClient, clean: RefClient) -> None:
    url = f"/destinations/{V1.destination_id}/token"
    assert faulty.http.post(url, content=b"clientId=x").status_code == 500
    assert clean.http.post(url, content=b"clientId=x").status_code == 400


def _audience_unchecked(faulty: RefClient, clean: RefClient) -> None:
    assert _with_token(faulty, faulty.oauth_token(V3), version=V1).status_code == 200
    assert _with_token(clean, clean.oauth_token(V3), version=V1).status_code == 401
    # Destination-flow tokens are still kept to their version (that is `foreign-token-accepted`).
    assert _with_token(faulty, faulty.token(V3), version=V1).status_code == 401


def _expired_oauth_token_accepted(faulty: RefClient, clean: RefClient) -> None:
    oauth, destination = faulty.oauth_token(V1), faulty.token(V1)
    latest = max(jwt.decode(t, options={"verify_signature": False})["exp"] for t in (oauth, destination))
    time.sleep(max(0.0, latest - time.time()) + 0.05)
    assert _with_token(faulty, oauth).status_code == 200
    assert _with_token(faulty, destination).status_code == 401


def _invalid_client_500(faulty: RefClient, clean: RefClient) -> None:
    wrong = faulty.oauth_response(V1, client_secret="wrong")
    assert wrong.status_code == 500 and wrong.json()["error"] == "invalid_client"
    assert clean.oauth_response(V1, client_secret="wrong").status_code == 401
    assert faulty.oauth_response(V1, grant_type="password").status_code == 400
    assert faulty.token_response(V1, secret="wrong").status_code == 401


def _expires_in_beyond_exp(faulty: RefClient, clean: RefClient) -> None:
    body = faulty.oauth_response(V1).json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600 and body["expires_in"] == 7200
    assert faulty.token_response(V1).json()["expiresIn"] == 3600


def _missing_www_authenticate(faulty: RefClient, clean: RefClient) -> None:
    response = _no_token(faulty, "GET")
    assert response.status_code == 401 and "www-authenticate" not in response.headers
    assert "www-authenticate" in _no_token(clean, "GET").headers


def _openapi_requires_token(faulty: RefClient, clean: RefClient) -> None:
    url = f"{base_path(V1)}/openapi"
    assert faulty.http.get(url).status_code == 401
    assert faulty.http.get(url, headers=faulty.auth(V1)).status_code == 200


def _schema_drift_v2(faulty: RefClient, clean: RefClient) -> None:
    assert all(isinstance(row["price"], str) for row in _results(faulty.get(V2, "products")))
    for version, endpoint in ((V1, "products"), (V3, "products"), (V2, "variants")):
        assert all(isinstance(row["price"], float) for row in _results(faulty.get(version, endpoint)))


def _server_error_on_top_zero(faulty: RefClient, clean: RefClient) -> None:
    assert faulty.get(V1, "products", top=0).status_code == 500
    assert faulty.post(V1, "products", {"top": 0}).status_code == 500
    assert faulty.get(V1, "products", top=1).status_code == 200


def _empty_results_null(faulty: RefClient, clean: RefClient) -> None:
    assert _results(faulty.post(V1, "products", _NOTHING)) is None
    assert _results(clean.post(V1, "products", _NOTHING)) == []


def _empty_results_404(faulty: RefClient, clean: RefClient) -> None:
    assert faulty.post(V1, "products", _NOTHING).status_code == 404
    assert faulty.get(V1, "products").status_code == 200


def _envelope_missing_language(faulty: RefClient, clean: RefClient) -> None:
    body = faulty.get(V1, "products", top=1).json()
    assert "language" not in body and len(body["results"]) == 1


def _top_exceeded(faulty: RefClient, clean: RefClient) -> None:
    assert len(_results(faulty.get(V1, "products", top=5))) == 6
    assert len(_results(faulty.post(V1, "products", {"top": 5}))) == 6


def _must_values_and(faulty: RefClient, clean: RefClient) -> None:
    both = {"filter": [{"must": {"category": ["Shoes", "Bags"]}}]}
    assert _results(faulty.post(V1, "products", both)) == []
    assert _results(clean.post(V1, "products", both))
    assert _results(faulty.post(V1, "products", {"filter": [{"must": {"category": ["Shoes"]}}]}))


def _mustnot_ignored(faulty: RefClient, clean: RefClient) -> None:
    body = {"filter": [{"mustNot": {"brand": ["Kestrel"]}}]}
    assert "Kestrel" in {row["brand"] for row in _results(faulty.post(V1, "products", body))}
    assert "Kestrel" not in {row["brand"] for row in _results(clean.post(V1, "products", body))}


def _range_bounds_exclusive(faulty: RefClient, clean: RefClient) -> None:
    body = {"filter": [{"range": {"price": {"gte": 19.95, "lte": 19.95}}}]}
    assert _results(faulty.post(V1, "products", body)) == []
    assert {row["price"] for row in _results(clean.post(V1, "products", body))} == {19.95}


def _get_filter_prefix_match(faulty: RefClient, clean: RefClient) -> None:
    assert {row["category"] for row in _results(faulty.get(V1, "products", category="Sh"))} == {
        "Shoes",
        "Shirts",
    }
    assert _results(faulty.post(V1, "products", {"filter": [{"must": {"category": ["Sh"]}}]})) == []


def _skip_overlap(faulty: RefClient, clean: RefClient) -> None:
    first = _results(faulty.get(V1, "products", top=10, listIds="true"))
    second = _results(faulty.get(V1, "products", top=10, skip=10, listIds="true"))
    assert second[0] == first[-1]


def _after_inclusive(faulty: RefClient, clean: RefClient) -> None:
    assert _results(faulty.get(V1, "products", after="NW-10010", listIds="true"))[0] == "NW-10010"
    assert _results(clean.get(V1, "products", after="NW-10010", listIds="true"))[0] == "NW-10011"


def _sort_desc_ignored(faulty: RefClient, clean: RefClient) -> None:
    prices = [row["price"] for row in _results(faulty.get(V1, "products", sortDesc="price", top=200))]
    assert prices == sorted(prices) and prices[0] < prices[-1]
    assert _results(clean.get(V1, "products", sortDesc="price", top=1))[0]["price"] == max([*prices, 249.0])


def _period_ignored(faulty: RefClient, clean: RefClient) -> None:
    future = {"periodSince": "2030-01-01T00:00:00Z"}
    assert len(_results(faulty.get(V1, "products", **future))) == 50
    assert _results(clean.get(V1, "products", **future)) == []
    assert len(_results(faulty.post(V1, "products", {"period": {"before": "2000-01-01T00:00:00Z"}}))) == 50


def _total_counts_page(faulty: RefClient, clean: RefClient) -> None:
    assert faulty.get(V1, "products", top=3, includeTotals="true").json()["total"] == 3
    assert clean.get(V1, "products", top=3, includeTotals="true").json()["total"] == 1200


def _facet_counts(client: RefClient, facet: str, **params: Any) -> list[dict[str, Any]]:
    body = client.get(V1, "products", **params).json()
    return next(f["values"] for f in body["facets"] if f["propertyId"] == facet)


def _facet_counts_unfiltered(faulty: RefClient, clean: RefClient) -> None:
    assert len(_facet_counts(faulty, "color", color="Blue")) == 10
    assert len(_facet_counts(clean, "color", color="Blue")) == 1


def _facet_size_ignored(faulty: RefClient, clean: RefClient) -> None:
    assert len(_facet_counts(faulty, "brand")) == 12
    assert len(_facet_counts(clean, "brand")) == 8


def _language_ignored(faulty: RefClient, clean: RefClient) -> None:
    body = faulty.get(V1, "products", language="sv", top=5).json()
    assert body["language"] == "sv"
    assert body["results"] == clean.get(V1, "products", language="en", top=5).json()["results"]


def _v2_hides_out_of_stock(faulty: RefClient, clean: RefClient) -> None:
    zero = {"filter": [{"range": {"stock": {"lte": 0}}}], "includeTotals": True}
    assert faulty.post(V2, "products", zero).json()["total"] == 0
    assert faulty.post(V1, "products", zero).json()["total"] > 0
    assert faulty.post(V3, "products", zero).json()["total"] > 0


def _slow_responses(faulty: RefClient, clean: RefClient) -> None:
    started = time.perf_counter()
    assert faulty.get(V1, "products", top=1).status_code == 200
    assert time.perf_counter() - started >= 1.5


def _hang(faulty: RefClient, clean: RefClient) -> None:
    with pytest.raises(httpx.ReadTimeout):
        faulty.http.get(f"{base_path(V1)}/products", headers=faulty.auth(V1), timeout=0.5)
    assert faulty.http.get(f"{base_path(V1)}/openapi").status_code == 200


def _burst(client: RefClient) -> list[httpx.Response]:
    token = client.token(V1)
    return [_with_token(client, token) for _ in range(4)]


def _throttles_without_retry_after(faulty: RefClient, clean: RefClient) -> None:
    *answered, throttled = _burst(faulty)
    assert [a.status_code for a in answered] == [200] * 3 and throttled.status_code == 429
    assert "retry-after" not in throttled.headers


def _retry_after_too_short(faulty: RefClient, clean: RefClient) -> None:
    throttled = _burst(faulty)[-1]
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "0"
    assert _with_token(faulty, faulty.token(V1)).status_code == 429  # right after "0 s": still throttled


def _second_application_after_a_burst(client: RefClient) -> httpx.Response:
    second = V1.second_demo("destination")
    assert second is not None
    answer = client.http.post(
        f"/destinations/{V1.destination_id}/token",
        json={"clientId": second.client_id, "clientSecret": second.client_secret},
    )
    token = answer.json()["accessToken"]
    assert _burst(client)[-1].status_code == 429
    return _with_token(client, token)


def _one_burst_throttles_every_token(faulty: RefClient, clean: RefClient) -> None:
    # The clean reference under the same limit answers it (test_the_data_limit_is_kept_per_application).
    assert _second_application_after_a_burst(faulty).status_code == 429


def _token_endpoint_never_throttles(faulty: RefClient, clean: RefClient) -> None:
    assert [faulty.token_response(V1).status_code for _ in range(5)] == [200] * 5
    assert _burst(faulty)[-1].status_code == 429  # the data limit still holds


PROBES: dict[Fault, tuple[dict[str, Any], Probe]] = {
    faults.THROTTLES_WITHOUT_RETRY_AFTER: (_LIMITED, _throttles_without_retry_after),
    faults.RETRY_AFTER_TOO_SHORT: (_LIMITED, _retry_after_too_short),
    faults.TOKEN_ENDPOINT_NEVER_THROTTLES: (_LIMITED, _token_endpoint_never_throttles),
    faults.ONE_BURST_THROTTLES_EVERY_TOKEN: (_LIMITED, _one_burst_throttles_every_token),
    faults.EXPIRED_TOKEN_ACCEPTED: ({"token_ttl": 1}, _expired_token_accepted),
    faults.POST_SKIPS_AUTH: ({}, _post_skips_auth),
    faults.ALG_NONE_ACCEPTED: ({}, _alg_none_accepted),
    faults.FOREIGN_TOKEN_ACCEPTED: ({}, _foreign_token_accepted),
    faults.TOKEN_LIFETIME_MISMATCH: ({}, _token_lifetime_mismatch),
    faults.TOKEN_500_ON_BAD_BODY: ({}, _token_500_on_bad_body),
    faults.AUDIENCE_UNCHECKED: ({}, _audience_unchecked),
    faults.EXPIRED_OAUTH_TOKEN_ACCEPTED: ({"token_ttl": 1}, _expired_oauth_token_accepted),
    faults.INVALID_CLIENT_500: ({}, _invalid_client_500),
    faults.EXPIRES_IN_BEYOND_EXP: ({}, _expires_in_beyond_exp),
    faults.MISSING_WWW_AUTHENTICATE: ({}, _missing_www_authenticate),
    faults.OPENAPI_REQUIRES_TOKEN: ({}, _openapi_requires_token),
    faults.SCHEMA_DRIFT_V2: ({}, _schema_drift_v2),
    faults.SERVER_ERROR_ON_TOP_ZERO: ({}, _server_error_on_top_zero),
    faults.EMPTY_RESULTS_NULL: ({}, _empty_results_null),
    faults.EMPTY_RESULTS_404: ({}, _empty_results_404),
    faults.ENVELOPE_MISSING_LANGUAGE: ({}, _envelope_missing_language),
    faults.TOP_EXCEEDED: ({}, _top_exceeded),
    faults.MUST_VALUES_AND: ({}, _must_values_and),
    faults.MUSTNOT_IGNORED: ({}, _mustnot_ignored),
    faults.RANGE_BOUNDS_EXCLUSIVE: ({}, _range_bounds_exclusive),
    faults.GET_FILTER_PREFIX_MATCH: ({}, _get_filter_prefix_match),
    faults.SKIP_OVERLAP: ({}, _skip_overlap),
    faults.AFTER_INCLUSIVE: ({}, _after_inclusive),
    faults.SORT_DESC_IGNORED: ({}, _sort_desc_ignored),
    faults.PERIOD_IGNORED: ({}, _period_ignored),
    faults.TOTAL_COUNTS_PAGE: ({}, _total_counts_page),
    faults.FACET_COUNTS_UNFILTERED: ({}, _facet_counts_unfiltered),
    faults.FACET_SIZE_IGNORED: ({}, _facet_size_ignored),
    faults.LANGUAGE_IGNORED: ({}, _language_ignored),
    faults.V2_HIDES_OUT_OF_STOCK: ({}, _v2_hides_out_of_stock),
    faults.SLOW_RESPONSES: ({}, _slow_responses),
    faults.HANG: ({}, _hang),
}


@pytest.mark.parametrize("fault", list(PROBES), ids=lambda fault: fault.name)
def test_fault_changes_behaviour_as_described(
    fault: Fault, ref_client: RefClient, ref_server_factory: Callable[..., RefClient]
) -> None:
    options, probe = PROBES[fault]
    faulty = ref_server_factory(fault=fault.name, **options)
    probe(faulty, ref_client)


def test_the_data_limit_is_kept_per_application(ref_server_factory: Callable[..., RefClient]) -> None:
    assert _second_application_after_a_burst(ref_server_factory(**_LIMITED)).status_code == 200


def test_every_fault_has_a_probe_and_the_catalogue_is_large_enough() -> None:
    assert set(PROBES) == set(FAULTS.values())
    assert len(FAULTS) >= 15


def test_faults_describe_themselves_in_one_line_and_name_real_suites() -> None:
    for fault in FAULTS.values():
        assert fault.description and "\n" not in fault.description
        assert fault.targets and set(fault.targets) <= _SUITES


def test_catalogue_covers_every_suite() -> None:
    assert {suite for fault in FAULTS.values() for suite in fault.targets} == _SUITES


def test_unknown_fault_name_is_a_value_error_listing_the_names() -> None:
    with pytest.raises(ValueError, match=r"unknown fault 'nope'.*after-inclusive"):
        create_app(fault="nope")


def test_server_code_names_faults_only_through_their_constants() -> None:
    # A fault compared by name would silently never fire after a rename; constants fail at import.
    package = Path(faults.__file__).parent
    names = set(FAULTS)
    found = [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for path in sorted(package.glob("*.py"))
        if path.name != "faults.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in names
    ]
    assert found == []
