"""The default reference (no variant, no fault) serves byte-identical documents and answers release after
release: the hashes below were taken from the server before document variants existed.

A deliberate change to the default documents or data updates a hash here, in the same commit, with the reason.
A candidate version adds productCatalog v4 and leaves every one of these versions byte-identical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from destwatch.reference import CANDIDATES, REFERENCE, Version
from kit.refclient import RefClient, base_path

_VERSIONS = [version for _, version in REFERENCE.versions()]
_IDS = [f"{dest.name}/{version.name}" for dest, version in REFERENCE.versions()]

# (method, query, body): every request feature, some refusals; `id` and `price` exist on every endpoint.
_REQUESTS: list[tuple[str, dict[str, str], Any]] = [
    ("GET", {}, None),
    ("GET", {"language": "sv", "top": "20", "skip": "5", "sortDesc": "price", "includeTotals": "true"}, None),
    ("GET", {"listIds": "true", "after": "NW-10100", "top": "7", "sortAsc": "id"}, None),
    ("GET", {"periodSince": "2026-06-01T00:00:00+02:00", "language": "de", "id": "NW-10400"}, None),
    ("GET", {"bogus": "1"}, None),
    ("GET", {"top": "1001"}, None),
    (
        "POST",
        {},
        {
            "language": "de",
            "filter": [{"mustNot": {"id": ["NW-10001"]}, "range": {"price": {"gte": 19.95, "lt": 99.95}}}],
            "sortAsc": ["price"],
            "sortDesc": ["id"],
            "includeTotals": True,
            "top": 30,
        },
    ),
    (
        "POST",
        {"language": "sv"},
        {
            "search": ["1"],
            "searchOn": ["id"],
            "period": {"since": "2026-03-01T00:00:00Z", "before": "2026-08-01T00:00:00Z"},
            "top": 100,
            "listIds": True,
            "after": ["NW-10500"],
        },
    ),
    ("POST", {}, {"filter": [{"must": {"id": ["NW-10002", "NW-10003-1"]}}], "includeTotals": True}),
    ("POST", {}, {"top": 1001}),
    ("POST", {}, {"filter": [{"range": {"price": {"between": [1, 2]}}}]}),
]

_DOCUMENTS = {
    "productCatalog/v1": "0bf898b893d8a6b2beb8359dca006915d8147b8d961760a103f2a9c90fc32f15",
    "productCatalog/v2": "fe35829945ede8cd4501c3886f353213bd78c92a2e2b1a5a0003618429680559",
    "productCatalog/v3": "826bdfcfd76150bce18867cb63f0fb6d768d12512cfd0314cad9905fbce7abf2",
    "googleMarketplace/v1": "60ff65e414b471ff00c843665f2df4e2c3aee4282c9e61408dbb97e78c6393ef",
}
_ANSWERS = {
    "productCatalog/v1": "f2db4e7719620dc5043f1006ac61fe80b1c436a60045c3d5309a6a92d7830a31",
    "productCatalog/v2": "cfe8270a555f9d9ac1cb4ec78d549011da8520355f7e77b710b8376aaff2598d",
    "productCatalog/v3": "8ec6f4461d72251cc4591642617ad48d60aa35f4c0702dde9e7efc76b9d1ac7a",
    "googleMarketplace/v1": "4bbd21017bdc94df26ccc24a1137bcf3f712e9a075a15866eae3f82f4cfb6604",
}


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _document_hash(client: RefClient, version: Version) -> str:
    response = client.http.get(f"{base_path(version)}/openapi")
    return _sha256(response.content.replace(client.server.url.encode(), b"http://reference"))


def _answers_hash(client: RefClient, version: Version) -> str:
    parts = []
    for endpoint in version.endpoints:
        for method, query, body in _REQUESTS:
            response = client.http.request(
                method,
                f"{base_path(version)}/{endpoint.id}",
                params=query,
                json=body,
                headers=client.auth(version),
            )
            parts += [f"{method} {endpoint.id} {response.status_code}".encode(), response.content]
    return _sha256(*parts)


@pytest.mark.parametrize("version", _VERSIONS, ids=_IDS)
def test_default_document_is_byte_identical(ref_client: RefClient, version: Version, request: Any) -> None:
    assert _document_hash(ref_client, version) == _DOCUMENTS[request.node.callspec.id]


@pytest.mark.parametrize("version", _VERSIONS, ids=_IDS)
def test_default_answers_are_byte_identical(ref_client: RefClient, version: Version, request: Any) -> None:
    assert _answers_hash(ref_client, version) == _ANSWERS[request.node.callspec.id]


@pytest.mark.parametrize("candidate", CANDIDATES)
def test_a_candidate_leaves_every_default_version_byte_identical(
    ref_candidate: Callable[[str], RefClient], candidate: str
) -> None:
    client = ref_candidate(candidate)
    for version, version_id in zip(_VERSIONS, _IDS, strict=True):
        assert _document_hash(client, version) == _DOCUMENTS[version_id], version_id
        assert _answers_hash(client, version) == _ANSWERS[version_id], version_id
