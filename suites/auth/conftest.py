"""The auth suite's fixtures: its instruments (`destwatch.authkit`) and expired tokens, waited out once."""

from __future__ import annotations

import pytest

from destwatch.authkit import AuthKit, Expiry, expire_tokens
from destwatch.run import Run


@pytest.fixture(scope="session")
def auth(dw_run: Run) -> AuthKit:
    return AuthKit(dw_run)


@pytest.fixture(scope="session")
def expired_tokens(dw_run: Run, auth: AuthKit) -> Expiry:
    """Tokens of every protected version whose `expiresIn` fits its wait budget, waited out together."""
    return expire_tokens(dw_run, auth)
