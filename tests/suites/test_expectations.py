"""Our own expectations (where Occtoo's public contract is silent) warn unless the target makes them rules.

Each case breaks one expectation with a seeded fault: with the setting unset the gate passes (exit 0) and
every report carries the warning with its clause and the setting that would make it a rule; with the setting
on, the same fault fails the gate, and the failure names the setting and the table that set it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from kit.gates import run_gate_on_reference

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
        "language: localized properties differ between languages",
        "localized_properties",
    ),
}


def _gate(tmp_path: Path, fault: str, **expectations: object) -> tuple[int, dict, Path]:
    """The gate's exit code, its summary.json as a user's CI reads it, and its reports folder."""
    suite, tests, versions, _, _ = CASES[fault]
    summary = run_gate_on_reference(
        tmp_path,
        suites=(suite,),
        targets=versions,
        tests=tests,
        fault=fault,
        defaults=expectations,
        expectations=False,
    )
    reports = tmp_path / "reports"
    return int(summary.exit_code), json.loads((reports / "summary.json").read_text()), reports


@pytest.mark.parametrize("fault", list(CASES))
def test_an_unset_expectation_is_a_warning_naming_its_setting_in_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    _, _, _, clause, setting = CASES[fault]
    code, summary, reports = _gate(tmp_path, fault)
    out = capsys.readouterr().out
    assert code == 0 and summary["totals"]["failed"] == 0 and summary["totals"]["passed"] >= 1
    warnings = summary["warnings"]
    assert warnings and summary["totals"]["warnings"] == len(warnings)
    assert any(w["clause"].startswith(clause) for w in warnings), warnings
    assert all(w["setting"].startswith(setting) for w in warnings), warnings
    assert all(w["id"].startswith("W") and w["target"] and w["evidence"] for w in warnings), warnings
    assert sum(len(row["warnings"]) for row in summary["rows"]) == len(warnings)
    # The terminal: one line per warning with its id and setting; not pytest's warnings summary.
    for warning in warnings:
        assert f"warning {warning['id']} {warning['target']}: {warning['clause']}" in out, out[-3000:]
    assert setting in out
    assert "warnings summary" not in out
    # junit.xml: each warning as a property of the test case that found it.
    properties = [
        prop.get("value", "")
        for case in ElementTree.parse(reports / "junit.xml").iter("testcase")
        for prop in case.iter("property")
        if prop.get("name") == "warning"
    ]
    assert sorted(re.search(r"W[0-9a-f]{8}", p)[0] for p in properties) == sorted(w["id"] for w in warnings)
    # The page: a Warnings section naming the setting.
    page = (reports / "index.html").read_text()
    assert 'id="warnings"' in page and all(w["id"] in page for w in warnings)


@pytest.mark.parametrize("fault", list(CASES))
def test_a_set_expectation_fails_naming_its_setting_and_where_it_is_set(tmp_path: Path, fault: str) -> None:
    _, _, _, clause, setting = CASES[fault]
    rule = {
        "token_errors_are_4xx": True,
        "token_grant": "version",
        "same_data_across_versions": True,
        "localized_properties": ["title", "category", "color"],
    }[setting]
    code, summary, _ = _gate(tmp_path, fault, **{setting: rule})
    failures = [failure for row in summary["rows"] for failure in row["failures"]]
    assert code == 1 and failures, summary["totals"]
    assert all(f["message"].startswith(clause) for f in failures), failures
    assert all(f["rule"].startswith(setting) and f["rule"].endswith("(set at [defaults])") for f in failures)
    assert summary["warnings"] == []
