"""The fuzz suite's Schemathesis schemas: one per destination version, built once per run."""

from __future__ import annotations

import pytest

from destwatch.gate.fuzz import FuzzSchemas
from destwatch.run import Run


@pytest.fixture(scope="session")
def fuzz_schemas(dw_run: Run) -> FuzzSchemas:
    return FuzzSchemas(dw_run)


@pytest.fixture(autouse=True)
def _note_fuzz_seed(request: pytest.FixtureRequest) -> None:
    """The summary lists each fuzzed version's seed, so a failing run can be replayed."""
    callspec = getattr(request.node, "callspec", None)
    target = callspec.params.get("target") if callspec is not None else None
    if target is None or "fuzz_schemas" not in request.fixturenames:
        return
    run: Run = request.getfixturevalue("dw_run")
    run.fuzz_seeds[target.id] = request.getfixturevalue("fuzz_schemas").seed(target)
