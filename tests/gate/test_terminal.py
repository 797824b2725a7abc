"""The gate's terminal table: one row per destination version and suite with its first failure, then one line
per unreachable version, failure and warning, and the totals."""

from __future__ import annotations

import io

from rich.console import Console

from destwatch.gate.summary import ItemResult, build_summary
from destwatch.gate.terminal import render_summary


def _rendered(results: list[ItemResult], exit_code: int) -> str:
    console = Console(file=io.StringIO(), width=200)
    render_summary(build_summary(results, exit_code=exit_code, unreachable={}), console)
    return console.file.getvalue()


def test_terminal_table_has_a_row_per_version_and_suite_and_the_first_failure_line() -> None:
    text = _rendered(
        [
            ItemResult("a", "productCatalog", "v1", "smoke", outcome="passed", duration=0.1),
            ItemResult(
                "b", "productCatalog", "v1", "smoke", "failed", "violation", "the answer holds `language`"
            ),
            ItemResult("c", "productCatalog", "v1", "shape", outcome="skipped"),
            ItemResult("d", "gone", "v1", "smoke", "not_run", message="gone/v1: refused"),
            ItemResult("e", "gone", "v1", "shape", "not_run", message="gone/v1: refused"),
        ],
        exit_code=1,
    )
    assert (
        "│ productCatalog/v1 │ smoke │ 1    │ 1    │ 0    │ 0    │ 0       │ the answer holds `lang" in text
    )
    assert "FAILED b: the answer holds `language`" in text
    # An unreachable version is one line, however many of its tests did not run.
    assert text.count("gone/v1: refused") == 1
    assert "unreachable: gone/v1: refused; 2 tests not run" in text
    assert "contract violations (exit 1): 1 passed, 1 failed, 1 skipped, 2 not run" in text


def test_errors_read_as_destwatch_errors_and_budget_skips_are_counted_apart() -> None:
    text = _rendered(
        [
            ItemResult("a", "p", "v1", "filters", outcome="skipped", skip_kind="budget"),
            ItemResult("c", "p", "v1", "filters", "failed", "error", "KeyError: 'x'"),
        ],
        exit_code=4,
    )
    assert "destwatch error: c: KeyError: 'x' — please report" in text
    assert "FAILED c" not in text
    assert "1 not checked: budget" in text


def test_a_warning_is_one_line_naming_the_setting_that_would_make_it_a_rule() -> None:
    warning = {"id": "W0123abcd", "target": "p/v1", "clause": "token: ...", "setting": "token_grant"}
    results = [ItemResult("a", "p", "v1", "auth", outcome="passed", warnings=[warning])]
    text = _rendered(results, exit_code=0)
    assert (
        "warning W0123abcd p/v1: token: ... (ours, not Occtoo's: set token_grant to make it a rule)" in text
    )
    assert "passed (exit 0): 1 passed, 0 failed, 0 skipped, 1 warnings" in text


def test_a_run_that_tested_nothing_says_it_is_no_pass() -> None:
    text = _rendered([], exit_code=0)
    assert "no test ran: a run that tests nothing is not a pass" in text
