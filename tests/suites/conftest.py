"""Running the fuzz and auth suites the way a user does: `destwatch run` in a subprocess, real reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from kit.gates import CommandRun, reference_targets, run_destwatch

RunSuite = Callable[..., CommandRun]


@pytest.fixture
def run_suite(tmp_path: Path) -> RunSuite:
    """`run_suite("fuzz", fault=..., defaults={"examples": 5}, targets=["productCatalog/v1"])`;
    `version_tables` add keys to versions' tables, `pytest_args` go after `--`."""
    counter = iter(range(1000))

    def run(
        *suites: str,
        fault: str | None = None,
        seed: int | None = None,
        defaults: Mapping[str, Any] | None = None,
        reference: Mapping[str, Any] | None = None,
        targets: tuple[str, ...] = (),
        version_tables: Mapping[str, Mapping[str, Any]] | None = None,
        pytest_args: tuple[str, ...] = (),
    ) -> CommandRun:
        folder = tmp_path / f"run{next(counter)}"
        path = reference_targets(
            folder, defaults=defaults, reference=reference, version_tables=version_tables
        )
        args = [arg for suite in suites for arg in ("--suite", suite)]
        args += [arg for target in targets for arg in ("--target", target)]
        args += ["--fault", fault] if fault is not None else []
        args += ["--seed", str(seed)] if seed is not None else []
        args += ["--", *pytest_args] if pytest_args else []
        return run_destwatch(folder, *args, targets=path)

    return run
