"""The reference's own versions: v1 -> v2 only adds (GO); v2 -> v3 renames `brand` and drops GET
`periodSince` (NO-GO with exactly those two, each in words and with a migration note); waivers that cover
both make it GO until they expire."""

from __future__ import annotations

import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.config import EXAMPLE_TARGETS
from destwatch.errors import ConfigError
from kit.validation import Validate

TODAY = datetime.date(2026, 12, 1)
_BOTH = """
[[waiver]]
change = "property-renamed:products.brand->brandName"
reason = "every consumer reads brandName since release 12"
approved_by = "Ada"
expires = {expires}

[[waiver]]
change = "get-parameter-removed:*"
reason = "the feed exporter uses POST"
approved_by = "Grace"
expires = {expires}
"""


def _waivers(tmp_path: Path, expires: str, extra: str = "") -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(_BOTH.format(expires=expires) + extra, encoding="utf-8")
    return path


def test_v1_to_v2_adds_only_and_is_go(run_validation: Validate) -> None:
    validated = run_validation("productCatalog", "v1", "v2", today=TODAY)
    assert validated.code == 0 and validated.report["verdict"] == "GO"
    assert validated.ids == ["endpoint-added:variants", "property-added:products.rating"]
    assert {change["severity"] for change in validated.report["changes"]} == {"compatible"}
    assert validated.markdown.startswith("# destwatch validate: productCatalog v1 → v2: **GO**")


def test_v2_to_v3_is_no_go_with_exactly_the_rename_and_the_removed_get_period(
    run_validation: Validate,
) -> None:
    validated = run_validation("productCatalog", "v2", "v3", today=TODAY)
    assert validated.code == 1 and validated.report["verdict"] == "NO-GO"
    assert validated.ids == [
        "get-parameter-removed:periodSince",
        "property-renamed:products.brand->brandName",
    ]
    assert validated.blocking == validated.ids
    markdown = validated.markdown
    assert markdown.startswith("# destwatch validate: productCatalog v2 → v3: **NO-GO**")
    assert markdown.index("## Breaking changes") < markdown.index("## Migration notes for consumers")
    assert "- read, filter, sort and facet on `brandName` instead of `brand`" in markdown
    assert "- GET `periodSince` is gone: use POST `period.since`" in markdown
    cases = ElementTree.fromstring(validated.junit).findall("testcase")
    assert [case.get("name") for case in cases] == validated.ids
    assert all(case.find("failure") is not None for case in cases)


def test_waivers_covering_both_changes_make_it_go_and_say_who_approved(
    run_validation: Validate, tmp_path: Path
) -> None:
    validated = run_validation(
        "productCatalog", "v2", "v3", today=TODAY, waivers=_waivers(tmp_path, "2027-03-31")
    )
    assert validated.code == 0 and validated.report["verdict"] == "GO"
    approved = {change["id"]: change["waived_by"] for change in validated.report["changes"]}
    assert approved == {
        "get-parameter-removed:periodSince": "Grace",
        "property-renamed:products.brand->brandName": "Ada",
    }
    assert "| applied |" in validated.markdown


def test_expired_waivers_no_longer_apply_and_are_listed_as_expired(
    run_validation: Validate, tmp_path: Path
) -> None:
    validated = run_validation(
        "productCatalog", "v2", "v3", today=TODAY, waivers=_waivers(tmp_path, "2026-11-30")
    )
    assert validated.code == 1 and validated.report["verdict"] == "NO-GO"
    assert {change["waiver_expired"] for change in validated.report["changes"]} == {"2026-11-30"}
    assert validated.markdown.count("**expired**: no longer applies") == 2
    assert "expired on 2026-11-30" in validated.out


def test_a_waiver_that_matches_nothing_is_a_warning(run_validation: Validate, tmp_path: Path) -> None:
    unused = "\n".join(
        [
            "",
            "[[waiver]]",
            'change = "endpoint-removed:feed"',
            'reason = "x"',
            'approved_by = "Ada"',
            "expires = 2027-01-01",
            "",
        ]
    )
    validated = run_validation(
        "productCatalog", "v2", "v3", today=TODAY, waivers=_waivers(tmp_path, "2027-03-31", unused)
    )
    assert validated.code == 0
    assert validated.report["unused_waivers"] == ["endpoint-removed:feed"]
    assert "warning: the waiver 'endpoint-removed:feed' matched no change" in validated.out


def test_a_document_not_deployed_yet_gets_the_static_part_only(
    run_validation: Validate, tmp_path: Path
) -> None:
    import httpx

    from destwatch.reference import create_app, serve_in_thread

    with serve_in_thread(create_app()) as server:
        document = httpx.get(f"{server.url}/northwind/productCatalog/v3/openapi").text
    path = tmp_path / "v3.json"
    path.write_text(document, encoding="utf-8")
    validated = run_validation("productCatalog", "v2", "v9", today=TODAY, candidate_document=path)
    # Without live data the rename is a removal and an addition.
    assert validated.code == 1 and validated.report["static_only"] is True
    assert "property-removed:products.brand" in validated.blocking
    assert "property-added:products.brandName" in validated.ids
    assert "static validation" in validated.markdown


def test_broken_waivers_are_one_line_with_file_and_key(run_validation: Validate, tmp_path: Path) -> None:
    path = tmp_path / "waivers.toml"
    path.write_text('[[waiver]]\nchange = "x"\nreason = "y"\napproved_by = "z"\nexpires = "soon"\n')
    with pytest.raises(ConfigError) as refused:
        run_validation("productCatalog", "v2", "v3", waivers=path)
    message = str(refused.value)
    assert message.startswith(f"{path}:5: waiver[0].expires: ") and "\n" not in message
    assert "write expires = 2027-03-31" in message
    # The command says it in that line and exits 2, before comparing anything.
    args = ["validate", "productCatalog", "--from", "v2", "--to", "v3", "--targets", str(EXAMPLE_TARGETS)]
    args += ["--waivers", str(path), "--reports", str(tmp_path / "reports")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and f"destwatch: {message}" in result.output
    assert (
        "Traceback" not in result.output and not (tmp_path / "reports" / "validation" / "index.html").exists()
    )


def test_the_report_is_appended_to_the_summary_file(run_validation: Validate, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("before\n", encoding="utf-8")
    validated = run_validation("productCatalog", "v1", "v2", today=TODAY, summary=summary)
    assert validated.code == 0
    assert summary.read_text(encoding="utf-8") == "before\n" + validated.markdown


def test_a_summary_file_that_cannot_be_written_is_a_usage_error(
    run_validation: Validate, tmp_path: Path
) -> None:
    missing = tmp_path / "missing" / "summary.md"
    with pytest.raises(ConfigError) as refused:
        run_validation("productCatalog", "v1", "v2", summary=missing)
    message = str(refused.value)
    assert message.startswith(f"{missing}: --summary: cannot append the report (") and "\n" not in message
