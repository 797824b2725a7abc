"""The status site on disk: `index.html`, `versions/<version>.html`, `badges/<version>-*.svg`."""

from __future__ import annotations

from pathlib import Path

from destwatch._files import write_atomic
from destwatch.status.badges import version_badges
from destwatch.status.model import Status
from destwatch.status.page import detail_page, status_page

__all__ = ["write_site"]


def write_site(status: Status, out: Path) -> list[Path]:
    """Write every page and badge of `status` under `out` (each file atomically); the files written."""
    written: list[Path] = []

    def write(path: Path, content: str) -> None:
        write_atomic(path, content)
        written.append(path)

    write(out / "index.html", status_page(status))
    for version in status.versions:
        write(out / "versions" / f"{version.slug}.html", detail_page(version, status))
        for name, svg in version_badges(version).items():
            write(out / "badges" / name, svg)
    return written
