"""destwatch: contract testing and monitoring for Occtoo destination APIs."""

from __future__ import annotations

from functools import cache


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata is slow to import, and most processes never ask.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("destwatch")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "0+unknown"
