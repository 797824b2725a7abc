"""The reference destination: a faithful local Occtoo destination with seeded faults.

`create_app(...)` builds the Starlette app, `serve_in_thread(app)` serves it on loopback, `FAULTS` is the
seeded-fault catalogue, `VARIANTS` the document variants, `CANDIDATES` the candidate versions
(`candidate_customer(...)` adds productCatalog v4) and `REFERENCE` the configured customer (ids and demo
applications).
"""

from __future__ import annotations

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
