"""The document clauses of the fuzz suite fail on broken documents (the reference only serves good ones)."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx
import pytest

from destwatch import notices
from destwatch.failures import ContractViolation

_SUITE = Path(__file__).resolve().parents[2] / "suites" / "fuzz" / "test_document.py"


def _load_suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location("destwatch_suite_fuzz_document", _SUITE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


suite = _load_suite()


@pytest.fixture
def v1(reference_url: str) -> tuple[Any, dict[str, Any]]:
    base = f"{reference_url}/northwind/productCatalog/v1"
    target = SimpleNamespace(
        id="productCatalog/v1", base_url=base, openapi_url=f"{base}/openapi", protected=True
    )
    return target, httpx.get(target.openapi_url).json()


def test_good_document_passes_every_document_clause(v1: tuple[Any, dict[str, Any]]) -> None:
    target, document = v1
    suite.test_document_is_valid_openapi_3(target, document)
    suite.test_document_server_url_is_the_version_base_url(target, document)
    suite.test_document_declares_security_when_protected(target, document)


def test_swagger_2_document_fails_the_openapi_3_clause(v1: tuple[Any, dict[str, Any]]) -> None:
    target, document = v1
    with pytest.raises(ContractViolation, match=r"openapi: the document is OpenAPI 3\.x"):
        suite.test_document_is_valid_openapi_3(target, {**document, "openapi": "2.0"})


def test_invalid_document_fails_the_validity_clause(v1: tuple[Any, dict[str, Any]]) -> None:
    target, document = v1
    broken = copy.deepcopy(document)
    del broken["paths"]["/products"]["get"]["responses"]
    with pytest.raises(ContractViolation, match=r"openapi: the document is valid OpenAPI 3\.x"):
        suite.test_document_is_valid_openapi_3(target, broken)


def test_server_of_another_version_fails_the_server_clause(v1: tuple[Any, dict[str, Any]]) -> None:
    target, document = v1
    other = {**document, "servers": [{"url": target.base_url.replace("/v1", "/v2")}]}
    with pytest.raises(ContractViolation, match=r"servers\[0\].url is the version's base URL"):
        suite.test_document_server_url_is_the_version_base_url(target, other)


def test_protected_version_without_security_fails_the_security_clause(v1: tuple[Any, dict[str, Any]]) -> None:
    target, document = v1
    unsecured = copy.deepcopy(document)
    unsecured["paths"]["/products"]["post"]["security"] = []
    with pytest.raises(ContractViolation, match="requires the security scheme") as caught:
        suite.test_document_declares_security_when_protected(target, unsecured)
    assert "POST /products" in str(caught.value)


def test_unprotected_version_declaring_security_is_a_warning_not_a_violation(
    v1: tuple[Any, dict[str, Any]],
) -> None:
    # Real generators keep the scheme on unprotected destinations: misleading, not a broken contract.
    target, document = v1
    unprotected = SimpleNamespace(**{**vars(target), "protected": False})
    with notices.recording() as recorded:
        suite.test_document_declares_security_when_protected(unprotected, document)
    (noted,) = recorded.notes
    assert (
        noted.target == target.id
        and "unprotected (protected = false), but its document declares" in noted.text
    )
    assert recorded.warnings == []
