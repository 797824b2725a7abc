"""Tool errors: what goes wrong around the contract, never a finding about it.

```
DestwatchError
├── ConfigError          targets.toml or the command line is wrong (exit 2)
├── TargetUnreachable    a destination version cannot be reached at all (exit 3)
├── TokenError           the token endpoint refused or answered something unusable
└── SpecError            the OpenAPI document is missing, not JSON or not valid OpenAPI
```

Findings about the contract are `destwatch.failures.ContractViolation` (an `AssertionError`), so pytest
reports them as failures and everything here as errors.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "DestwatchError", "SpecError", "TargetUnreachable", "TokenError"]


class DestwatchError(Exception):
    """Base of every error destwatch raises about its own inputs and surroundings."""


class ConfigError(DestwatchError):
    """A configuration mistake, rendered on one line: file, line, key, what is wrong and how to fix it."""

    def __init__(self, file: Path | str, line: int | None, key: str, problem: str, fix: str = "") -> None:
        self.file = str(file)
        self.line = line
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{where}:{key} {self.problem}.{fix}"


class TargetUnreachable(DestwatchError):
    """No answer at all from a destination version (connection refused, DNS, TLS, connect timeout)."""


class TokenError(DestwatchError):
    """The token endpoint did not hand out a usable token; the message never holds the secret."""


class SpecError(DestwatchError):
    """The version's OpenAPI document could not be fetched as JSON or is not a valid OpenAPI document."""
