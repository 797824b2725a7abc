"""Contract violations: the one finding type every suite raises, rendered the same way everywhere."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

import httpx

from destwatch._files import json_or_none
from destwatch.redact import curl, redact

__all__ = [
    "BudgetSpent",
    "ContractViolation",
    "ExpectationWarning",
    "NotChecked",
    "ResponseTimeout",
    "expect_or_warn",
    "violation",
]

_BODY_EXCERPT = 600


class ContractViolation(AssertionError):
    """A clause of the destination contract that a response broke.

    It is an `AssertionError`, so pytest reports it as a test failure (not an error), and its text is the
    clause first, then the detail, the request as a redacted curl and the smallest counterexample.
    """

    def __init__(
        self,
        clause: str,
        *,
        detail: str = "",
        request: str = "",
        counterexample: Sequence[str] = (),
        status: int | None = None,
        response_body: str = "",
    ) -> None:
        self.clause = clause
        self.detail = redact(detail)
        self.request = request
        self.counterexample = [redact(line) for line in counterexample]
        self.status = status
        self.response_body = redact(response_body)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [self.clause]
        if self.detail:
            lines += [f"  {line}" for line in self.detail.splitlines()]
        if self.request:
            lines += ["Request:", f"  {self.request}"]
        if self.status is not None:
            excerpt = self.response_body[:_BODY_EXCERPT]
            lines += [f"Response: {self.status}", f"  {excerpt}" if excerpt else "  (empty body)"]
        if self.counterexample:
            lines += ["Counterexample:"] + [f"  {line}" for line in self.counterexample]
        return "\n".join(lines)


class ExpectationWarning(UserWarning):
    """A break of one of destwatch's own expectations that the target has not made a rule."""


def expect_or_warn(found: ContractViolation, *, rule: bool, setting: str) -> None:
    """Raise `found` where the target made the expectation a rule; else report it as a warning.

    Our own expectations (where Occtoo's public contract is silent) never fail a destination whose owner
    has not switched them on: `setting` names the key that does.
    """
    if rule:
        raise found
    warnings.warn(
        ExpectationWarning(
            f"{found.render()}\n(destwatch's own expectation, not Occtoo's documented contract: set "
            f"{setting} in targets.toml to make it a rule, or to stop checking it)"
        ),
        stacklevel=2,
    )


class NotChecked(Exception):
    """A rule that could not be checked here, with the reason: reported as skipped, never as passed.

    `kind` tells reports apart: "not-applicable" (the document or the data gives no way to check the
    rule) or "budget" (the request budget ran out first; counted as "not checked: budget").
    """

    kind = "not-applicable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BudgetSpent(NotChecked):
    """The suite's request budget for the endpoint is spent; the rule is not checked."""

    kind = "budget"


class ResponseTimeout(ContractViolation):
    """No answer within the target's timeout: a hanging destination fails the gate instead of stalling it."""

    def __init__(self, request: httpx.Request, timeout: float, *, kind: str = "read") -> None:
        super().__init__(
            f"a response arrives within the request timeout ({timeout:g} s)",
            detail=f"no complete answer after {timeout:g} s ({kind} timeout); raise `timeout` in "
            "targets.toml if this destination is known to be slow",
            request=curl(request),
        )


def violation(
    clause: str,
    response: httpx.Response | None = None,
    *,
    detail: str = "",
    counterexample: Sequence[str] | str = (),
    body: Any = None,
) -> ContractViolation:
    """Build the violation for `clause`, taking the request and status from `response`.

    `body` is the JSON body that was sent, when the request's own content is not at hand.
    Raise the result: `raise violation("must: every result has an asked value", response, ...)`.
    """
    lines = [counterexample] if isinstance(counterexample, str) else list(counterexample)
    if response is None:
        return ContractViolation(clause, detail=detail, counterexample=lines)
    return ContractViolation(
        clause,
        detail=detail,
        request=curl(response.request, body=body),
        counterexample=lines,
        status=response.status_code,
        response_body=_body_text(response),
    )


def _body_text(response: httpx.Response) -> str:
    data = json_or_none(response)
    return response.text if data is None else json.dumps(data, ensure_ascii=False)
