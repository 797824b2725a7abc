"""The docs' catalogues have one source, the code: every generated table is what `scripts/docs_tables.py`
writes from it, and the lists kept by hand (the suites' clauses, the monitor's steps, what validate finds
per candidate) name exactly what the code has.

A failure here means the code changed and a page did not: run `python scripts/docs_tables.py` for the
generated tables, or edit the page named.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from destwatch.config import MONITOR_STEPS, OUR_EXPECTATIONS, TargetSettings
from destwatch.reference.candidates import CANDIDATES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FIX = "run `python scripts/docs_tables.py` to write the tables from the code"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_tables", ROOT / "scripts" / "docs_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs_tables = _generator()


def test_every_generated_table_is_what_the_code_says() -> None:
    problems = docs_tables.stale()
    assert not problems, "\n".join([*problems, FIX])


def test_a_table_that_differs_from_the_code_is_found_and_rewritten(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n<!-- generated: faults -->\n| stale |\n<!-- end -->\n", encoding="utf-8")
    assert any("'faults' differs" in problem for problem in docs_tables.stale([page]))
    fresh = docs_tables.render(page.read_text(encoding="utf-8"), docs_tables.tables())
    page.write_text(fresh, encoding="utf-8")
    assert not [problem for problem in docs_tables.stale([page]) if "page.md" in problem]
    assert "`hang`" in fresh and "| stale |" not in fresh


def test_a_block_naming_no_catalogue_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- generated: fautls -->\n<!-- end -->\n", encoding="utf-8")
    assert any("no table named 'fautls'" in problem for problem in docs_tables.stale([page]))
    with pytest.raises(KeyError, match="fautls"):
        docs_tables.render(page.read_text(encoding="utf-8"), docs_tables.tables())


def test_every_setting_says_whose_rule_it_is() -> None:
    settings = set(TargetSettings.model_fields)
    described = set(docs_tables.KIND_OF_SETTING)
    assert not described & OUR_EXPECTATIONS, "our own expectations are described by OUR_EXPECTATIONS alone"
    assert described | OUR_EXPECTATIONS == settings, (
        f"whose rule is unsaid for {sorted(settings - described - OUR_EXPECTATIONS)}, "
        f"said for no setting: {sorted(described - settings)}; edit KIND_OF_SETTING in scripts/docs_tables.py"
    )


def _suite_tests() -> set[tuple[str, str]]:
    """(suite, test function) for every test of destwatch's suites."""
    found = set()
    for path in (ROOT / "suites").glob("*/test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.add((path.parent.name, node.name))
    return found


def _listed_tests() -> set[tuple[str, str]]:
    """(suite, test) for every test docs/suites.md lists, by the suite section it is listed in."""
    listed, suite = set(), ""
    for line in (DOCS / "suites.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## `(\w+)`", line)
        if heading:
            suite = heading.group(1)
        elif line.startswith("## "):
            suite = ""
        row = re.match(r"\| `(test_\w+)` \|", line)
        if row and suite:
            listed.add((suite, row.group(1)))
    return listed


def test_suites_md_lists_every_clause_of_every_suite_in_its_suite() -> None:
    code, listed = _suite_tests(), _listed_tests()
    assert code, "no suite test found: has suites/ moved?"
    assert listed == code, (
        f"in the code, not in docs/suites.md: {sorted(code - listed)}; "
        f"in docs/suites.md, not in the code: {sorted(listed - code)}"
    )


def _section(page: str, heading: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_monitoring_md_lists_the_monitor_steps_in_the_order_a_cycle_runs_them() -> None:
    steps = re.findall(r"^\| `([a-z-]+)` \|", _section("monitoring.md", "A cycle"), flags=re.MULTILINE)
    assert tuple(steps) == MONITOR_STEPS


def test_validation_md_says_what_validate_finds_for_every_candidate() -> None:
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", _section("validation.md", "Proof on the reference"), re.M)
    assert rows == list(CANDIDATES)


def test_the_readme_names_every_expectation_of_ours() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n### Warnings and rules\n")
    section = text[start : text.index("\n## ", start)]
    named = set(re.findall(r"^\| `(\w+) = ", section, flags=re.MULTILINE))
    # `shared_applications` is the old spelling of `token_grant`, explained in docs/configuration.md.
    assert named == OUR_EXPECTATIONS - {"shared_applications"}
