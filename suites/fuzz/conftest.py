"""The fuzz suite's Schemathesis schemas: one per destination version, built once per run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from destwatch import fuzzing

# The seed each fuzzed version ran with, printed at the end so a failing run can be replayed.
_SEEDS = pytest.StashKey[dict[str, int]]()


class FuzzSchemas:
    """Schemathesis schemas of the run's versions, authenticated through the run's `TokenClient`."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self._schemas: dict[str, Any] = {}
        self._lock = threading.Lock()

    def seed(self, target: Any) -> int:
        """`--destwatch-seed` when given, else the target's `seed` (a fixed default keeps CI reproducible)."""
        given = self.run.options.seed
        return int(given if given is not None else target.settings.seed)

    def settings(self, target: Any) -> fuzzing.FuzzSettings:
        settings = target.settings
        return fuzzing.FuzzSettings(
            seed=self.seed(target),
            examples=settings.examples,
            response_time_budget=settings.response_time_budget,
            timeout=settings.timeout,
            max_rps=settings.max_rps,
            protected=target.protected,
        )

    def token(self, target: Any) -> Callable[[], str] | None:
        """The version's token source (the run's `TokenClient`), None for an unprotected version."""
        if not target.protected:
            return None
        return lambda: self.run.tokens.token(target)

    def get(self, target: Any) -> Any:
        with self._lock:
            if target.id not in self._schemas:
                self._schemas[target.id] = fuzzing.load_schema(
                    self.run.spec(target),
                    base_url=target.base_url,
                    settings=self.settings(target),
                    token=self.token(target),
                )
            return self._schemas[target.id]


@pytest.fixture(scope="session")
def fuzz_schemas(dw_run: Any) -> FuzzSchemas:
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
