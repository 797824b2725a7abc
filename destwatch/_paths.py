"""Paths as a person reads them in a terminal: relative to the working folder when they lie under it,
absolute otherwise (never `../venv/lib/...`, which says where from only to whoever knows the cwd)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["shown_path"]


def shown_path(path: Path | str) -> str:
    """`path` relative to the working folder when it is inside it, else absolute."""
    # Both resolved: the working folder is (a symlinked /tmp, a `..` in a --reports argument).
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)
