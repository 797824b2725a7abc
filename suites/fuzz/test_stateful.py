"""Stateful testing: workflows that follow the document's OpenAPI links from answer to request."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch import fuzzing


def test_linked_operations_answer_as_the_document_says(
    target: Any, spec: dict[str, Any], fuzz_schemas: Any
) -> None:
    if not fuzzing.has_links(spec):
        pytest.skip(f"{target.id}: the document declares no OpenAPI links, so there is no workflow to follow")
    fuzzing.fuzz_stateful(fuzz_schemas.get(target), examples=target.settings.examples)
