"""destwatch as people install it: a wheel built from this checkout, a fresh virtual environment, an empty
folder of the user's own. `destwatch init`, the gate on the embedded reference, a user's own suite using
destwatch's fixtures through plain pytest, with no conftest of ours anywhere near, and the gate on the user's
own destination configured from the file `init` wrote. The distributions pass the release workflow's checks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kit.usertargets import NAME, user_targets

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
_MINE = """
def test_my_destination_answers_with_its_own_languages(target, client):
    response = client.get("openapi", authenticated=False)
    assert response.status_code == 200
    assert target.languages
"""


def _run(
    *command: str | Path, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**inherited, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Built from a copy: setuptools writes its egg-info and staging folder into the source tree, and another
    # worker of this session may be building the same module's fixture at the same time.
    source = tmp_path_factory.mktemp("source") / "destwatch"
    skipped = shutil.ignore_patterns(".git", ".venv", "reports", "*.egg-info", "build", "dist")
    shutil.copytree(ROOT, source, ignore=skipped)
    built = _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source, cwd=source)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment with the wheel installed (not editable): its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    made = _run(sys.executable, "-m", "venv", venv, cwd=venv)
    assert made.returncode == 0, made.stderr
    (wheel,) = dist.glob("destwatch-*.whl")
    done = _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, cwd=venv)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield venv / "bin"


def test_the_wheel_and_sdist_carry_the_suites_templates_and_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("destwatch-*.whl")
    assert list(dist.glob("destwatch-*.tar.gz"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "destwatch/suites/pytest.ini",
        "destwatch/suites/filters/test_must.py",
        "destwatch/suites/auth/conftest.py",
        "destwatch/templates/targets.toml",
        "destwatch/templates/gate.yml",
        "destwatch/reference/app.py",
        "destwatch/py.typed",
    ):
        assert path in names, path
    # Every module of the package, not a list that a new subpackage can silently fall out of.
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "destwatch").rglob("*.py")}
    assert modules - names == set()
    # Every HTML page's templates, style and script: without them no page can be written.
    pages = {path.relative_to(ROOT).as_posix() for path in (ROOT / "destwatch/pages/templates").iterdir()}
    assert pages and pages - names == set()
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    # No project URL until the project owns one: the headers (before the README) name none.
    assert re.search(r"https?://", text.split("\n\n", 1)[0]) is None
    assert "Classifier: Framework :: Pytest" in text and "# destwatch" in text  # the README as description
    entry_points = zipfile.ZipFile(wheel).read(metadata.replace("METADATA", "entry_points.txt")).decode()
    assert "[pytest11]" in entry_points and "destwatch.gate.plugin.hooks" in entry_points


def test_the_distributions_pass_the_release_workflows_checks(dist: Path, tmp_path: Path) -> None:
    steps = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())["jobs"]["build"]["steps"]
    tag_check = next(step["run"] for step in steps if step.get("name") == "The tag is the version")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    (tmp_path / "dist").symlink_to(dist)  # the step reads dist/, as `python -m build` writes it
    env = {**os.environ, "TAG": f"v{version}"}
    tagged = subprocess.run(
        ["bash", "-e", "-c", tag_check], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert tagged.returncode == 0, tagged.stdout
    checked = _run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()), cwd=dist)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_installed_destwatch_works_in_an_empty_folder_of_the_users_own(
    installed: Path, tmp_path: Path
) -> None:
    project = tmp_path / "my-repo"
    project.mkdir()
    version = _run(installed / "destwatch", "--version", cwd=project)
    assert version.returncode == 0 and version.stdout.startswith("destwatch 0."), version.stderr

    # With no targets.toml of the user's, the built-in example runs, and the output says so.
    first = _run(installed / "destwatch", "run", "--suite", "smoke", cwd=project)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "using the built-in example" in first.stderr

    init = _run(installed / "destwatch", "init", cwd=project)
    assert init.returncode == 0, init.stderr
    assert (project / "targets.toml").is_file() and (
        project / ".github/workflows/destwatch-gate.yml"
    ).is_file()
    assert "reports/" in (project / ".gitignore").read_text()
    # A local wheel is no source CI can reach: init says so, and the workflows' install step stops.
    assert "note: destwatch was installed from file://" in init.stderr and "DESTWATCH_INSTALL" in init.stderr
    workflow = yaml.safe_load((project / ".github/workflows/destwatch-gate.yml").read_text())
    install = next(
        step["run"] for step in workflow["jobs"]["gate"]["steps"] if step["name"] == "Install destwatch"
    )
    stopped = _run("bash", "-e", "-c", install, cwd=project)
    assert stopped.returncode == 1 and workflow["env"] == {"DESTWATCH_INSTALL": ""}
    assert stopped.stdout.startswith("::error::Set DESTWATCH_INSTALL at the top of this workflow")

    gate = _run(installed / "destwatch", "run", "--suite", "smoke", cwd=project)
    assert gate.returncode == 0, gate.stdout[-3000:] + gate.stderr[-3000:]
    assert "built-in example" not in gate.stderr and (project / "reports" / "summary.json").is_file()

    # Their suites beside ours: plain pytest picks the plugin up by entry point.
    (project / "contract").mkdir()
    (project / "contract" / "test_mine.py").write_text(_MINE, encoding="utf-8")
    mine = _run(installed / "pytest", "contract", "-p", "no:cacheprovider", cwd=project)
    assert mine.returncode == 0, mine.stdout[-3000:] + mine.stderr[-3000:]
    assert "4 passed" in mine.stdout

    both = _run(
        installed / "destwatch",
        "run",
        "--suites",
        "contract",
        "--suite",
        "contract",
        "--suite",
        "smoke",
        cwd=project,
    )
    assert both.returncode == 0, both.stdout[-3000:] + both.stderr[-3000:]
    summary = (project / "reports" / "summary.json").read_text()
    assert '"suite": "contract"' in summary and '"suite": "smoke"' in summary


def test_a_new_users_whole_path_from_the_wheel_to_their_own_destination(
    installed: Path, tmp_path: Path
) -> None:
    """Installed from the wheel, `init` in an empty folder, the "your destination" block filled in for a
    destination served at a URL (a variant no one here configured for): the gate passes and its warnings
    are in summary.json; the same setup with a documented-contract fault fails, naming the clause."""
    project = tmp_path / "their-repo"
    project.mkdir()
    assert _run(installed / "destwatch", "init", cwd=project).returncode == 0
    template = (project / "targets.toml").read_text()

    def gate(*served: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        with _served(installed, *served) as url:
            text, env = user_targets(template, url, max_rps=1000.0)
            (project / "targets.toml").write_text(text)
            run = _run(installed / "destwatch", "run", "--target", NAME, cwd=project, env=env)
        return run, json.loads((project / "reports" / "summary.json").read_text())

    passed, summary = gate("--variant", "nothing-localized")
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    warned = {warning["setting"] for warning in summary["warnings"]}
    assert "localized_properties" in warned and summary["totals"]["warnings"] == len(summary["warnings"])
    assert "localized_properties" in passed.stdout  # the terminal names the setting too

    failed, summary = gate("--fault", "empty-results-null")
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert "empty results: a query that matches nothing" in failed.stdout
    assert summary["result"] == "contract violations"


@contextlib.contextmanager
def _served(installed: Path, *args: str) -> Iterator[str]:
    """`destwatch serve ARGS` on a free port, as a user would start it; its URL from the banner."""
    server = subprocess.Popen(
        [str(installed / "destwatch"), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()  # printed once it accepts connections
        found = re.search(r" at (http://127\.0\.0\.1:\d+)", banner)
        assert found, banner
        yield found.group(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
