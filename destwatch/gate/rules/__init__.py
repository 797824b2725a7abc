"""Filter semantics for Occtoo destinations: the endpoint model read from each version's OpenAPI document,
seeded query generators over sampled data, and the rules (oracles) the shape and filters suites enforce.

Modules: `model` (document -> EndpointModel), `queries` (logical LogicalQuery -> GET/POST), `probe` (budgeted,
concurrent sending), `session` (per-suite state), `generators` and `plans` (values to query with),
`oracles` (one pure function per rule), `checks` (oracle result -> ContractViolation), `versions`
(what two versions both declare, and how their documents differ).
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
