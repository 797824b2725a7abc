"""Validation runs against the embedded reference: its v1 -> v2 adds, v2 -> v3 breaks."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from kit.validation import Validate, run_validation


@pytest.fixture(name="run_validation")
def run_validation_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Validate:
    """`run_validation(destination, old, new, **options)`: see `kit.validation.run_validation`."""
    return functools.partial(run_validation, tmp_path, capsys.readouterr)
