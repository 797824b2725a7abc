"""The state of one destwatch run: selected targets, the embedded reference, tokens, HTTP and documents."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destwatch.config import Targets, VersionTarget
from destwatch.errors import ConfigError, SpecError, TargetUnreachable
from destwatch.http import Client, Recorder
from destwatch.specs import SpecStore, endpoints
from destwatch.tokens import TokenClient

__all__ = ["Run", "RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """What the command line selected on top of targets.toml."""

    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    seed: int | None = None
    fault: str | None = None
    reports_dir: Path | None = None


class Run:
    """Everything a suite needs, shared by all tests of a session.

    Created by the pytest plugin the first time a test asks for a target; the embedded reference (if
    any selected version uses it) is started here and stopped by `close()`.
    """

    def __init__(self, config: Targets, options: RunOptions = RunOptions()) -> None:
        self.config = config
        self.options = options
        self._stack = contextlib.ExitStack()
        self.fault = options.fault if options.fault is not None else config.reference.fault
        # Validate the selection before starting anything, so a typo costs no server start.
        listed = config.version_targets(options.names, options.versions)
        self.reference_url = self._start_reference() if any(t.embedded for t in listed) else None
        self.targets: list[VersionTarget] = config.version_targets(
            options.names, options.versions, embedded_url=self.reference_url
        )
        self.seed = options.seed if options.seed is not None else config.defaults.seed
        self.tokens = TokenClient()
        self._stack.callback(self.tokens.close)
        self.recorder = Recorder()
        self._clients: dict[str, Client] = {}
        self._clients_lock = threading.Lock()
        specs_dir = options.reports_dir / "specs" if options.reports_dir else None
        self.specs = SpecStore(self.http, save_dir=specs_dir)

    def spec(self, target: VersionTarget) -> dict[str, Any]:
        """The version's OpenAPI document, fetched once per run."""
        return self.specs.get(target)

    def http(self, target: VersionTarget) -> Client:
        """The pooled, authenticated HTTP client of `target` (one per version per run)."""
        with self._clients_lock:
            client = self._clients.get(target.id)
            if client is None:
                client = self._clients[target.id] = Client(target, tokens=self.tokens, recorder=self.recorder)
                self._stack.callback(client.close)
            return client

    def versions_of(self, destination: str) -> list[VersionTarget]:
        """Every configured version of `destination`, selected or not (cross-version checks need them).

        A version left out of the selection whose credentials are not set is left out here too: testing one
        version never needs the secrets of another.
        """
        selected = {t.id: t for t in self.targets if t.destination == destination}
        for name in self.config.version_names():
            if name.startswith(f"{destination}/") and name not in selected:
                try:
                    (selected[name],) = self.config.version_targets([name], embedded_url=self.reference_url)
                except ConfigError:
                    continue
        return sorted(selected.values(), key=lambda t: int(t.version[1:]))

    def endpoints(self, target: VersionTarget) -> list[str]:
        """The endpoint ids of the version's document; empty when the document cannot be had."""
        try:
            return endpoints(self.spec(target))
        except (SpecError, TargetUnreachable):
            return []

    def unreachable(self, target: VersionTarget) -> str | None:
        """Why `target` cannot be reached at all, or None (probes the document once)."""
        try:
            self.spec(target)
        except TargetUnreachable as exc:
            return str(exc)
        except SpecError:
            return None
        return None

    def unreachable_targets(self) -> dict[str, str]:
        """Every selected version found unreachable so far, with the reason."""
        return {
            t.id: str(failure)
            for t in self.targets
            if isinstance(failure := self.specs.failure(t), TargetUnreachable)
        }

    def close(self) -> None:
        self._stack.close()

    def _start_reference(self) -> str:
        from destwatch.reference import create_app, serve_in_thread

        try:
            app = create_app(fault=self.fault or None, token_ttl=self.config.reference.token_ttl)
        except ValueError as exc:
            raise ConfigError(
                self.config.path,
                None,
                "reference.fault",
                str(exc),
                "see `destwatch serve --list-faults`",
            ) from None
        server = self._stack.enter_context(serve_in_thread(app))
        return server.url
