"""Contract violations: the one finding type every suite raises, rendered the same way everywhere."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from destwatch import notices
from destwatch._files import json_or_none
from destwatch.notices import ExpectationWarning
from destwatch.redact import curl, redact

if TYPE_CHECKING:
    from destwatch.config import VersionTarget

__all__ = [
    "AnswerCutOff",
    "AnswerTooLarge",
    "BudgetSpent",
    "ContractViolation",
    "ExpectationWarning",
    "NotChecked",
    "RedirectNotFollowed",
    "answer_digest",
    "expect_or_warn",
    "violation",
]

_BODY_EXCERPT = 600
# What a report keeps of a response body (Allure attachments, summaries): enough to read, never megabytes.
_BODY_KEPT = 65_536


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
        self.response_body = redact(_kept(response_body))
        # The setting that makes this clause a rule, when it is an expectation of ours (not Occtoo's).
        self.rule = ""
        # The counterexample's kinds, when the raiser knows them better than the request does (see
        # destwatch.gate.findings): they decide which findings are one defect.
        self.shape: tuple[str, ...] | None = None
        super().__init__(self.render())

    def made_a_rule_by(self, setting: str) -> ContractViolation:
        """This violation, saying which setting makes its clause a rule."""
        self.rule = setting
        self.args = (self.render(),)
        return self

    def render(self) -> str:
        lines = [self.clause]
        if self.detail:
            lines += [f"  {line}" for line in self.detail.splitlines()]
        if self.rule:
            lines.append(f"  (destwatch's own expectation, a rule because of {self.rule} in targets.toml)")
        if self.request:
            lines += ["Request:", f"  {self.request}"]
        if self.status is not None:
            excerpt = self.response_body[:_BODY_EXCERPT]
            lines += [f"Response: {self.status}", f"  {excerpt}" if excerpt else "  (empty body)"]
        if self.counterexample:
            lines += ["Counterexample:"] + [f"  {line}" for line in self.counterexample]
        return "\n".join(lines)


def expect_or_warn(
    found: ContractViolation, *, rule: bool, setting: str, target: VersionTarget | None = None
) -> None:
    """Raise `found` where the target made the expectation a rule; else report it as a warning.

    Our own expectations (where Occtoo's public contract is silent) never fail a destination whose owner
    has not switched them on. `setting` starts with the key that does (`"token_errors_are_4xx = true"`); a
    failure names it, and with `target`, the table of targets.toml that set it.
    """
    if rule:
        key = setting.split()[0]
        where = f" at {target.source_of(key)}" if target is not None else ""
        raise found.made_a_rule_by(f"{setting} (set{where})")
    notices.warn(
        found.clause,
        setting=setting,
        detail=found.detail,
        request=found.request,
        counterexample=found.counterexample,
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


class AnswerCutOff(ContractViolation):
    """The answer began but the connection closed (or was reset) before its end.

    `request` is the request as a redacted curl command (both transports build one).
    """

    def __init__(self, request: str, received: int | None = None) -> None:
        after = f" after {received} bytes" if received is not None else ""
        super().__init__(
            "every answer arrives whole",
            detail=f"the answer was cut off{after}: the connection closed mid-answer",
            request=request,
        )


class AnswerTooLarge(ContractViolation):
    """The answer is larger than the target's `max_response_bytes`; it was not read further."""

    def __init__(self, request: str, limit: int) -> None:
        super().__init__(
            f"an answer is at most max_response_bytes long (larger than {_size(limit)})",
            detail=f"the answer is larger than {_size(limit)} (max_response_bytes = {limit}); it was not "
            "read further. Raise max_response_bytes in targets.toml if such answers are expected",
            request=request,
        )


class RedirectNotFollowed(ContractViolation):
    """A 3xx answer: destwatch follows no redirect (credentials must never travel to another place)."""

    def __init__(self, response: httpx.Response) -> None:
        location = response.headers.get("Location", "(no Location)")
        super().__init__(
            f"answers come from the destination itself, not a redirect ({response.status_code})",
            detail=f"answered {response.status_code} with a redirect to {location}; destwatch does not "
            "follow redirects, so no token or secret leaves for another address",
            request=curl(response.request),
            status=response.status_code,
        )


def _size(limit: int) -> str:
    return f"{limit / 1_048_576:g} MB" if limit >= 1_048_576 else f"{limit} bytes"


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


def answer_digest(status: int | None, body: str | httpx.Response) -> str:
    """A fingerprint of an answer as a violation keeps it (`ContractViolation.status` and
    `.response_body`, or the response itself): whether a replay's answer is the one a finding recorded."""
    kept = body if isinstance(body, str) else redact(_kept(_body_text(body)))
    return hashlib.sha256(f"{status}\n{kept}".encode()).hexdigest()[:16]


def _kept(body: str) -> str:
    if len(body) <= _BODY_KEPT:
        return body
    return f"{body[:_BODY_KEPT]}\n… (cut at {_BODY_KEPT // 1024} KB of {len(body)} characters)"


def _body_text(response: httpx.Response) -> str:
    data = json_or_none(response)
    return response.text if data is None else json.dumps(data, ensure_ascii=False)
