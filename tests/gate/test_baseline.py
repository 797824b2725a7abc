"""The gate's baseline without a gate: accepted findings are marked and no longer fail the run, an expired
entry counts as new, an entry whose test passed is fixed, one whose test did not run is not (in one run or
across shards joined by `report merge`); the file is read as validate's waivers are, every mistake named by
file, line, key and fix."""

from __future__ import annotations

import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from destwatch.errors import ConfigError
from destwatch.exit_codes import ExitCode
from destwatch.gate.baseline import Baseline, apply_baseline, baseline_text, mark_junit
from destwatch.gate.shards import merge_reports
from destwatch.gate.summary import Failure, Row, Summary, write_json
from destwatch.validate.waivers import load_waivers

TODAY = datetime.date(2026, 12, 7)
TOP = "shape/test_top.py::test_top[productCatalog/v2/products-GET]"
MUST = "filters/test_must.py::test_must[productCatalog/v2/products]"
EMPTY = "shape/test_empty.py::test_empty[productCatalog/v2/products-GET]"


def _failure(test: str, fingerprint: str, kind: str = "violation") -> Failure:
    return Failure(test, kind, f"clause of {test}", {"fingerprint": fingerprint})


def _summary(*failures: Failure, code: ExitCode = ExitCode.VIOLATIONS) -> Summary:
    row = Row("productCatalog", "v2", "shape", failed=len(failures), failures=failures)
    return Summary(code, (row,))


def _baseline(tmp_path: Path, summary: Summary, expires: datetime.date) -> Baseline:
    path = tmp_path / "baseline.toml"
    text = baseline_text(summary, reason="known", ticket="DEST-42", accepted_by="Ada", expires=expires)
    path.write_text(text, encoding="utf-8")
    return Baseline.load(path)


def test_accepted_findings_are_marked_and_exit_0_while_a_new_one_exits_1(tmp_path: Path) -> None:
    known = _summary(_failure(TOP, "Faaa"))
    baseline = _baseline(tmp_path, known, datetime.date(2027, 3, 31))
    assert [(e.fingerprint, e.test, e.accepted_by) for e in baseline.entries] == [("Faaa", TOP, "Ada")]

    same = apply_baseline(known, baseline, ran=[("productCatalog/v2", TOP)], today=TODAY)
    assert same.exit_code == ExitCode.OK
    mark = same.failures[0].evidence["baseline"]
    assert mark == {
        "status": "accepted",
        "reason": "known",
        "ticket": "DEST-42",
        "accepted_by": "Ada",
        "expires": "2027-03-31",
    }
    assert same.to_json()["baseline"]["accepted"] == 1 and same.totals["failed"] == 1

    both = apply_baseline(
        _summary(_failure(TOP, "Faaa"), _failure(MUST, "Fbbb")), baseline, ran=[], today=TODAY
    )
    assert both.exit_code == ExitCode.VIOLATIONS
    assert (both.baseline or {})["new"] == 1 and "baseline" not in both.failures[1].evidence


def test_an_expired_entry_counts_as_new_from_its_expiry_day(tmp_path: Path) -> None:
    known = _summary(_failure(TOP, "Faaa"))
    baseline = _baseline(tmp_path, known, TODAY)
    done = apply_baseline(known, baseline, ran=[], today=TODAY)
    assert done.exit_code == ExitCode.VIOLATIONS
    assert done.failures[0].evidence["baseline"]["status"] == "expired"
    day_before = apply_baseline(known, baseline, ran=[], today=TODAY - datetime.timedelta(days=1))
    assert day_before.exit_code == ExitCode.OK


def test_an_entry_whose_test_passed_is_fixed_and_one_whose_test_did_not_run_is_not(tmp_path: Path) -> None:
    baseline = _baseline(
        tmp_path, _summary(_failure(TOP, "Faaa"), _failure(EMPTY, "Fccc")), datetime.date(2027, 3, 31)
    )
    clean = _summary(code=ExitCode.OK)
    done = apply_baseline(clean, baseline, ran=[("productCatalog/v2", TOP)], today=TODAY)
    report = done.baseline or {}
    assert [entry["fingerprint"] for entry in report["fixed"]] == ["Faaa"]
    assert report["not_checked"] == 1 and done.exit_code == ExitCode.OK
    # Unreachable or broken runs keep their code: a baseline accepts violations only.
    broken = apply_baseline(
        _summary(_failure(TOP, "Faaa"), code=ExitCode.UNREACHABLE), baseline, ran=[], today=TODAY
    )
    assert broken.exit_code == ExitCode.UNREACHABLE


ENTRY = '[[finding]]\nfingerprint = "F1"\nreason = "r"\nticket = "t"\naccepted_by = "a"\n'


@pytest.mark.parametrize(
    ("text", "line", "key", "fix"),
    [
        (
            ENTRY + 'expires = "soon"\n',
            6,
            "finding[0].expires",
            "write expires = 2027-03-31",
        ),
        (
            ENTRY + "expires = 2027-01-01\n"
            '\n[[finding]]\nfingerprint = "F2"\nreason = "r"\nticket = "t"\nexpires = 2027-01-01\n',
            8,
            "finding[1].accepted_by",
            "write accepted_by",
        ),
        (
            ENTRY + 'expires = 2027-01-01\napprover = "b"\n',
            7,
            "finding[0].approver",
            "valid keys: fingerprint",
        ),
        ("waiver = 1\n", 1, "waiver", "list the baseline as [[finding]] tables"),
    ],
)
def test_mistakes_name_file_line_key_and_fix(
    tmp_path: Path, text: str, line: int, key: str, fix: str
) -> None:
    path = tmp_path / "baseline.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        Baseline.load(path)
    message = str(refused.value)
    assert message.startswith(f"{path}:{line}: {key}: ") and fix in message and "\n" not in message


def test_waivers_are_read_by_the_same_reader(tmp_path: Path) -> None:
    path = tmp_path / "waivers.toml"
    path.write_text('[[waiver]]\nchange = "x"\nreason = "y"\napproved_by = "z"\nexpires = 2027-03-31\n')
    (waiver,) = load_waivers(path)
    assert waiver.expired(datetime.date(2027, 3, 31)) and not waiver.expired(datetime.date(2027, 3, 30))
    path.write_text(
        '[[waiver]]\nchange = "x"\nreason = "y"\napproved_by = "z"\nexpires = 2027-03-31\nticket = "t"\n'
    )
    with pytest.raises(ConfigError, match=r"waivers.toml:6: waiver\[0\].ticket: unknown key 'ticket'"):
        load_waivers(path)


def test_report_merge_joins_the_shards_baselines_and_their_findings(tmp_path: Path) -> None:
    baseline = _baseline(
        tmp_path, _summary(_failure(TOP, "Faaa"), _failure(MUST, "Fbbb")), datetime.date(2027, 3, 31)
    )
    # One shard still finds Faaa and does not run Fbbb's test; the other finds Fbbb's test passing.
    one = apply_baseline(_summary(_failure(TOP, "Faaa")), baseline, ran=[], today=TODAY)
    other = apply_baseline(
        _summary(code=ExitCode.OK), baseline, ran=[("productCatalog/v2", MUST)], today=TODAY
    )
    shards = []
    for name, summary in (("one", one), ("other", other)):
        shard = tmp_path / name
        write_json(shard / "summary.json", summary.to_json())
        (shard / "findings" / f"F{name}").mkdir(parents=True)
        shards.append(shard)
    joined = merge_reports(shards, tmp_path / "joined")
    assert joined.exit_code == ExitCode.OK
    report = joined.baseline or {}
    assert (report["accepted"], report["not_checked"]) == (1, 0)
    assert [entry["fingerprint"] for entry in report["fixed"]] == ["Fbbb"]
    assert {path.name for path in (tmp_path / "joined" / "findings").iterdir()} == {"Fone", "Fother"}


def test_junit_xml_is_marked_as_the_baseline_marked_the_run(tmp_path: Path) -> None:
    # Written by pytest before the baseline applies: an accepted, an expired, a new and a fixed entry's case.
    baseline = _baseline(tmp_path, _summary(_failure(TOP, "Faaa"), _failure(EMPTY, "Fccc")), TODAY)
    (tmp_path / "a").mkdir()
    accepted = _baseline(tmp_path / "a", _summary(_failure(MUST, "Fbbb")), datetime.date(2027, 3, 31))
    both = Baseline(baseline.path, (*baseline.entries[:1], *accepted.entries, *baseline.entries[1:]))
    found = _summary(_failure(TOP, "Faaa"), _failure(MUST, "Fbbb"), _failure(MUST, "Fddd"))
    ran = [("productCatalog/v2", test) for test in (TOP, MUST, EMPTY)]
    marked = apply_baseline(found, both, ran=ran, today=TODAY)
    cases = [
        ("shape.test_top", "test_top[productCatalog/v2/products-GET]", "Faaa"),
        ("filters.test_must", "test_must[productCatalog/v2/products]", "Fbbb"),
        ("filters.test_must", "test_must[productCatalog/v2/products]", "Fddd"),
        ("shape.test_empty", "test_empty[productCatalog/v2/products-GET]", ""),
    ]
    junit = tmp_path / "junit.xml"
    junit.write_text(
        "<testsuites><testsuite>"
        + "".join(
            f'<testcase classname="{cls}" name="{name}"><properties>'
            + (f'<property name="fingerprint" value="{fp}"/>' if fp else "")
            + '<property name="target" value="productCatalog/v2"/></properties></testcase>'
            for cls, name, fp in cases
        )
        + "</testsuite></testsuites>"
    )
    mark_junit(junit, marked)
    found_marks = [
        {prop.get("name"): prop.get("value") for prop in case.iter("property")}
        for case in ElementTree.parse(junit).iter("testcase")
    ]
    assert [marks.get("destwatch.baseline") for marks in found_marks] == [
        "expired",
        "accepted",
        None,
        "fixed",
    ]
    assert (
        found_marks[3]["destwatch.baseline.fixed"] == f"Fccc no longer occurs; remove it from {baseline.path}"
    )
