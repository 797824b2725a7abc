"""destwatch: contract testing and monitoring for Occtoo destination APIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("destwatch")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"
