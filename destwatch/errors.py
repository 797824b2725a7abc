"""Tool errors: what goes wrong around the contract, never a finding about it.

```
DestwatchError
├── ConfigError          targets.toml or the command line is wrong (exit 2)
├── TargetUnreachable    a destination version cannot be reached at all (exit 3)
│   └── NoAnswer         one request got no HTTP answer: timeout, refused, DNS, TLS, reset, rate limited
├── TokenError           the token endpoint refused or answered something unusable
└── DocumentError        the OpenAPI document is missing, not JSON or not valid OpenAPI
```

Findings about the contract are `destwatch.failures.ContractViolation` (an `AssertionError`); any other
exception inside destwatch is a bug of destwatch's (exit 4), never blamed on the destination.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

__all__ = [
    "ConfigError",
    "DestwatchError",
    "DocumentError",
    "NoAnswer",
    "TargetUnreachable",
    "TokenError",
    "again",
]

_E = TypeVar("_E", bound=BaseException)


def again(exc: _E) -> _E:
    """A fresh copy of a remembered error, to raise once more: re-raising the same object would grow its
    traceback with every test that meets it."""
    fresh = type(exc).__new__(type(exc))
    fresh.__dict__.update(exc.__dict__)
    fresh.args = exc.args
    return fresh


class DestwatchError(Exception):
    """Base of every error destwatch raises about its own inputs and surroundings."""


class ConfigError(DestwatchError):
    """A configuration mistake, rendered on one line: file, line, key, what is wrong and how to fix it."""

    def __init__(
        self, problem: str, *, file: Path | str = "", line: int | None = None, key: str = "", fix: str = ""
    ) -> None:
        self.problem = problem
        self.file = str(file)
        self.line = line
        self.key = key
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else self.file
        parts = [part for part in (where, self.key) if part]
        prefix = ": ".join(parts) + ": " if parts else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{prefix}{self.problem}.{fix}"


class TargetUnreachable(DestwatchError):
    """No answer at all from a destination version (connection refused, DNS, TLS, connect timeout)."""


class NoAnswer(TargetUnreachable):
    """A request got no HTTP answer; `reason` says why in words, `kind` in one word for counting.

    Kinds: "timeout" (nothing, or not all of it, within `timeout`), "refused", "dns", "tls", "reset",
    "closed" (closed without an answer), "rate-limited" (a 429 destwatch will not wait out), "breaker"
    (not sent: the version stopped answering several requests in a row).
    """

    def __init__(self, reason: str, *, kind: str, owner: str = "", retry_after: float | None = None) -> None:
        super().__init__(f"{owner}: {reason}" if owner else reason)
        self.reason = reason
        self.kind = kind
        self.owner = owner
        self.retry_after = retry_after
        """Kind "rate-limited": the seconds the last 429's Retry-After asked for (None without one)."""


class TokenError(DestwatchError):
    """The token endpoint did not hand out a usable token; the message never holds the secret."""


class DocumentError(DestwatchError):
    """The version's OpenAPI document could not be fetched as JSON or is not a valid OpenAPI document."""
