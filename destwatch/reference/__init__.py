"""The reference destination: a faithful local Occtoo destination with seeded faults.

`create_app(...)` builds the Starlette app, `serve_in_thread(app)` serves it on loopback, `FAULTS` is the
seeded-fault catalogue, `VARIANTS` the document variants, `CANDIDATES` the candidate versions
(`candidate_customer(...)` adds productCatalog v4) and `REFERENCE` the configured customer (ids and demo
applications).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from destwatch.reference.app import create_app
    from destwatch.reference.candidates import CANDIDATES, Candidate, CandidateSwitch, candidate_customer
    from destwatch.reference.faults import FAULTS, Fault, FaultSwitch
    from destwatch.reference.model import (
        REFERENCE,
        Application,
        Customer,
        Destination,
        Endpoint,
        Facet,
        OAuthApplication,
        Property,
        Style,
        Surface,
        Version,
    )
    from destwatch.reference.server import RunningServer, ServerStartError, serve_forever, serve_in_thread
    from destwatch.reference.variants import VARIANTS, Variant

__all__ = [
    "CANDIDATES",
    "FAULTS",
    "REFERENCE",
    "VARIANTS",
    "Application",
    "Candidate",
    "CandidateSwitch",
    "Customer",
    "Destination",
    "Endpoint",
    "Facet",
    "Fault",
    "FaultSwitch",
    "OAuthApplication",
    "Property",
    "RunningServer",
    "ServerStartError",
    "Style",
    "Surface",
    "Variant",
    "Version",
    "candidate_customer",
    "create_app",
    "serve_forever",
    "serve_in_thread",
]

# Each name from its module on first use, so importing one submodule (the run reads the catalogues) does not
# load Starlette and uvicorn, which only serving needs.
_EXPORTS = {
    "app": ("create_app",),
    "candidates": ("CANDIDATES", "Candidate", "CandidateSwitch", "candidate_customer"),
    "faults": ("FAULTS", "Fault", "FaultSwitch"),
    "model": (
        "REFERENCE",
        "Application",
        "Customer",
        "Destination",
        "Endpoint",
        "Facet",
        "OAuthApplication",
        "Property",
        "Style",
        "Surface",
        "Version",
    ),
    "server": ("RunningServer", "ServerStartError", "serve_forever", "serve_in_thread"),
    "variants": ("VARIANTS", "Variant"),
}
_HOMES = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
