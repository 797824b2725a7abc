"""The fuzz suite's Schemathesis schemas: one per destination version, built once per run."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.fuzzing import FuzzSchemas
from destwatch.run import Run

# The seed each fuzzed version ran with, printed at the end so a failing run can be replayed.
_SEEDS = pytest.StashKey[dict[str, int]]()


@pytest.fixture(scope="session")
def fuzz_schemas(dw_run: Run) -> FuzzSchemas:
    return FuzzSchemas(dw_run)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    seeds = config.stash.get(_SEEDS, None)
    if seeds:
        listed = ", ".join(f"{target} {seed}" for target, seed in sorted(seeds.items()))
        terminalreporter.write_line(f"destwatch fuzz seeds: {listed} (replay with --destwatch-seed N)")


@pytest.fixture(autouse=True)
def _remember_fuzz_seed(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    target = callspec.params.get("target") if callspec is not None else None
    if target is None or "fuzz_schemas" not in request.fixturenames:
        return
    seeds = request.config.stash.setdefault(_SEEDS, {})
    seeds[target.id] = request.getfixturevalue("fuzz_schemas").seed(target)
