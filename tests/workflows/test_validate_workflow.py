"""The validate workflow: dispatched with destination/from/to, its inputs never expanded into the script,
the Markdown report written to the step summary, reports uploaded whatever the verdict, no-go failing the
job. Its script is run here as GitHub would run it (bash -e, inputs in the environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
TEMPLATE = ROOT / "destwatch" / "templates" / "validate.yml"


def _job(path: Path) -> tuple[dict, dict]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return workflow, job


def test_validate_is_dispatched_with_destination_from_and_to_and_reads_only() -> None:
    for path in (WORKFLOW, TEMPLATE):
        workflow, job = _job(path)
        # PyYAML reads the bare key `on` as the boolean True.
        triggers = workflow.get("on", workflow.get(True))
        assert set(triggers) == {"workflow_dispatch"}
        assert set(triggers["workflow_dispatch"]["inputs"]) == {"destination", "from", "to"}
        assert workflow["permissions"] == {"contents": "read"}
        step = next(step for step in job["steps"] if step.get("name") == "Validate")
        assert "${{" not in step["run"], "inputs go through env, never into the script"
        assert "$GITHUB_STEP_SUMMARY" in step["run"]
        upload = next(step for step in job["steps"] if "upload-artifact" in step.get("uses", ""))
        assert upload["if"] == "${{ !cancelled() }}" and upload["with"]["path"] == "reports/"


@pytest.mark.slow
def test_the_validate_step_writes_the_summary_and_fails_on_no_go(tmp_path: Path) -> None:
    _, job = _job(WORKFLOW)
    script = next(step for step in job["steps"] if step.get("name") == "Validate")["run"]
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DESTINATION": "productCatalog",
        "FROM_VERSION": "v2",
        "TO_VERSION": "v3",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    # A checkout: the repository's targets.toml in the working directory, where `reports` lands too.
    (tmp_path / "targets.toml").write_text((ROOT / "targets.toml").read_text(encoding="utf-8"))
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n# destwatch validate: productCatalog v2 → v3: **NO-GO**")
    assert "property-renamed:products.brand->brandName" in text
    assert (tmp_path / "reports" / "validation" / "productCatalog-v2-v3.junit.xml").is_file()
    # The job's log ends with the verdict (the suites' console is a file beside their reports), and the
    # uploaded reports hold its page.
    assert done.stdout.splitlines()[-1] == "productCatalog v2 → v3: NO-GO (exit 1)"
    assert (tmp_path / "reports" / "validation" / "index.html").is_file()
