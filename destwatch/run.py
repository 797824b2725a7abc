"""The run: targets.toml read and validated once, the selection resolved, the embedded reference started,
and per destination version one HTTP client (tokens included) and one OpenAPI document.

Every front-end starts here: the gate hands a `Run` to pytest, the monitor and validation use it directly.
Nothing in this module (or what it imports) needs pytest or Schemathesis.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destwatch.config import Targets, VersionTarget, did_you_mean, load_targets
from destwatch.documents import DocumentStore, endpoints
from destwatch.errors import ConfigError, DestwatchError, DocumentError, TargetUnreachable
from destwatch.http import Client, Recorder
from destwatch.reference.candidates import CANDIDATES
from destwatch.reference.embedded import Embedded
from destwatch.reference.faults import FAULTS
from destwatch.reference.variants import VARIANTS
from destwatch.tokens import Token

__all__ = ["Run", "RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """What the command line selected on top of targets.toml."""

    targets: Path
    names: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    seed: int | None = None
    fault: str | None = None
    variant: str | None = None
    candidate: str | None = None
    reports_dir: Path | None = None
    # The versions cross-version checks may use besides the selection; None: every configured version. A
    # validation names its baseline, so the suites on the candidate mention only the two versions compared.
    peers: tuple[str, ...] | None = None
    # Where this run's embedded reference already serves (started by another process of the same run).
    reference_url: str = ""


class Run:
    """Everything a check needs, shared by all checks of one run.

    `Run.start(options)` reads targets.toml, validates the selection, starts the embedded reference if a
    selected version uses it, and raises `ConfigError` for any mistake before anything is sent.
    """

    def __init__(self, config: Targets, options: RunOptions) -> None:
        self.config = config
        self.options = options
        self._stack = contextlib.ExitStack()
        self.embedded = _embedded(config, options)
        # Validate the selection before starting anything, so a typo costs no server start.
        listed = config.version_targets(options.names, options.versions, embedded=self.embedded)
        if any(target.embedded for target in listed):
            self._stack.callback(self.embedded.stop)
            self.embedded.start()
        self.targets: list[VersionTarget] = config.version_targets(
            options.names, options.versions, embedded=self.embedded
        )
        self.seed = options.seed if options.seed is not None else config.defaults.seed
        self.recorder = Recorder()
        # The seed each fuzzed version ran with (the fuzz suite notes it), so a failing run can be replayed.
        self.fuzz_seeds: dict[str, int] = {}
        self._clients: dict[str, Client] = {}
        self._clients_lock = threading.Lock()
        documents_dir = options.reports_dir / "specs" if options.reports_dir else None
        self.documents = DocumentStore(self.http, save_dir=documents_dir)

    @classmethod
    def start(cls, options: RunOptions) -> Run:
        """Read `options.targets` (once) and build the run; `ConfigError` for any mistake."""
        return cls(load_targets(options.targets), options)

    @staticmethod
    def check(options: RunOptions) -> list[VersionTarget]:
        """Validate everything `start` would, without starting the reference or sending a request."""
        config = load_targets(options.targets)
        return config.version_targets(options.names, options.versions, embedded=_embedded(config, options))

    @property
    def fault(self) -> str | None:
        return self.embedded.fault

    @property
    def reference_url(self) -> str | None:
        return self.embedded.url or None

    def document(self, target: VersionTarget) -> dict[str, Any]:
        """The version's OpenAPI document, fetched once per run."""
        return self.documents.get(target)

    def http(self, target: VersionTarget) -> Client:
        """The pooled, authenticated HTTP client of `target` (one per version per run)."""
        with self._clients_lock:
            client = self._clients.get(target.id)
            if client is None:
                if target.embedded:
                    # The reference starts with the run, but is waited for only here, before its first
                    # request: its start overlaps the run's own (pytest's, the documents' validation).
                    self.embedded.ready()
                client = self._clients[target.id] = Client(target, recorder=self.recorder)
                self._stack.callback(client.close)
            return client

    def versions_of(self, destination: str) -> list[VersionTarget]:
        """Every configured version of `destination`, selected or not (cross-version checks need them).

        A version left out of the selection whose credentials are not set is left out here too: testing one
        version never needs the secrets of another. With `peers` set, only those join the selection.
        """
        selected = {t.id: t for t in self.targets if t.destination == destination}
        peers = self.options.peers
        for name in self.config.version_names():
            if peers is not None and name not in peers:
                continue
            if name.startswith(f"{destination}/") and name not in selected:
                try:
                    (selected[name],) = self.config.version_targets([name], embedded=self.embedded)
                except ConfigError:
                    continue
        return sorted(selected.values(), key=lambda t: int(t.version[1:]))

    def endpoints(self, target: VersionTarget) -> list[str]:
        """The endpoint ids of the version's document; empty when the document cannot be had."""
        try:
            return endpoints(self.document(target))
        except (DocumentError, TargetUnreachable):
            return []

    def unreachable(self, target: VersionTarget) -> str | None:
        """Why `target` cannot be reached at all, or None (probes the document once)."""
        try:
            self.document(target)
        except TargetUnreachable as exc:
            return str(exc)
        except DocumentError:
            return None
        return None

    def unreachable_targets(self) -> dict[str, str]:
        """Every selected version found unreachable so far, with the reason."""
        return {
            t.id: str(failure)
            for t in self.targets
            if isinstance(failure := self.documents.failure(t), TargetUnreachable)
        }

    def usage(self) -> dict[str, dict[str, Any]]:
        """Per selected version: requests sent, the slowest answer, the tokens the cache fetched, the token
        grants asked for on purpose (the auth suite's), how its document was fetched and the fuzz seed."""
        exchanges = self.recorder.exchanges
        found: dict[str, dict[str, Any]] = {}
        for target in self.targets:
            mine = [exchange for exchange in exchanges if exchange.target == target.id]
            to_token_url = sum(1 for exchange in mine if exchange.url == target.token_url)
            client = self._clients.get(target.id)
            fetched = client.tokens_fetched if client is not None else 0
            fetch = self.documents.fetch_info(target)
            found[target.id] = {
                "base_url": target.base_url,
                "protected": target.protected,
                "requests": len(mine),
                "max_elapsed": round(max(e.elapsed for e in mine), 4) if mine else None,
                "tokens_fetched": fetched,
                "auth_grants": max(0, to_token_url - fetched),
                "spec": str(fetch.saved_to) if fetch and fetch.saved_to else None,
                "spec_needed_token": fetch.needed_token if fetch else None,
                "fuzz_seed": self.fuzz_seeds.get(target.id),
            }
        return found

    # -- one run over several processes (pytest-xdist workers) ---------------------------------------------

    def prepare(self) -> None:
        """Fetch every selected version's document, and a token for each protected one, before workers
        start: they adopt both, so each is fetched once per run however many processes share the work."""
        for target in self.targets:
            try:
                self.document(target)
                if target.protected:
                    self.http(target).token()
            except DestwatchError:
                continue  # remembered where it failed; the tests report it

    def handoff(self) -> dict[str, Any]:
        """This run as plain data for another process: the options, where the embedded reference serves,
        the documents and the still-fresh tokens (kept in memory, never written anywhere)."""
        options = self.options
        tokens = {}
        for target_id, client in self._clients.items():
            token = client.cached_token()
            if token is not None:
                # Monotonic clocks are per process; the wall clock is the machine's. The adopting process
                # only renews the token, so its lifetime (a JWT's `exp` included) is all it needs.
                obtained = time.time() - (time.monotonic() - token.obtained_at)
                tokens[target_id] = [token.access_token, token.lifetime, obtained]
        return {
            "options": {
                "targets": str(options.targets),
                "names": list(options.names),
                "versions": list(options.versions),
                "seed": options.seed,
                "fault": options.fault,
                "variant": options.variant,
                "candidate": options.candidate,
                "peers": None if options.peers is None else list(options.peers),
            },
            "reference_url": self.reference_url or "",
            "documents": self.documents.handoff(),
            "tokens": tokens,
        }

    @classmethod
    def adopt(cls, given: dict[str, Any]) -> Run:
        """The run another process handed off (`handoff`): same targets, same reference, its documents and
        tokens. It writes no reports: the process that handed it off does."""
        chosen = given["options"]
        options = RunOptions(
            targets=Path(chosen["targets"]),
            names=tuple(chosen["names"]),
            versions=tuple(chosen["versions"]),
            seed=chosen["seed"],
            fault=chosen["fault"],
            variant=chosen["variant"],
            candidate=chosen["candidate"],
            peers=None if chosen["peers"] is None else tuple(chosen["peers"]),
            reference_url=given["reference_url"],
        )
        run = cls.start(options)
        run.documents.adopt(given["documents"])
        for target in run.targets:
            if target.id in given["tokens"]:
                value, expires_in, obtained = given["tokens"][target.id]
                age = time.time() - obtained
                run.http(target).adopt_token(Token(value, expires_in, time.monotonic() - age))
        return run

    def close(self) -> None:
        self._stack.close()


def _embedded(config: Targets, options: RunOptions) -> Embedded:
    """The embedded reference as configured: names checked against the catalogues, with the line at fault."""
    reference = config.reference
    chosen = {
        "fault": (options.fault, reference.fault, FAULTS),
        "variant": (options.variant, reference.variant, VARIANTS),
        "candidate": (options.candidate, reference.candidate, CANDIDATES),
    }
    names: dict[str, str | None] = {}
    for what, (given, configured, catalogue) in chosen.items():
        name = given if given is not None else configured
        if name and name not in catalogue:
            problem = f"unknown {what} {name!r}"
            fix = f"choose one of {', '.join(sorted(catalogue))}{did_you_mean(name, catalogue)}"
            if given is not None:
                raise ConfigError(problem, key=f"--{what}", fix=fix)
            raise config.error(("reference", what), problem, fix)
        names[what] = name or None
    try:
        return Embedded(
            fault=names["fault"],
            variant=names["variant"],
            candidate=names["candidate"],
            token_ttl=reference.token_ttl,
            serving_at=options.reference_url,
        )
    except ValueError as exc:  # a candidate the chosen variant cannot show
        fix = "choose another candidate or variant"
        if options.candidate is not None:
            raise ConfigError(str(exc), key="--candidate", fix=fix) from None
        raise config.error(("reference", "candidate"), str(exc), fix) from None
