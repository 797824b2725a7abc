"""The uptime workflow, ours and the one `destwatch init` writes: every 15 minutes and on demand, the history
carried between runs in the Actions cache (restored by prefix, saved under the run id, saved even when a
version is down), the SLO report in the run's summary; linted like gate.yml (by tests/harness)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.config import load_targets
from destwatch.install_source import install_source

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "destwatch" / "templates" / "uptime.yml"
OURS = ROOT / ".github" / "workflows" / "uptime.yml"


def _steps(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return workflow, job["steps"]


@pytest.mark.parametrize("path", [OURS, TEMPLATE], ids=["ours", "template"])
def test_uptime_runs_every_15_minutes_and_keeps_its_history_in_the_cache(path: Path) -> None:
    workflow, steps = _steps(path)
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    uses = [step.get("uses", "") for step in steps]
    restore = steps[next(n for n, u in enumerate(uses) if u.startswith("actions/cache/restore@"))]
    save = steps[next(n for n, u in enumerate(uses) if u.startswith("actions/cache/save@"))]
    probe = next(n for n, step in enumerate(steps) if "destwatch monitor --once" in step.get("run", ""))
    assert uses.index(restore["uses"]) < probe < uses.index(save["uses"])
    assert restore["with"]["key"] == save["with"]["key"] == "destwatch-monitor-history-${{ github.run_id }}"
    assert restore["with"]["restore-keys"] == "destwatch-monitor-history-"
    assert restore["with"]["path"] == save["with"]["path"] == "reports/monitor.db*"
    assert save["if"] == "${{ !cancelled() }}"  # a down version fails the probe; its cycle is still kept
    report = next(step for step in steps if "--report" in step.get("run", ""))
    assert "$GITHUB_STEP_SUMMARY" in report["run"] and report["if"] == "${{ !cancelled() }}"
    for step in steps:
        if "uses" in step:
            assert len(step["uses"].split("@")[1].split()[0]) == 40, step["uses"]


@pytest.mark.parametrize("path", [OURS, TEMPLATE], ids=["ours", "template"])
def test_uptime_publishes_the_status_page_as_the_runs_artifact(path: Path) -> None:
    _, steps = _steps(path)
    runs = [step.get("run", "") for step in steps]
    status = next(n for n, run in enumerate(runs) if run.startswith("destwatch status "))
    assert "--out reports/status" in runs[status] and steps[status]["if"] == "${{ !cancelled() }}"
    upload = next(n for n, step in enumerate(steps) if "upload-artifact" in step.get("uses", ""))
    assert status < upload and steps[upload]["with"]["path"] == "reports/"


def test_init_writes_the_uptime_workflow_installing_this_destwatch(tmp_path: Path) -> None:
    # Which requirement each install source gives is tests/harness/test_init.py's.
    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = (tmp_path / ".github" / "workflows" / "destwatch-uptime.yml").read_text()
    requirement = json.dumps(install_source().requirement)
    assert f"DESTWATCH_INSTALL: {requirement}\n" in written and "__DESTWATCH_INSTALL__" not in written
    assert 'python -m pip install "$DESTWATCH_INSTALL"' in written


def test_the_commented_monitor_example_in_targets_toml_is_valid(tmp_path: Path) -> None:
    text = (ROOT / "destwatch" / "templates" / "targets.toml").read_text()
    block = text.split("# [monitor]\n", 1)[1].split("\n\n", 1)[0]
    uncommented = "[monitor]\n" + "\n".join(line.removeprefix("# ") for line in block.splitlines())
    path = tmp_path / "targets.toml"
    path.write_text(text.replace(block, "") + "\n" + uncommented + "\n", encoding="utf-8")
    settings = load_targets(path).monitor
    assert settings.webhook == "${DESTWATCH_WEBHOOK_URL}" and not settings.step_on("tls")
    assert (settings.degraded_after, settings.latency_objective, settings.renotify) == (1.0, 0.5, 3600.0)
