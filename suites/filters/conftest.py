"""The filters suite's session state: its own request budget per destination version."""

from __future__ import annotations

import pytest

from destwatch.environment import Environment
from destwatch.gate.rules.session import Session


@pytest.fixture(scope="session")
def semantics(dw_run: Environment) -> Session:
    return Session(dw_run, "filters", seed=int(getattr(dw_run, "seed", 0) or 0))
