"""Tool errors: what goes wrong around the contract, never a finding about it.

```
DestwatchError
├── ConfigError          targets.toml or the command line is wrong (exit 2)
├── TargetUnreachable    a destination version cannot be reached at all (exit 3)
├── TokenError           the token endpoint refused or answered something unusable
└── DocumentError        the OpenAPI document is missing, not JSON or not valid OpenAPI
```

Findings about the contract are `destwatch.failures.ContractViolation` (an `AssertionError`); any other
exception inside destwatch is a bug of destwatch's (exit 4), never blamed on the destination.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "DestwatchError", "DocumentError", "TargetUnreachable", "TokenError"]


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


class TokenError(DestwatchError):
    """The token endpoint did not hand out a usable token; the message never holds the secret."""


class DocumentError(DestwatchError):
    """The version's OpenAPI document could not be fetched as JSON or is not a valid OpenAPI document."""
