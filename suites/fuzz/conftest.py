"""The fuzz suite's Schemathesis schemas: one per destination version, built once per run."""

from __future__ import annotations

import pytest

from destwatch.environment import Environment
from destwatch.gate.fuzz import FuzzSchemas


@pytest.fixture(scope="session")
def fuzz_schemas(dw_run: Environment) -> FuzzSchemas:
    return FuzzSchemas(dw_run)
