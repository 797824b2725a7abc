"""Documents are validated as OpenAPI once per content: the same document served on another port keeps its
verdict, and a change anywhere else is validated again."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import destwatch.documents
from destwatch.documents import validate_document
from destwatch.errors import DocumentError

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "shop", "version": "v1"},
    "servers": [{"url": "http://127.0.0.1:40001/acme/shop/v1"}],
    "paths": {"/products": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


def _served_on(port: int, document: dict[str, Any] = _DOCUMENT) -> dict[str, Any]:
    served = copy.deepcopy(document)
    served["servers"][0]["url"] = f"http://127.0.0.1:{port}/acme/shop/v1"
    return served


def test_the_same_document_on_another_port_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = destwatch.documents._validate
    monkeypatch.setattr(destwatch.documents, "_verdicts", {})
    monkeypatch.setattr(destwatch.documents, "_validate", lambda d: calls.append(d) or real(d))
    validate_document(_served_on(40001), source="shop/v1")
    validate_document(_served_on(40002), source="shop/v1")
    assert len(calls) == 1
    changed = _served_on(40003)
    changed["info"]["title"] = "another shop"
    validate_document(changed, source="shop/v1")
    assert len(calls) == 2


def test_an_invalid_document_stays_invalid_on_every_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(destwatch.documents, "_verdicts", {})
    broken = copy.deepcopy(_DOCUMENT)
    broken["paths"]["/products"]["get"]["responses"]["200"] = {"no": "description"}
    for port in (40001, 40002):
        with pytest.raises(DocumentError, match=r"shop/v1: not valid OpenAPI"):
            validate_document(_served_on(port, broken), source="shop/v1")
    # A server URL that is no string is a problem of its own, not a port to set aside.
    wrong = _served_on(40001)
    wrong["servers"][0]["url"] = 40001
    with pytest.raises(DocumentError, match=r"shop/v1: not valid OpenAPI"):
        validate_document(wrong, source="shop/v1")
