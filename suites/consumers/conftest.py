"""The consumers suite: each consumer's own queries (targets.toml's `consumers_dir`), on every version the
consumer uses. Items are consumer x query x version; without consumer files the suite has none."""

from __future__ import annotations

import pytest

from destwatch.consumers.model import ConsumerQuery
from destwatch.environment import Environment
from destwatch.gate.plugin.state import run_of
from destwatch.gate.rules.session import Session


@pytest.fixture(scope="session")
def semantics(dw_run: Environment) -> Session:
    return Session(dw_run, "consumers", seed=int(getattr(dw_run, "seed", 0) or 0))


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # As a parametrize mark, which pytest applies and destwatch's plugin then leaves alone: the plugin
    # parametrizes `target` over every version, but a consumer's queries go only to the versions it uses.
    if "query" not in metafunc.fixturenames:
        return
    run = run_of(metafunc.config)
    pairs = [
        (target, query)
        for target in run.targets
        for consumer in run.selection.consumers_of(target)
        for query in consumer.queries
    ]
    ids = [f"{target.id}/{query.consumer}/{query.name}" for target, query in pairs]
    metafunc.definition.add_marker(pytest.mark.parametrize(("target", "query"), pairs, ids=ids))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A run without consumer files has nothing to say here: no item, rather than a skip on every report.
    empty = [item for item in items if _ours(item) and not isinstance(_query(item), ConsumerQuery)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        left = set(map(id, empty))
        items[:] = [item for item in items if id(item) not in left]


def _ours(item: pytest.Item) -> bool:
    return item.path.parent.name == "consumers" and "query" in getattr(item, "fixturenames", ())


def _query(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("query") if callspec is not None else None
