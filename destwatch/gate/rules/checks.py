"""Turning an oracle's counterexample into the one failure format (clause, redacted curl, counterexample)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from destwatch._files import json_or_none
from destwatch.failures import violation
from destwatch.gate.rules.probe import Answer
from destwatch.openapi.queries import Request

__all__ = ["expect", "json_body"]


def expect(
    counterexample: Sequence[str],
    clause: str,
    evidence: Answer | tuple[Request, httpx.Response] | None,
    *,
    detail: str = "",
) -> None:
    """Raise the violation of `clause` if the oracle found a counterexample; `evidence` names the request."""
    if not counterexample:
        return
    if isinstance(evidence, Answer):
        raise evidence.fail(
            clause, detail=detail or f"asked: {evidence.ask.describe()}", counterexample=counterexample
        )
    if evidence is None:
        raise violation(clause, detail=detail, counterexample=counterexample)
    request, response = evidence
    raise violation(clause, response, detail=detail, counterexample=counterexample, body=request.body)


def json_body(response: httpx.Response) -> Any:
    """The parsed body, or None when it is not JSON (the oracles then report the type)."""
    return json_or_none(response)
