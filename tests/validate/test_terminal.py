"""What `destwatch validate` prints: what it found, the suites' result in one line, where the reports are,
and the verdict last; only the two versions compared; paths as the working folder sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch._paths import shown_path
from kit.validation import Validate


def test_the_verdict_is_the_last_line_and_paths_are_relative(
    run_validation: Validate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    validated = run_validation("productCatalog", "v2", "v3")
    assert validated.code == 1
    lines = validated.out.splitlines()
    assert lines[-1] == "productCatalog v2 → v3: NO-GO (exit 1)"
    assert lines[-3:-1] == [
        "report: reports/validation/index.html",
        "report: reports/validation/productCatalog-v2-v3.md",
    ]
    assert (tmp_path / "reports" / "validation" / "index.html").is_file()


@pytest.mark.slow
def test_the_suites_mention_only_the_two_versions_and_end_before_the_verdict(
    run_validation: Validate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    validated = run_validation("productCatalog", "v1", "v2", suites=True)
    assert validated.code == 0, validated.out + validated.err
    lines = validated.out.splitlines()
    suites = tmp_path / "reports" / "validation" / "suites-productCatalog-v2"
    assert lines[0] == (
        "contract suites on productCatalog/v2: running (their console: "
        "reports/validation/suites-productCatalog-v2/console.txt)"
    )
    totals = validated.report["suites"]
    assert f"contract suites on productCatalog/v2: {totals['passed']} passed, 0 failed, " in validated.out
    assert lines[-1] == "productCatalog v1 → v2: GO (exit 0)"
    # pytest's own table and "passed (exit 0)" stay in the suites' console, out of the verdict's way.
    assert (
        "passed (exit 0)" not in validated.out and "passed (exit 0)" in (suites / "console.txt").read_text()
    )
    # v3 is configured too, but neither compared nor mentioned: not on the terminal, not in the suites.
    for text in (
        validated.out,
        validated.err,
        validated.markdown,
        *(
            path.read_text()
            for path in (suites / "console.txt", suites / "summary.json", suites / "junit.xml")
        ),
    ):
        assert "v3" not in text
    # Their page is titled as the validation's part.
    assert (
        "<h1>destwatch validate productCatalog v1 → v2: suites on v2 " in (suites / "index.html").read_text()
    )


def test_paths_show_relative_under_the_working_folder_else_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert shown_path(tmp_path / "work" / "reports" / "index.html") == "reports/index.html"
    assert shown_path(Path("reports/index.html")) == "reports/index.html"
    assert shown_path("../venv/lib/x.py") == str(tmp_path.resolve() / "venv" / "lib" / "x.py")
    assert shown_path(tmp_path / "work" / ".." / "elsewhere") == str(tmp_path.resolve() / "elsewhere")
