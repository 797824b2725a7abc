"""The exit codes of every destwatch command, in one place."""

from __future__ import annotations

import enum
from collections.abc import Iterable

__all__ = ["ExitCode"]


class ExitCode(enum.IntEnum):
    """What a destwatch command's exit status means.

    When several apply, the most urgent wins: ERROR over UNREACHABLE over VIOLATIONS over UNPROVEN. A run
    stopped by a signal exits as shells expect (128 + the signal number).
    """

    OK = 0
    """Every check passed (the gate), the candidate is a go (validate), nothing is down (monitor)."""
    VIOLATIONS = 1
    """The destination broke its contract (and only that)."""
    USAGE = 2
    """targets.toml, the command line or the environment is wrong; nothing was tested."""
    UNREACHABLE = 3
    """A destination version could not be reached at all; the others still ran."""
    ERROR = 4
    """destwatch itself failed: a bug to report, never the destination's fault."""
    UNPROVEN = 5
    """Every check passed, but the run proved less of a version's contract than its owners' bar
    (`min_proven`, `require_proven`): the data could not test enough, nothing was found broken."""
    INTERRUPTED = 130
    """Stopped by SIGINT (Ctrl+C); the reports hold what ran."""
    TERMINATED = 143
    """Stopped by SIGTERM; the reports hold what ran."""

    @classmethod
    def most_urgent(cls, codes: Iterable[int]) -> ExitCode:
        """The code that speaks for several (shards of one run): a signal, then ERROR, USAGE, UNREACHABLE,
        VIOLATIONS, UNPROVEN, and OK only when all are."""
        found = {cls(code) for code in codes}
        return next((code for code in _URGENCY if code in found), cls.OK)

    @property
    def verdict(self) -> str:
        """The word reports use for this outcome."""
        return _VERDICTS[self]


_URGENCY = (
    ExitCode.TERMINATED,
    ExitCode.INTERRUPTED,
    ExitCode.ERROR,
    ExitCode.USAGE,
    ExitCode.UNREACHABLE,
    ExitCode.VIOLATIONS,
    ExitCode.UNPROVEN,
)
_VERDICTS = {
    ExitCode.OK: "passed",
    ExitCode.VIOLATIONS: "contract violations",
    ExitCode.USAGE: "configuration error",
    ExitCode.UNREACHABLE: "target unreachable",
    ExitCode.ERROR: "destwatch error",
    ExitCode.UNPROVEN: "proved less than the bar",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.TERMINATED: "terminated",
}
