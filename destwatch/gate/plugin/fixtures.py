"""The fixtures suites use. `target` and `endpoint` are parametrized by the plugin; the rest serve them.

```python
def test_endpoint_answers_get(target, endpoint, client, document): ...   # one item per version x endpoint

@pytest.mark.protected_only
def test_token_is_issued(target, client): ...                            # unprotected versions skip
```
"""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.config import VersionTarget
from destwatch.environment import Environment
from destwatch.gate.plugin.state import run_of
from destwatch.http import Client

__all__ = ["client", "document", "dw_run", "endpoint", "target"]


@pytest.fixture(scope="session")
def dw_run(request: pytest.FixtureRequest) -> Environment:
    """The run: `targets`, `document(target)`, `http(target)`, `versions_of(destination)`, `seed`."""
    return run_of(request.config)


@pytest.fixture
def target(request: pytest.FixtureRequest) -> VersionTarget:
    """One destination version; tests asking for it are parametrized over the selected versions."""
    raise pytest.UsageError(f"{request.node.nodeid}: `target` is parametrized by destwatch; it was not here")


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> str:
    """One endpoint id of the version's document; parametrized together with `target`."""
    raise pytest.UsageError(
        f"{request.node.nodeid}: `endpoint` is parametrized by destwatch; it was not here"
    )


@pytest.fixture
def client(dw_run: Environment, target: VersionTarget) -> Client:
    """The version's client: pooled, paced, authenticated (a 401 gets one fresh token and one retry)."""
    return dw_run.http(target)


@pytest.fixture
def document(dw_run: Environment, target: VersionTarget) -> dict[str, Any]:
    """The version's OpenAPI document, fetched once per run."""
    return dw_run.document(target)
