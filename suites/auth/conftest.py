"""The auth suite's fixtures: its instruments (`destwatch.gate.authkit`) and expired tokens, whose clocks
start at each version's first auth test."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.environment import Environment
from destwatch.gate.authkit import AuthKit, Expiry


@pytest.fixture(scope="session")
def auth(dw_run: Environment) -> AuthKit:
    return AuthKit(dw_run)


@pytest.fixture(scope="session")
def expired_tokens(auth: AuthKit) -> Expiry:
    """Per protected version, a real token waited out past its `expiresIn` (the clauses using it run last)."""
    return Expiry(auth)


@pytest.fixture(autouse=True)
def _expiry_clock(request: pytest.FixtureRequest, expired_tokens: Expiry) -> None:
    """Start the version's expiry clock at its first auth test, so the wait overlaps its other tests (not in
    a replay: it runs one test, which starts the clock itself if it needs an expired token)."""
    if request.getfixturevalue("dw_run").replaying is not None:
        return
    if "target" in request.fixturenames:
        target = request.getfixturevalue("target")
        if isinstance(target, VersionTarget):
            expired_tokens.start(target)
