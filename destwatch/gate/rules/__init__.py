"""The rules the shape and filters suites enforce, over the endpoint model and queries of
`destwatch.openapi`.

Modules: `probe` (budgeted, concurrent sending), `session` (per-suite state: samples, budgets, models),
`plans` (which values to query with), `oracles` (one pure function per rule) and `checks` (an oracle's
counterexample -> ContractViolation).
"""

from __future__ import annotations

from destwatch.gate.rules.probe import Answer, Probe, RequestBudget
from destwatch.gate.rules.session import Session
from destwatch.openapi.model import EndpointModel, endpoint_models
from destwatch.openapi.queries import LogicalQuery, Unsupported, render

__all__ = [
    "Answer",
    "EndpointModel",
    "LogicalQuery",
    "Probe",
    "RequestBudget",
    "Session",
    "Unsupported",
    "endpoint_models",
    "render",
]
