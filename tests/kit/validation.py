"""`destwatch validate` in this process on the reference's versions (the repository's example targets by
default), with its report read back: JSON, Markdown, JUnit and the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destwatch.gate.runner import EXAMPLE_TARGETS
from destwatch.validate.command import ValidateRequest, validate

__all__ = ["Validate", "Validated", "run_validation"]


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


# `run(destination, old, new, **ValidateRequest fields)`: what the `run_validation` fixture gives.
Validate = Callable[..., Validated]


def run_validation(
    folder: Path,
    read_output: Callable[[], tuple[str, str]],
    destination: str,
    old: str,
    new: str,
    **options: Any,
) -> Validated:
    """Validate `old` -> `new` of `destination` (without the suites unless `suites=True`), its reports in
    `folder/reports`; `read_output()` gives what it printed (out, err)."""
    options.setdefault("targets", EXAMPLE_TARGETS)
    options.setdefault("suites", False)
    request = ValidateRequest(destination, old, new, reports=folder / "reports", **options)
    code = validate(request)
    reports = folder / "reports" / "validation"
    name = f"{destination}-{old}-{new}"
    out, err = read_output()
    if not (reports / f"{name}.json").exists():
        return Validated(int(code), {}, "", "", out, err)
    return Validated(
        int(code),
        json.loads((reports / f"{name}.json").read_text()),
        (reports / f"{name}.md").read_text(),
        (reports / f"{name}.junit.xml").read_text(),
        out,
        err,
    )
