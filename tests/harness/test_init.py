"""`destwatch init`: a repository gets targets.toml, the CI workflows and a .gitignore line, asking nothing;
existing files are kept unless --force; the generated workflows pass the same linting as ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.gate import EXAMPLE_TARGETS
from destwatch.run import Run, RunOptions

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _init(folder: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["init", str(folder), *args])
    return result.exit_code, result.output


def test_init_writes_targets_workflow_and_gitignore_in_an_empty_repository(tmp_path: Path) -> None:
    code, output = _init(tmp_path)
    assert code == 0, output
    assert (tmp_path / "targets.toml").read_text() == EXAMPLE_TARGETS.read_text()
    for name in ("destwatch-gate.yml", "destwatch-validate.yml"):
        workflow = (tmp_path / ".github" / "workflows" / name).read_text()
        assert 'pip install "destwatch==' in workflow and "__DESTWATCH_VERSION__" not in workflow
    assert (tmp_path / ".gitignore").read_text() == "reports/\n"
    # What it writes works as is: valid targets, and `${...}` placeholders only in comments.
    assert len(Run.check(RunOptions(targets=tmp_path / "targets.toml"))) == 4
    assert 'client_secret = "${MYDESTINATION_V1_CLIENT_SECRET}"' in (tmp_path / "targets.toml").read_text()


def test_init_refuses_to_overwrite_without_force_and_keeps_the_gitignore(tmp_path: Path) -> None:
    (tmp_path / "targets.toml").write_text("# mine\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    code, output = _init(tmp_path)
    assert code == 2 and "targets.toml already exist" in output and "--force" in output
    assert (tmp_path / "targets.toml").read_text() == "# mine\n"
    assert not (tmp_path / ".github").exists()
    code, output = _init(tmp_path, "--force")
    assert code == 0 and (tmp_path / "targets.toml").read_text() == EXAMPLE_TARGETS.read_text()
    assert (tmp_path / ".gitignore").read_text() == "build/\nreports/\n"
    _init(tmp_path, "--force")
    assert (tmp_path / ".gitignore").read_text() == "build/\nreports/\n"


def test_the_repository_targets_are_what_init_writes() -> None:
    assert (ROOT / "targets.toml").read_text() == EXAMPLE_TARGETS.read_text()


@pytest.mark.parametrize("tool", ["check-jsonschema", "zizmor"])
def test_generated_workflows_pass_the_same_linting_as_ours(tmp_path: Path, tool: str) -> None:
    _init(tmp_path)
    workflows = sorted((tmp_path / ".github" / "workflows").glob("*.yml"))
    assert workflows
    for workflow in workflows:
        args = (
            ["--builtin-schema", "vendor.github-workflows", str(workflow)]
            if tool == "check-jsonschema"
            else ["--offline", "--no-progress", str(workflow)]
        )
        done = subprocess.run(
            [str(BIN / tool), *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_version_is_the_package_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"destwatch {version('destwatch')}"
