"""Evidence for people: Allure labels and attachments, and redaction of everything pytest reports.

Redaction runs as the innermost `pytest_runtest_makereport` wrapper, so JUnit, Allure and the terminal
all see masked text.
"""

from __future__ import annotations

import allure
import pytest

from destwatch.failures import ContractViolation
from destwatch.redact import redact

__all__ = ["attach_violation", "label", "redact_exception", "redact_report"]


def label(*, destination: str, version: str, suite: str) -> None:
    """Allure labels of a destwatch item: destination, version and suite."""
    allure.dynamic.label("destination", destination)
    allure.dynamic.label("version", version)
    allure.dynamic.label("suite", suite)
    allure.dynamic.parent_suite(f"{destination}/{version}")


def attach_violation(violation: ContractViolation) -> None:
    """The request (as a redacted curl) and the response body of a violation, attached to Allure."""
    if violation.request:
        allure.attach(violation.request, name="request (curl)", attachment_type=allure.attachment_type.TEXT)
    if violation.status is not None:
        allure.attach(
            violation.response_body or "(empty body)",
            name=f"response {violation.status}",
            attachment_type=allure.attachment_type.JSON
            if violation.response_body.startswith(("{", "["))
            else allure.attachment_type.TEXT,
        )


def redact_report(report: pytest.TestReport) -> None:
    if report.longrepr is not None:
        text = str(report.longrepr)
        masked = redact(text)
        if masked != text:
            report.longrepr = masked
    report.sections = [(title, redact(content)) for title, content in report.sections]


def redact_exception(exc: BaseException) -> None:
    """Mask secrets in an exception's arguments in place (Allure reads the message from it later)."""
    try:
        exc.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in exc.args)
    except (AttributeError, TypeError):
        return
