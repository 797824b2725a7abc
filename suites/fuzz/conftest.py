"""The fuzz suite's Schemathesis schemas: one per destination version, built once per run."""

from __future__ import annotations

import pytest

from destwatch.gate.fuzz import FuzzSchemas
from destwatch.environment import Environment


@pytest.fixture(scope="session")
def fuzz_schemas(dw_run: Environment) -> FuzzSchemas:
    return FuzzSchemas(dw_run)
