"""What a run runs on: the embedded reference (served while a selected version needs it), one pooled HTTP
client per destination version (its tokens included), one OpenAPI document per version, and the recorder of
every exchange.

Every front-end works on one: the gate hands it to pytest, the monitor probes through it, validation
compares and runs the suites on it. `Environment.start(selection)` starts nothing but the reference; the
processes of a parallel run `adopt` the controller's (its reference, documents and still-fresh tokens).
Nothing in this module (or what it imports) needs pytest or Schemathesis.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from destwatch import notices
from destwatch.config import VersionTarget
from destwatch.documents import DocumentStore, endpoints
from destwatch.errors import DestwatchError, DocumentError, TargetUnreachable
from destwatch.http import Client, Recorder, request_key
from destwatch.selection import Selection
from destwatch.tokens import Token

if TYPE_CHECKING:
    from destwatch.reference.server import ServedProcess

__all__ = ["Environment", "Replaying"]


@dataclass(frozen=True)
class Replaying:
    """A run that replays one finding (`destwatch replay`): its clients send only the bundle's requests.

    `forgeries`: for a bearer-rejection finding, the forged credentials that were accepted, by name
    (`destwatch.gate.jwt_tamper`): the replay re-forges only those, from the one fresh token it fetches;
    None re-runs the test's every check. `seeded_as`: a version replayed in place of the finding's own
    (`--version`) -> the finding's, whose seeded choices (plans, values) it makes again."""

    forgeries: frozenset[str] | None = None
    seeded_as: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Shared:
    """The live side of a run, shared by an environment and the narrowed views of it."""

    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    clients: dict[str, Client] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    recorder: Recorder = field(default_factory=Recorder)
    served: ServedProcess | None = None
    documents: DocumentStore | None = None


class Environment:
    """The run's live side, shared by all checks of one run (see the module's words)."""

    def __init__(
        self, selection: Selection, *, reference_url: str = "", shared: _Shared | None = None
    ) -> None:
        """`reference_url`: where this run's embedded reference already serves (another process of the run
        started it); without it, the reference is started here when the selection needs it. `shared`: the
        live side of another environment of the same run (see `narrowed`), owned by that one."""
        self.selection = selection
        self._owner = shared is None
        self._shared = shared if shared is not None else _Shared()
        if selection.uses_reference and not reference_url:
            # The server module (uvicorn) loads here, in a run that serves, not in every run that resolves.
            from destwatch.reference.server import serve_in_process

            served = self._shared.served = serve_in_process(selection.reference.server_settings())
            self._shared.stack.callback(served.stop)
            reference_url = served.url
        self.reference_url = reference_url
        self.targets: list[VersionTarget] = [target.bound_to(reference_url) for target in selection.targets]
        self.peers: list[VersionTarget] = [target.bound_to(reference_url) for target in selection.peers]
        self.recorder = self._shared.recorder
        if self._shared.documents is None:
            reports = selection.options.reports_dir
            self._shared.documents = DocumentStore(self.http, save_dir=reports / "specs" if reports else None)
        self.documents = self._shared.documents
        # Set by `destwatch replay` (see `Replaying`); None in a run.
        self.replaying: Replaying | None = None

    @classmethod
    def start(cls, selection: Selection) -> Environment:
        return cls(selection)

    @property
    def seed(self) -> int:
        return self.selection.seed

    @property
    def fault(self) -> str | None:
        return self.selection.reference.fault

    @property
    def variant(self) -> str | None:
        return self.selection.reference.variant

    def wait_for_reference(self) -> None:
        """Return once the reference this process started answers (at once if there is none, or another
        process of the run serves it); `ServerStartError` if it could not start."""
        if self._shared.served is not None:
            self._shared.served.ready()

    def document(self, target: VersionTarget) -> dict[str, Any]:
        """The version's OpenAPI document, fetched once per run."""
        document = self.documents.get(target)
        notices.used(request_key(target, "GET", target.openapi_url, None))
        return document

    def http(self, target: VersionTarget) -> Client:
        """The pooled, authenticated HTTP client of `target` (one per version per run)."""
        shared = self._shared
        with shared.lock:
            client = shared.clients.get(target.id)
            if client is None:
                if target.embedded:
                    # The reference starts with the run, but is waited for only here, before its first
                    # request: its start overlaps the run's own (pytest's, the documents' validation).
                    self.wait_for_reference()
                client = shared.clients[target.id] = Client(target, recorder=self.recorder)
                shared.stack.callback(client.close)
            return client

    def versions_of(self, destination: str) -> list[VersionTarget]:
        """The selected versions of `destination` and the configured ones the run may compare them with."""
        return self.selection.versions_of(destination, among=[*self.targets, *self.peers])

    def endpoints(self, target: VersionTarget) -> list[str]:
        """The endpoint ids of the version's document; empty when the document cannot be had."""
        try:
            return endpoints(self.document(target))
        except (DocumentError, TargetUnreachable):
            return []

    def unreachable(self, target: VersionTarget) -> str | None:
        """Why `target` cannot be reached at all, or None (probes the document once): no answer, or only
        429s for as long as a hung version is given."""
        throttled = self._throttled(target)
        if throttled is not None:
            return throttled
        try:
            self.document(target)
        except TargetUnreachable as exc:
            return str(exc)
        except DocumentError:
            return None
        return None

    def unreachable_targets(self) -> dict[str, str]:
        """Every selected version found unreachable so far, with the reason."""
        found = {
            t.id: str(failure)
            for t in self.targets
            if isinstance(failure := self.documents.failure(t), TargetUnreachable)
        }
        for target in self.targets:
            throttled = self._throttled(target)
            if throttled is not None:
                found.setdefault(target.id, throttled)
        return found

    def _throttled(self, target: VersionTarget) -> str | None:
        client = self._shared.clients.get(target.id)
        reason = client.data_breaker.throttled_out() if client is not None else None
        return f"{target.id}: {reason}" if reason is not None else None

    def usage(self) -> dict[str, dict[str, Any]]:
        """Per selected version: requests sent, the slowest answer, the tokens the cache fetched, the token
        grants asked for on purpose (the auth suite's) and how its document was fetched."""
        exchanges = self.recorder.exchanges
        found: dict[str, dict[str, Any]] = {}
        for target in self.targets:
            mine = [exchange for exchange in exchanges if exchange.target == target.id]
            to_token_url = sum(1 for exchange in mine if exchange.url == target.token_url)
            client = self._shared.clients.get(target.id)
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
        """This run as plain data for another process: the resolved selection, where the embedded reference
        serves, the documents and the still-fresh tokens (kept in memory, never written anywhere)."""
        tokens = {}
        for target_id, client in self._shared.clients.items():
            token = client.cached_token()
            if token is not None:
                # Monotonic clocks are per process; the wall clock is the machine's. The adopting process
                # only renews the token, so its lifetime (a JWT's `exp` included) is all it needs.
                obtained = time.time() - (time.monotonic() - token.obtained_at)
                tokens[target_id] = [token.access_token, token.lifetime, obtained]
        return {
            "selection": self.selection.to_data(),
            "reference_url": self.reference_url,
            "documents": self.documents.handoff(),
            "tokens": tokens,
        }

    @classmethod
    def adopt(cls, given: dict[str, Any]) -> Environment:
        """The environment another process handed off (`handoff`): the same selection, the same reference,
        its documents and tokens. It writes no reports: the process that handed it off does."""
        environment = cls(Selection.from_data(given["selection"]), reference_url=given["reference_url"])
        environment.documents.adopt(given["documents"])
        for target in environment.targets:
            if target.id in given["tokens"]:
                value, expires_in, obtained = given["tokens"][target.id]
                age = time.time() - obtained
                environment.http(target).adopt_token(Token(value, expires_in, time.monotonic() - age))
        return environment

    def narrowed(self, ids: Collection[str], *, reports: Path | None = None) -> Environment:
        """This environment (the same reference, clients, documents and exchanges) testing only the versions
        `ids` names; its other versions become peers. `reports`: where a run on it writes its reports
        (default: this one's folder). Closing it closes nothing: this one owns all."""
        selection = self.selection
        options = selection.options if reports is None else replace(selection.options, reports_dir=reports)
        narrow = replace(
            selection,
            options=options,
            targets=tuple(t for t in selection.targets if t.id in ids),
            peers=tuple(t for t in selection.targets if t.id not in ids) + selection.peers,
        )
        narrowed = Environment(narrow, reference_url=self.reference_url, shared=self._shared)
        narrowed.replaying = self.replaying
        return narrowed

    def close(self) -> None:
        if self._owner:
            self._shared.stack.close()

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
