"""What a probe cycle produces, shared by every part of the monitor: step results, verdicts, cycle reports.

The probe only produces these; judging, history, alerts, metrics and the terminal are consumers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DATA_STEPS",
    "OPTIONAL_STEPS",
    "CycleReport",
    "Outcome",
    "ProbeMemory",
    "State",
    "StepResult",
    "VersionReport",
]

# Steps that ask for data: the slowest of their answers is a cycle's latency sample (the latency SLO's).
DATA_STEPS = ("get", "post", "empty")
# Steps a spent budget defers, in the order they run when none has waited longer than another.
OPTIONAL_STEPS = ("no-token", "empty", "token-errors", "consumer")


class Outcome(enum.StrEnum):
    """How one step of one cycle went."""

    OK = "ok"
    WARN = "warn"
    """Answered as it must, with something that degrades the version (document drift, a certificate due)."""
    FAILED = "failed"
    NOT_APPLICABLE = "not-applicable"
    """The document (or the URL scheme) gives no way to run the step: never a failure."""
    DEFERRED = "deferred"
    """The cycle's request budget was spent first; the step runs first next cycle."""
    NOT_RUN = "not-run"
    """Not sent this cycle, with the reason: no token, no document, not due yet, stopped."""


class State(enum.StrEnum):
    """A destination version's state after one cycle."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    THROTTLED = "throttled"
    """Every failure was a 429 that outlasted its Retry-After: the destination answers, not to this client."""
    MAINTENANCE = "maintenance"
    """Inside a maintenance window: recorded, never counted against an SLO, never alerted on."""


@dataclass(frozen=True)
class StepResult:
    """One step of one cycle for one destination version.

    `endpoint` is "" for version-wide steps (document, token, token-errors, tls). `latency` is the seconds
    the answer took (None without an answer), `detail` the words a person reads, `facts` what consumers
    need besides (the document hash and changed paths, the token expiry, the certificate days left).
    """

    step: str
    outcome: Outcome
    detail: str = ""
    endpoint: str = ""
    method: str = ""
    latency: float | None = None
    status: int | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How reasons name the step: `document`, `products GET`, `no-token (products POST)`."""
        request = " ".join(part for part in (self.endpoint, self.method) if part)
        if self.step in ("get", "post"):
            return request
        return f"{self.step} ({request})" if request else self.step


@dataclass(frozen=True)
class VersionReport:
    """One destination version in one cycle: its steps, the verdict and what the cycle cost."""

    target: str
    destination: str
    version: str
    state: State
    reasons: tuple[str, ...]
    steps: tuple[StepResult, ...]
    requests: int
    budget: int
    duration: float
    latency: float | None
    """The slowest data answer of the cycle (GET, POST, matches-nothing): the latency SLO's sample."""
    token_expires_at: float | None = None
    """Wall-clock time the current token expires (protected versions with a token)."""
    tls_expires_at: float | None = None
    document_changed: bool = False

    def step(self, name: str, endpoint: str = "") -> StepResult | None:
        return next(
            (s for s in self.steps if s.step == name and (not endpoint or s.endpoint == endpoint)), None
        )


@dataclass(frozen=True)
class CycleReport:
    """One cycle over every selected destination version."""

    started: float
    """Wall-clock time the cycle started (what the history records)."""
    versions: tuple[VersionReport, ...]
    duration: float
    interrupted: bool = False

    @property
    def down(self) -> tuple[VersionReport, ...]:
        return tuple(v for v in self.versions if v.state is State.DOWN)


@dataclass
class ProbeMemory:
    """What a version's probe remembers between cycles; the history keeps it across restarts."""

    document_hash: str | None = None
    document_text: str | None = None
    """The last valid document, normalized and redacted."""
    last_run: dict[str, float] = field(default_factory=dict)
    """Optional step -> wall time it last ran (for deferral order and once-per-lifetime steps)."""
    failing: dict[str, str] = field(default_factory=dict)
    """Optional step -> why it failed when it last ran: carried while the step is not re-sent, so a version
    is never up merely because the step that fails waited for its turn."""
    throttled_until: float | None = None
    """Wall time before which nothing is sent: the last 429's Retry-After, not yet honoured (kept in the
    history, so `--once` from cron honours it too)."""
