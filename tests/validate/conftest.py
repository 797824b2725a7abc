"""Validation runs against the embedded reference: its v1 -> v2 adds, v2 -> v3 breaks."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from destwatch.gate.runner import EXAMPLE_TARGETS
from destwatch.validate.command import ValidateRequest, validate


@dataclass(frozen=True)
class Validated:
    code: int
    report: dict[str, Any]
    markdown: str
    junit: str
    out: str
    err: str = ""

    @property
    def ids(self) -> list[str]:
        return [change["id"] for change in self.report["changes"]]

    @property
    def blocking(self) -> list[str]:
        return [change["id"] for change in self.report["changes"] if change["blocking"]]


Validate = Callable[..., Validated]


@pytest.fixture
def run_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Validate:
    def run(destination: str, old: str, new: str, **options: Any) -> Validated:
        options.setdefault("targets", EXAMPLE_TARGETS)
        options.setdefault("suites", False)
        request = ValidateRequest(destination, old, new, reports=tmp_path / "reports", **options)
        code = validate(request)
        folder = tmp_path / "reports" / "validation"
        name = f"{destination}-{old}-{new}"
        out, err = capsys.readouterr()
        if not (folder / f"{name}.json").exists():
            return Validated(int(code), {}, "", "", out, err)
        return Validated(
            int(code),
            json.loads((folder / f"{name}.json").read_text()),
            (folder / f"{name}.md").read_text(),
            (folder / f"{name}.junit.xml").read_text(),
            out,
            err,
        )

    return run
