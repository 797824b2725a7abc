"""`destwatch init`: the files a repository needs to run destwatch, written without asking anything.

A commented targets.toml (the embedded reference, so the first run works at once, and a real destination
to uncomment with `${...}` placeholders for its credentials), the CI workflows (the gate on every push, the
uptime monitor every 15 minutes), and a `.gitignore` line for the reports. Existing files are never
overwritten unless `force`. The workflows install the destwatch that wrote them, from the same source
(see `install_source`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import destwatch.templates
from destwatch.install_source import InstallSource, install_source

__all__ = ["Scaffold", "scaffold"]

_TEMPLATES = Path(destwatch.templates.__file__).resolve().parent
# destination in the repository -> template
_FILES = {
    Path("targets.toml"): "targets.toml",
    Path(".github/workflows/destwatch-gate.yml"): "gate.yml",
    Path(".github/workflows/destwatch-validate.yml"): "validate.yml",
    Path(".github/workflows/destwatch-uptime.yml"): "uptime.yml",
}
_IGNORED = ("reports/",)


@dataclass(frozen=True)
class Scaffold:
    """What `scaffold` wrote (or would refuse to overwrite)."""

    written: tuple[Path, ...]
    existing: tuple[Path, ...]
    gitignore_added: tuple[str, ...]
    install: InstallSource


def scaffold(folder: Path, *, force: bool = False) -> Scaffold:
    """Write the files into `folder`; when any exists and not `force`, write nothing and say which."""
    install = install_source()
    existing = tuple(path for path in _FILES if (folder / path).exists())
    if existing and not force:
        return Scaffold((), existing, (), install)
    # A JSON string is a YAML double-quoted scalar: any requirement stays one value. Empty (no source CI
    # can reach) makes the workflows' install step stop, saying what to set.
    value = json.dumps(install.requirement)
    for path, template in _FILES.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (_TEMPLATES / template).read_text(encoding="utf-8")
        target.write_text(text.replace("__DESTWATCH_INSTALL__", value), encoding="utf-8")
    return Scaffold(tuple(_FILES), existing, _ignore_reports(folder / ".gitignore"), install)


def _ignore_reports(gitignore: Path) -> tuple[str, ...]:
    lines = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
    added = tuple(line for line in _IGNORED if line not in lines)
    if added:
        text = "\n".join([*lines, *added]) + "\n"
        gitignore.write_text(text, encoding="utf-8")
    return added
