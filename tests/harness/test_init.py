"""`destwatch init`: a repository gets targets.toml, the CI workflows and a .gitignore line, asking nothing;
existing files are kept unless --force; the generated workflows pass the same linting as ours, install the
destwatch that wrote them from the same source (or stop, saying what to set), and name no URL of ours."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import Distribution, PackageNotFoundError
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from destwatch.run import Run, RunOptions
from typer.testing import CliRunner

import destwatch.install_source
import destwatch.scaffold
from destwatch.cli import app
from destwatch.gate.runner import EXAMPLE_TARGETS
from destwatch.install_source import InstallSource, install_source

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMMIT = "4f0c1d2e3b4a59687766554433221100ffeeddcc"
# The install sources `destwatch init` can meet, as direct_url.json says them (None: no such file).
SOURCES: dict[str, dict[str, Any] | None] = {
    "index": None,
    "vcs": {
        "url": "https://git.example.test/team/destwatch.git",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT},
    },
    "local-wheel": {"url": "file:///home/me/dist/destwatch-1.2.3-py3-none-any.whl", "archive_info": {}},
    "editable": {"url": "file:///home/me/destwatch", "dir_info": {"editable": True}},
    "local-clone": {"url": "file:///home/me/destwatch", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
}
REQUIREMENTS = {
    "index": "destwatch==1.2.3",
    "vcs": f"destwatch @ git+https://git.example.test/team/destwatch.git@{COMMIT}",
    "local-wheel": "",
    "editable": "",
    "local-clone": "",
}


class _Installed(Distribution):
    """An installed destwatch 1.2.3 whose direct_url.json is `direct_url` (absent when None)."""

    def __init__(self, direct_url: dict[str, Any] | None) -> None:
        self._direct_url = direct_url

    def read_text(self, filename: str) -> str | None:
        if filename == "METADATA":
            return "Metadata-Version: 2.4\nName: destwatch\nVersion: 1.2.3\n"
        if filename == "direct_url.json" and self._direct_url is not None:
            return json.dumps(self._direct_url)
        return None

    def locate_file(self, path: str | os.PathLike[str]) -> Path:
        raise NotImplementedError


def _init(folder: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["init", str(folder), *args])
    return result.exit_code, result.output


def test_init_writes_targets_workflow_and_gitignore_in_an_empty_repository(tmp_path: Path) -> None:
    code, output = _init(tmp_path)
    assert code == 0, output
    assert (tmp_path / "targets.toml").read_text() == EXAMPLE_TARGETS.read_text()
    for name in ("destwatch-gate.yml", "destwatch-validate.yml", "destwatch-uptime.yml"):
        workflow = (tmp_path / ".github" / "workflows" / name).read_text()
        assert "DESTWATCH_INSTALL: " in workflow and "__DESTWATCH_INSTALL__" not in workflow
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


@pytest.mark.parametrize("source", SOURCES)
def test_install_source_is_where_the_running_destwatch_came_from(source: str) -> None:
    found = install_source(_Installed(SOURCES[source]))
    assert found.requirement == REQUIREMENTS[source]
    if not found.requirement:
        assert "file:///home/me/" in found.reason and "CI cannot reach" in found.reason


def test_install_source_keeps_a_subdirectory_and_an_archives_hash() -> None:
    vcs = {**(SOURCES["vcs"] or {}), "subdirectory": "python"}
    assert install_source(_Installed(vcs)).requirement == REQUIREMENTS["vcs"] + "#subdirectory=python"
    archive = {
        "url": "https://files.example.test/destwatch-1.2.3.tar.gz",
        "archive_info": {"hashes": {"sha256": "ab12"}},
    }
    assert install_source(_Installed(archive)).requirement == (
        "destwatch @ https://files.example.test/destwatch-1.2.3.tar.gz#sha256=ab12"
    )


def test_install_source_of_a_never_installed_source_tree_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> Distribution:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(destwatch.install_source, "distribution", missing)
    assert install_source() == InstallSource("", "destwatch runs from a source tree that was never installed")


def _init_from(source: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`destwatch init` as if this destwatch had been installed from `source`: what it printed."""
    monkeypatch.setattr(
        destwatch.scaffold, "install_source", lambda: install_source(_Installed(SOURCES[source]))
    )
    code, output = _init(folder)
    assert code == 0, output
    return output


def _install_step(workflow: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Every job's install step, run as GitHub runs it (bash -e, the workflow's env), with a `python` that
    prints what it was asked to install instead of installing it."""
    parsed = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    scripts = {
        step["run"]
        for job in parsed["jobs"].values()
        for step in job["steps"]
        if step.get("name") == "Install destwatch"
    }
    (script,) = scripts  # one install step, the same in every job
    fake = tmp_path / "fake-bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text('#!/bin/sh\necho "python $*"\n', encoding="utf-8")
    (fake / "python").chmod(0o755)
    env = {**os.environ, **parsed["env"], "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=30, check=False
    )


@pytest.mark.parametrize("source", SOURCES)
def test_generated_workflows_install_the_same_destwatch_or_stop_saying_what_to_set(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _init_from(source, tmp_path / "repo", monkeypatch)
    workflows = sorted((tmp_path / "repo" / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) == 3
    requirement = REQUIREMENTS[source]
    for workflow in workflows:
        done = _install_step(workflow, tmp_path)
        if requirement:
            assert done.returncode == 0 and done.stdout == f"python -m pip install {requirement}\n", (
                done.stderr
            )
        else:
            # One line, in GitHub's error format, saying what to set.
            assert done.returncode == 1 and done.stdout.count("\n") == 1, done.stdout
            assert done.stdout.startswith(
                "::error::Set DESTWATCH_INSTALL at the top of this workflow to a pip"
            )
    if requirement:
        assert f"the workflows install {requirement}" in output and "note:" not in output
    else:
        assert "note: destwatch was installed from file:///home/me/" in output
        assert "set DESTWATCH_INSTALL at the top of each to a pip requirement" in output


@pytest.mark.parametrize("source", ["index", "vcs", "editable"])
@pytest.mark.parametrize("tool", ["check-jsonschema", "zizmor"])
def test_generated_workflows_pass_the_same_linting_as_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str, source: str
) -> None:
    _init_from(source, tmp_path, monkeypatch)
    workflows = [str(path) for path in sorted((tmp_path / ".github" / "workflows").glob("*.yml"))]
    assert len(workflows) == 3
    args = (
        ["--builtin-schema", "vendor.github-workflows", *workflows]
        if tool == "check-jsonschema"
        else ["--offline", "--no-progress", *workflows]
    )
    done = subprocess.run([str(BIN / tool), *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# Every URL a generated file may name: Occtoo's own hosts. A link to a repository or package page that the
# project does not own would send users wherever its next owner likes.
_ALLOWED_HOSTS = re.compile(r"(.+\.)?occtoo\.com")


def test_nothing_init_writes_names_a_url_outside_the_allow_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _init_from("index", tmp_path, monkeypatch)
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(written) == 5
    urls = {url for path in written for url in re.findall(r"https?://[^\s\"'`<>)]+", path.read_text())}
    assert urls, "the targets.toml example names Occtoo's base URL"
    assert {url for url in urls if not _ALLOWED_HOSTS.fullmatch(urlsplit(url).hostname or "")} == set()


def test_version_is_the_package_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"destwatch {version('destwatch')}"
