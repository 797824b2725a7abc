"""Stateful testing: workflows that follow the document's OpenAPI links from answer to request."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.config import VersionTarget
from destwatch.gate import fuzz
from destwatch.gate.fuzz import FuzzSchemas


def test_linked_operations_answer_as_the_document_says(
    target: VersionTarget, document: dict[str, Any], fuzz_schemas: FuzzSchemas
) -> None:
    if not fuzz.has_links(document):
        pytest.skip(f"{target.id}: the document declares no OpenAPI links, so there is no workflow to follow")
    fuzz.fuzz_stateful(fuzz_schemas.get(target), examples=target.settings.examples)
