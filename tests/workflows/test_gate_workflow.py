"""The CI workflows: schema-valid, zizmor-clean, the gate doing what it promises, and the release
publishing the files it built and checked, by trusted publishing, only when the tag is the version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
BIN = Path(sys.executable).parent

# Schema-valid but unsafe: an unpinned action and an attacker-controlled string expanded into a script.
_UNSAFE_WORKFLOW = """
name: unsafe
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
"""


def _lint(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


def _schema(path: Path) -> subprocess.CompletedProcess[str]:
    return _lint("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path))


def _zizmor(path: Path) -> subprocess.CompletedProcess[str]:
    return _lint("zizmor", "--offline", "--no-progress", str(path))


def test_the_gate_and_release_workflows_exist() -> None:
    assert ROOT / ".github" / "workflows" / "gate.yml" in WORKFLOWS and RELEASE in WORKFLOWS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_workflow_matches_the_github_workflow_schema(workflow: Path) -> None:
    result = _schema(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_workflow_has_no_zizmor_findings(workflow: Path) -> None:
    result = _zizmor(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_job_without_runs_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(_UNSAFE_WORKFLOW.replace("    runs-on: ubuntu-latest\n", ""), encoding="utf-8")
    result = _schema(bad)
    assert result.returncode != 0
    assert "runs-on" in result.stdout + result.stderr


def test_zizmor_rejects_template_injection_and_unpinned_actions(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(_UNSAFE_WORKFLOW, encoding="utf-8")
    result = _zizmor(unsafe)
    assert result.returncode != 0
    assert "template-injection" in result.stdout
    assert "unpinned-uses" in result.stdout


def test_gate_runs_tests_and_destwatch_on_push_and_pr_and_always_uploads_reports() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "gate.yml").read_text(encoding="utf-8"))
    # PyYAML reads the bare key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["gate"]
    assert job["if"] == "${{ !inputs.sharded }}"
    runs = [step.get("run", "") for step in job["steps"]]
    assert any("pip install -e" in run for run in runs)
    assert any(run.startswith("python -m pytest") for run in runs)
    assert "destwatch run --reports reports" in runs
    upload = next(step for step in job["steps"] if "upload-artifact" in step.get("uses", ""))
    assert upload["if"] == "${{ !cancelled() }}"
    assert upload["with"]["path"] == "reports/"
    for step in job["steps"]:
        # Every action is pinned to a full commit hash (zizmor checks this too; this names the step).
        if "uses" in step:
            assert len(step["uses"].split("@")[1]) == 40, step["uses"]


def _step(job: dict, name: str) -> dict:
    return next(step for step in job["steps"] if step.get("name") == name)


@pytest.mark.parametrize(
    "workflow",
    [ROOT / ".github/workflows/gate.yml", ROOT / "destwatch/templates/gate.yml"],
    ids=["ours", "init"],
)
@pytest.mark.slow
def test_the_sharded_gate_plans_runs_and_joins_as_one_run_would(workflow: Path, tmp_path: Path) -> None:
    """The plan, shard and merge scripts, run here as GitHub runs them (bash -e, the matrix in env)."""
    jobs = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
    assert jobs["plan"]["if"] == "${{ inputs.sharded }}"
    assert jobs["shard"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert jobs["merge"]["needs"] == "shard" and "!cancelled()" in jobs["merge"]["if"]
    # Two destinations of one version each keep this quick; the scripts are the workflow's own.
    text = (ROOT / "targets.toml").read_text(encoding="utf-8")
    for version in ("v2", "v3"):
        start = text.index(f"[destinations.productCatalog.versions.{version}]")
        text = text[:start] + text[text.index("\n\n", start) + 2 :]
    (tmp_path / "targets.toml").write_text(text, encoding="utf-8")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}

    def bash(script: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=tmp_path,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    output = tmp_path / "github-output"
    planned = bash(_step(jobs["plan"], "Matrix")["run"], GITHUB_OUTPUT=str(output))
    assert planned.returncode == 0, planned.stderr
    matrix = json.loads(output.read_text(encoding="utf-8").removeprefix("matrix="))
    assert [job["target"] for job in matrix["include"]] == ["productCatalog", "googleMarketplace"]
    shards = tmp_path / "shards"
    for job in matrix["include"]:
        ran = bash(_step(jobs["shard"], "Contract gate")["run"], TARGET=job["target"], REPORTS=job["reports"])
        assert ran.returncode == 0, ran.stdout[-2000:]
        # What download-artifact does: each artifact in a folder of its name.
        shards.mkdir(exist_ok=True)
        (tmp_path / job["reports"]).rename(shards / f"shard-{job['name']}")
    joined = bash(_step(jobs["merge"], "Join")["run"])
    assert joined.returncode == 0, joined.stdout + joined.stderr
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["targets"]) == {"productCatalog/v1", "googleMarketplace/v1"}
    assert summary["exit_code"] == 0 and summary["totals"]["passed"] > 50


def test_the_release_builds_once_and_publishes_those_files_by_trusted_publishing() -> None:
    text = RELEASE.read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow.get("on", workflow.get(True)) == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {}  # each job names what it needs
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert runs.count("python -m build") == 1 and "python -m twine check --strict dist/*" in runs
    assert not any("build" in step.get("run", "") for step in publish["steps"])
    uses = {
        step["uses"].split("@")[0]: step
        for job in (build, publish)
        for step in job["steps"]
        if "uses" in step
    }
    assert uses["actions/attest-build-provenance"]["with"]["subject-path"] == "dist/*"
    upload, download = uses["actions/upload-artifact"]["with"], uses["actions/download-artifact"]["with"]
    assert (upload["name"], upload["path"]) == (download["name"], download["path"]) == ("dist", "dist/")
    assert publish["needs"] == "build" and publish["environment"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    # Trusted publishing: the index trusts this workflow's identity; no password, no stored token.
    assert "with" not in uses["pypa/gh-action-pypi-publish"] and "secrets." not in text


def _release_tag_check(tag: str, dist: Path) -> subprocess.CompletedProcess[str]:
    """The release's "The tag is the version" step, run as GitHub runs it, in the folder holding `dist`."""
    job = yaml.safe_load(RELEASE.read_text(encoding="utf-8"))["jobs"]["build"]
    script = _step(job, "The tag is the version")["run"]
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=dist.parent,
        env={**os.environ, "TAG": tag},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_release_stops_when_the_tag_is_not_the_built_version(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("destwatch-1.2.3.tar.gz", "destwatch-1.2.3-py3-none-any.whl"):
        (dist / name).write_bytes(b"")
    assert _release_tag_check("v1.2.3", dist).returncode == 0
    wrong = _release_tag_check("v1.3.0", dist)
    assert wrong.returncode == 1 and wrong.stdout.startswith("::error::dist/destwatch-1.2.3"), wrong.stdout
    assert "is not version 1.3.0 of tag v1.3.0: set that version in pyproject.toml" in wrong.stdout
