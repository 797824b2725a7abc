"""The smoke suite passes on the clean reference and catches every seeded fault that targets it."""

from __future__ import annotations

import json
from pathlib import Path

import httpcore
import pytest

import destwatch.reference.app
from destwatch.reference import FAULTS
from destwatch.reference.targets import embedded_targets

# See test_plugin_wiring.py: in-process runs must share the lazily imported modules.
_SHARED_MODULES = (httpcore, destwatch.reference.app)

SMOKE = Path(__file__).resolve().parents[2] / "suites" / "smoke"

# fault -> (the version it is shown on, request timeout, the clause the failure must name)
_CAUGHT = {
    "openapi-requires-token": (
        "productCatalog/v1",
        5.0,
        "the OpenAPI document is served at {version base}/openapi without a token",
    ),
    "envelope-missing-language": (
        "googleMarketplace/v1",
        5.0,
        "the answer holds `language` (the envelope is {language, results})",
    ),
    "slow-responses": (
        "googleMarketplace/v1",
        5.0,
        "a response arrives within the response-time budget (1 s)",
    ),
    # A destination that stops answering is unreachable (exit 3), not in breach of a clause.
    "hang": ("googleMarketplace/v1", 0.5, "googleMarketplace/v1: no answer within 0.5 s"),
}


def _smoke(pytester: pytest.Pytester, version: str, timeout: float, *args: str) -> tuple[int, dict]:
    targets = pytester.path / "targets.toml"
    targets.write_text(
        embedded_targets(
            defaults={"timeout": timeout, "response_time_budget": 1.0},
            versions=["productCatalog/v1", "googleMarketplace/v1"],
        ),
        encoding="utf-8",
    )
    result = pytester.runpytest(
        str(SMOKE),
        "-p",
        "no:cacheprovider",
        "--targets",
        str(targets),
        "--target",
        version,
        "--reports",
        "r",
        *args,
    )
    return result.ret, json.loads((pytester.path / "r" / "summary.json").read_text())


def test_every_smoke_fault_in_the_catalogue_has_a_case_here() -> None:
    assert {name for name, fault in FAULTS.items() if "smoke" in fault.targets} == set(_CAUGHT)


@pytest.mark.parametrize("version", ["productCatalog/v1", "googleMarketplace/v1"])
def test_smoke_passes_on_the_clean_reference(pytester: pytest.Pytester, version: str) -> None:
    code, summary = _smoke(pytester, version, 5.0)
    assert code == 0, summary
    assert summary["totals"]["failed"] == 0 and summary["totals"]["passed"] >= 3


@pytest.mark.parametrize("fault", sorted(_CAUGHT))
def test_smoke_catches_the_seeded_fault_naming_the_clause(pytester: pytest.Pytester, fault: str) -> None:
    version, timeout, clause = _CAUGHT[fault]
    code, summary = _smoke(pytester, version, timeout, "--destwatch-fault", fault)
    assert code == (3 if fault == "hang" else 1), summary
    # A version that does not answer is not in breach of a clause: its tests did not run, for one reason.
    messages = [failure["message"] for row in summary["rows"] for failure in row["failures"]]
    messages += [item["reason"] for item in summary["unreachable"]]
    assert any(message.startswith(clause) for message in messages), messages
    assert summary["fault"] == fault
