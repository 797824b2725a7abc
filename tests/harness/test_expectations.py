"""Our own expectations (where Occtoo's public contract is silent) warn unless the target makes them rules.

Each case breaks one expectation with a seeded fault: with the setting unset the gate passes and says why
it warned; the same fault fails the gate once the setting is on (the fault matrix tests that half).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from destwatch.gate import GateRequest, run_gate
from destwatch.reference.targets import embedded_targets

# fault -> (suite, tests, versions, the clause the warning quotes, the setting it names)
CASES = {
    "token-500-on-bad-body": (
        "auth",
        "bad_token_request",
        ("productCatalog/v1",),
        "token: bad credentials and malformed bodies get a 4xx",
        "token_errors_are_4xx",
    ),
    "foreign-token-accepted": (
        "auth",
        "reaches_exactly",
        ("productCatalog/v1", "productCatalog/v2"),
        "token: a token is rejected by every version outside its grant",
        "token_grant",
    ),
    "v2-hides-out-of-stock": (
        "filters",
        "versions",
        ("productCatalog/v1", "productCatalog/v2"),
        "versions: the same logical query returns the same ids",
        "same_data_across_versions",
    ),
    "language-ignored": (
        "filters",
        "localized",
        ("productCatalog/v2",),
        "no property differs between",
        "localized_properties",
    ),
}


@pytest.mark.parametrize("fault", list(CASES))
def test_an_unset_expectation_is_a_warning_naming_its_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    suite, tests, versions, clause, setting = CASES[fault]
    targets = tmp_path / "targets.toml"
    targets.write_text(embedded_targets(defaults={"max_rps": 1000.0}, expectations=False))
    reports = tmp_path / "reports"
    request = GateRequest(
        targets=targets,
        reports=reports,
        suites=(suite,),
        names=versions,
        fault=fault,
        pytest_args=("-k", tests),
    )
    code = run_gate(request)
    summary = json.loads((reports / "summary.json").read_text())
    out = capsys.readouterr().out
    assert code == 0 and summary["totals"]["failed"] == 0 and summary["totals"]["passed"] >= 1
    assert clause in out and setting in out, out[-3000:]
