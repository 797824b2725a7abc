"""The probe: per destination version and cycle, a few small requests, each timed and judged.

Steps, in order (any can be switched off with `[monitor] steps`):

- `document`: GET `{base}/openapi` without a token: 200 and valid OpenAPI. A hash of the normalized document
  that differs from the last cycle's is drift, reported with the changed paths.
- `token` (protected versions): a token with an expiry, in the version's token flow, fetched once per token
  lifetime and reused until shortly before it expires.
- `get`, `post`: per endpoint, the smallest request (`top=1` where the method declares `top`): 200, the
  `{language, results}` envelope, at most one result.
- `no-token` (protected versions): one POST (or GET) without a token is refused, with no results.
- `empty`: one query on an `id` (or string) filter that matches nothing: 200 with `results: []`.
- `token-errors` (protected; the destination flow only with `token_errors_are_4xx = true`, OAuth2 always, as
  RFC 6749 says): once per token lifetime, one token request in the wrong encoding (not JSON; JSON, not a
  form) gets a 4xx without a token.
- `tls` (https targets): a TLS handshake, no request: a valid certificate, `tls_warn_days` or more left.
- `consumer` (with `[monitor] consumers = true`): one of the consumers' own queries, in turn (see
  `consumer_step`).

A cycle sends at most 2 + 3 per endpoint requests to a version (token requests included), paced by its
`max_rps`. `no-token`, `empty`, `token-errors` and `consumer` are optional: when the budget is spent they
are deferred, and the one that waited longest runs first the next cycle.
"""

from __future__ import annotations

import contextlib
import json
import math
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from destwatch._files import json_or_none
from destwatch.config import MonitorSettings, VersionTarget
from destwatch.consumers.model import ConsumerQuery
from destwatch.documents import validate_document
from destwatch.errors import DocumentError, NoAnswer, TokenError
from destwatch.failures import AnswerCutOff, AnswerTooLarge, ContractViolation
from destwatch.http import Client, Exchange, Recorder
from destwatch.monitor.clock import Clock
from destwatch.monitor.consumer_step import ConsumerTurns, needs_sample, request_for, sample_request, unread
from destwatch.monitor.drift import changed_paths, digest, normalize
from destwatch.monitor.outcomes import (
    DATA_STEPS,
    OPTIONAL_STEPS,
    Outcome,
    ProbeMemory,
    StepResult,
    VersionReport,
)
from destwatch.monitor.states import judge
from destwatch.monitor.tls import CertificateProblem, https_host, read_certificate
from destwatch.openapi.model import EndpointModel, Method, endpoint_models
from destwatch.openapi.queries import LogicalQuery, Request, Unsupported, render
from destwatch.redact import redact, register_secret
from destwatch.tokens import OAUTH2_FLOW, Token, flow_of

__all__ = ["NOTHING", "VersionProbe", "request_budget"]

# The value the matches-nothing query asks for: no destination has an item with this id.
NOTHING = "destwatch-monitor-matches-nothing"
_EXCERPT = 120
_NOT_RESENT = {Outcome.DEFERRED: "deferred this cycle: the request budget is spent"}


def request_budget(endpoints: int) -> int:
    """The most requests one cycle sends to one version: the document, a token, and three per endpoint."""
    return 2 + 3 * endpoints


class _Stopped(Exception):
    """The service is stopping: the cycle is left unfinished and not recorded."""


class _Recorder(Recorder):
    """Counts the requests sent and keeps only the last few exchanges: a service runs for months."""

    def __init__(self) -> None:
        super().__init__()
        self._recent: deque[Exchange] = deque(maxlen=32)
        self.sent = 0

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._recent.append(exchange)
            self.sent += 1

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._recent)


class _ProbeClient(Client):
    """The core client, also keeping the last token it fetched: the step reports its expiry."""

    last_token: Token | None = None

    def fetch_token(self) -> Token:
        token = super().fetch_token()
        self.last_token = token
        return token

    def invalidate_token(self) -> None:
        self.last_token = None
        super().invalidate_token()


class _Budget:
    """The cycle's request budget, counted from what was really sent (the recorder sees every request)."""

    def __init__(self, recorder: _Recorder) -> None:
        self.limit = request_budget(0)
        self._recorder = recorder
        self._start = recorder.sent
        # Answers cut off or too large end in the client before they are recorded; they were sent all the
        # same.
        self.unrecorded = 0

    @property
    def spent(self) -> int:
        return self._recorder.sent - self._start + self.unrecorded

    def allows(self, count: int = 1) -> bool:
        return self.spent + count <= self.limit

    @property
    def words(self) -> str:
        return f"the cycle's request budget ({self.limit} = 2 + 3 per endpoint) is spent"


@dataclass(frozen=True)
class _Sent:
    response: httpx.Response | None
    failure: StepResult | None


class VersionProbe:
    """Probes one destination version, cycle after cycle, with one long-lived client (its token cached).

    `memory` is the version's `ProbeMemory` (loaded from the history); `run()` updates it in place.
    """

    def __init__(
        self,
        target: VersionTarget,
        settings: MonitorSettings,
        memory: ProbeMemory,
        *,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        tls_context: ssl.SSLContext | None = None,
        consumers: Sequence[ConsumerQuery] = (),
    ) -> None:
        self.target = target
        self._consumers = ConsumerTurns(consumers if settings.consumers else ())
        self.settings = settings
        self.memory = memory
        self._clock = clock
        self._transport = transport
        self._tls_context = tls_context
        self._models: tuple[str | None, dict[str, EndpointModel]] = (None, {})
        self._validated: str | None = None
        self.recorder = _Recorder()
        self._budget = _Budget(self.recorder)
        self.client = self._new_client()

    # -- the cycle ---------------------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> VersionReport | None:
        """One cycle; None when `stop` was set before it finished (nothing of it is kept)."""
        stop = stop or threading.Event()
        started = time.perf_counter()
        budget = self._budget = _Budget(self.recorder)
        # The core's breakers close for good within a run; each monitor cycle gives the version a new chance.
        self.client.data_breaker.answered()
        self.client.token_breaker.answered()
        steps: list[StepResult] = []
        try:
            document_step, models = self._step_document()
            if document_step is not None:
                steps.append(document_step)
            budget.limit = request_budget(len(models))
            self._check(stop)
            token, token_step, fresh = self._step_token()
            if token_step is not None:
                steps.append(token_step)
            for model in models.values():
                for method in ("GET", "POST"):
                    self._check(stop)
                    if self.settings.step_on(method.lower()):
                        result, token, fresh = self._step_data(model, method, token, fresh, budget)
                        steps.append(result)
            steps += self._optional_steps(models, token, budget, stop)
            if self.settings.step_on("tls"):
                self._check(stop)
                steps.append(self._step_tls())
        except _Stopped:
            return None
        finally:
            if self.target.protected and self.client.last_token is None:
                # No token at the end of a cycle: its fetch failed (or was not affordable after a 401), and
                # the core's token cache remembers a failure for its lifetime. Start afresh next cycle.
                self._renew_client()
        state, reasons = judge(steps, degraded_after=self.settings.degraded_after)
        latencies = [s.latency for s in steps if s.step in DATA_STEPS and s.latency is not None]
        tls = next((s for s in steps if s.step == "tls"), None)
        document = steps[0] if steps and steps[0].step == "document" else None
        return VersionReport(
            target=self.target.id,
            destination=self.target.destination,
            version=self.target.version,
            state=state,
            reasons=reasons,
            steps=tuple(steps),
            requests=budget.spent,
            budget=budget.limit,
            duration=time.perf_counter() - started,
            latency=max(latencies, default=None),
            token_expires_at=self._token_expires_at(),
            tls_expires_at=tls.facts.get("not_after") if tls is not None else None,
            document_changed=bool(document and document.facts.get("changed")),
        )

    def close(self) -> None:
        self.client.close()

    # -- steps ---------------------------------------------------------------------------------------------

    def _step_document(self) -> tuple[StepResult | None, dict[str, EndpointModel]]:
        """The document step and the endpoints to probe: the current document's, else the last valid one's."""
        target = self.target
        if not self.settings.step_on("document"):
            return None, self._known_models()
        sent = self._send("document", "GET", target.openapi_url, token=None)
        if sent.failure is not None:
            return sent.failure, self._known_models()
        response = sent.response
        assert response is not None
        latency = response.elapsed.total_seconds()

        def failed(detail: str) -> tuple[StepResult, dict[str, EndpointModel]]:
            step = StepResult(
                "document", Outcome.FAILED, detail, latency=latency, status=response.status_code
            )
            return step, self._known_models()

        if response.status_code in (401, 403) and target.protected:
            return failed(
                f"GET {target.openapi_url} answered {response.status_code} without a token; the document "
                "must be served without one"
            )
        if response.status_code != 200:
            return failed(f"GET {target.openapi_url} answered {response.status_code}{_excerpt(response)}")
        document = json_or_none(response)
        if document is None:
            return failed(f"{target.openapi_url} is not JSON")
        if not isinstance(document, dict):
            return failed(
                f"{target.openapi_url} is a JSON {type(document).__name__}, not an OpenAPI document"
            )
        text, normalized = normalize(document, target.base_url)
        hashed = digest(text)
        # The history keeps valid documents only: a hash it knows was validated when it was first seen.
        if hashed not in (self._validated, self.memory.document_hash):
            try:
                validate_document(document, source=target.openapi_url)
            except DocumentError as exc:
                return failed(str(exc))
            self._validated = hashed
        memory = self.memory
        facts: dict[str, Any] = {"hash": hashed, "bytes": len(response.content)}
        outcome, detail = Outcome.OK, f"hash {hashed}, {len(response.content)} bytes"
        if memory.document_hash is not None and memory.document_hash != hashed:
            previous = json.loads(memory.document_text) if memory.document_text else {}
            paths = changed_paths(previous, normalized)
            facts.update(changed=paths, previous=memory.document_hash)
            outcome = Outcome.WARN
            detail = (
                f"changed since the last cycle (hash {memory.document_hash} -> {hashed}): {', '.join(paths)}"
            )
        memory.document_hash, memory.document_text = hashed, text
        models = self._models_of(hashed, normalized)
        return (
            StepResult("document", outcome, detail, latency=latency, status=200, facts=facts),
            models,
        )

    def _step_token(self) -> tuple[str | None, StepResult | None, bool]:
        """The version's current token (None when unprotected or refused), the step, whether it is fresh."""
        if not self.target.protected:
            return None, None, False
        started = time.perf_counter()
        held = self._held("token") if self.client.cached_token() is None else None
        if held is not None:
            return None, held if self.settings.step_on("token") else None, False
        try:
            token, fresh = self._token()
        except (TokenError, NoAnswer, ContractViolation) as exc:
            throttled = isinstance(exc, NoAnswer) and exc.kind == "rate-limited"
            failed = (
                self._throttled("token", exc)
                if throttled
                else StepResult("token", Outcome.FAILED, _words(exc))
            )
            # Switched off, the step has no row; data requests still need the token and say so.
            return None, failed if self.settings.step_on("token") else None, False
        if not self.settings.step_on("token"):
            return token, None, fresh
        latency = time.perf_counter() - started if fresh else None
        left = self._token_left()
        how = "granted" if fresh else "reused"
        detail = f"{how}, expires in {left:.0f} s" if left is not None else how
        facts = {"fresh": fresh, "expires_in": left}
        return token, StepResult("token", Outcome.OK, detail, latency=latency, facts=facts), fresh

    def _token(self) -> tuple[str, bool]:
        """The cached token, or a fresh one; whether it was fetched now."""
        before = self.client.tokens_fetched
        try:
            token = self.client.token()
        except (AnswerCutOff, AnswerTooLarge):
            self._budget.unrecorded += 1
            raise
        return token, self.client.tokens_fetched > before

    def _step_data(
        self, model: EndpointModel, method: Method, token: str | None, fresh: bool, budget: _Budget
    ) -> tuple[StepResult, str | None, bool]:
        step = method.lower()
        if model.surface(method) is None:
            return (
                StepResult(
                    step,
                    Outcome.NOT_APPLICABLE,
                    f"the document declares no {method} on {model.path}",
                    endpoint=model.name,
                    method=method,
                ),
                token,
                fresh,
            )
        if self.target.protected and token is None:
            return (
                StepResult(step, Outcome.NOT_RUN, "no token", endpoint=model.name, method=method),
                token,
                fresh,
            )
        if not budget.allows():
            return (
                StepResult(step, Outcome.DEFERRED, budget.words, endpoint=model.name, method=method),
                token,
                fresh,
            )
        request = _small(model, method)
        sent, token, fresh = self._send_authorized(step, request, token, fresh, budget)
        return self._judge_answer(step, model, request, sent, empty=False), token, fresh

    def _optional_steps(
        self, models: Mapping[str, EndpointModel], token: str | None, budget: _Budget, stop: threading.Event
    ) -> list[StepResult]:
        plans: dict[str, Callable[[], StepResult] | StepResult] = {}
        if self.settings.step_on("no-token"):
            plans["no-token"] = self._plan_no_token(models)
        if self.settings.step_on("empty"):
            plans["empty"] = self._plan_empty(models, token, budget)
        if self.settings.step_on("token-errors"):
            plans["token-errors"] = self._plan_token_errors()
        query = self._consumers.take()
        if query is not None:
            plans["consumer"] = self._plan_consumer(query, models, token, budget)
        ready = [name for name, plan in plans.items() if not isinstance(plan, StepResult)]
        # The step that waited longest goes first: a spent budget defers each in turn, never one for good.
        ready.sort(key=lambda name: (self.memory.last_run.get(name, -math.inf), OPTIONAL_STEPS.index(name)))
        results: dict[str, StepResult] = {}
        for name in ready:
            plan = plans[name]
            assert not isinstance(plan, StepResult)
            self._check(stop)
            if budget.allows():
                self.memory.last_run[name] = self._clock.time()
                result = results[name] = plan()
                # Only the step's own verdict is carried: no answer at all says nothing about the step.
                if (
                    result.outcome is Outcome.FAILED
                    and result.status is not None
                    and not result.facts.get("throttled")
                ):
                    self.memory.failing[name] = result.detail
                else:
                    self.memory.failing.pop(name, None)
            else:
                results[name] = StepResult(
                    name, Outcome.DEFERRED, f"{budget.words}; it runs first next cycle"
                )
        done = [plan if isinstance(plan, StepResult) else results[name] for name, plan in plans.items()]
        return [self._carried(result) for result in done]

    def _carried(self, result: StepResult) -> StepResult:
        """A step not re-sent this cycle whose last run failed still fails, saying when it was checked."""
        why = self.memory.failing.get(result.step)
        if why is None or result.outcome not in (Outcome.DEFERRED, Outcome.NOT_RUN):
            return result
        ago = self._clock.time() - self.memory.last_run.get(result.step, self._clock.time())
        return _with(
            result,
            outcome=Outcome.FAILED,
            detail=f"{why} (checked {ago:.0f} s ago; {_NOT_RESENT.get(result.outcome, result.detail)})",
        )

    def _plan_no_token(self, models: Mapping[str, EndpointModel]) -> Callable[[], StepResult] | StepResult:
        if not self.target.protected:
            return StepResult("no-token", Outcome.NOT_APPLICABLE, "the version is not protected")
        if not models:
            return StepResult("no-token", Outcome.NOT_RUN, "no document: the endpoints are unknown")
        model = next(iter(models.values()))
        # POST first: a gateway often guards GET only, and `post-skips-auth` is a real regression.
        method: Method = "POST" if model.post is not None else "GET"
        request = _small(model, method)
        rejecting = self.target.settings.auth_reject_statuses

        def run() -> StepResult:
            sent = self._send("no-token", request.method, request.path, token=None, request=request)
            base = {"endpoint": model.name, "method": method}
            if sent.failure is not None:
                return _with(sent.failure, **base)
            response = sent.response
            assert response is not None
            latency, status = response.elapsed.total_seconds(), response.status_code
            data = json_or_none(response)
            results = data.get("results") if isinstance(data, dict) else None
            expected = " or ".join(str(code) for code in rejecting)
            if status not in rejecting:
                got = f" with {len(results)} results" if isinstance(results, list) else ""
                detail = f"{method} {model.path} without a token answered {status}{got} (expected {expected})"
                return StepResult("no-token", Outcome.FAILED, detail, latency=latency, status=status, **base)
            if isinstance(results, list) and results:
                detail = f"refused with {status} but still answered {len(results)} results"
                return StepResult("no-token", Outcome.FAILED, detail, latency=latency, status=status, **base)
            return StepResult(
                "no-token", Outcome.OK, f"refused with {status}", latency=latency, status=status, **base
            )

        return run

    def _plan_empty(
        self, models: Mapping[str, EndpointModel], token: str | None, budget: _Budget
    ) -> Callable[[], StepResult] | StepResult:
        if not models:
            return StepResult("empty", Outcome.NOT_RUN, "no document: the endpoints are unknown")
        if self.target.protected and token is None:
            return StepResult("empty", Outcome.NOT_RUN, "no token")
        found = _nothing_query(models)
        if isinstance(found, str):
            return StepResult("empty", Outcome.NOT_APPLICABLE, found)
        model, request = found

        def run() -> StepResult:
            sent, _, _ = self._send_authorized("empty", request, token, False, budget)
            return self._judge_answer("empty", model, request, sent, empty=True)

        return run

    def _plan_consumer(
        self, query: ConsumerQuery, models: Mapping[str, EndpointModel], token: str | None, budget: _Budget
    ) -> Callable[[], StepResult] | StepResult:
        who = f"{query.consumer}'s query {query.name}"
        model = models.get(query.endpoint)
        if model is None:
            why = f"{who}: the document has no endpoint {query.endpoint!r}" if models else "no document"
            return StepResult("consumer", Outcome.FAILED if models else Outcome.NOT_RUN, why)
        if self.target.protected and token is None:
            return StepResult("consumer", Outcome.NOT_RUN, "no token")

        def run() -> StepResult:
            rows: list[Any] = []
            if needs_sample(query):
                if not budget.allows(2):
                    return StepResult("consumer", Outcome.DEFERRED, f"{who} needs a sample: {budget.words}")
                sent, _, _ = self._send_authorized(
                    "consumer", sample_request(query, model), token, False, budget
                )
                data = json_or_none(sent.response) if sent.response is not None else None
                rows = data.get("results") or [] if isinstance(data, dict) else []
            try:
                request = request_for(query, model, rows)
            except Unsupported as why:
                return StepResult("consumer", Outcome.FAILED, f"{who}: {why.reason}", endpoint=model.name)
            sent, _, _ = self._send_authorized("consumer", request, token, False, budget)
            result = self._judge_answer("consumer", model, request, sent, empty=False)
            if result.outcome is not Outcome.OK or sent.response is None:
                return _with(result, detail=f"{who}: {result.detail}")
            missing = unread(query, model, json_or_none(sent.response))
            if missing:
                return _with(result, outcome=Outcome.FAILED, detail=f"{who}: " + "; ".join(missing))
            return _with(result, detail=f"{who}: {result.detail}")

        return run

    def _plan_token_errors(self) -> Callable[[], StepResult] | StepResult:
        target = self.target
        if not target.protected:
            return StepResult("token-errors", Outcome.NOT_APPLICABLE, "the version is not protected")
        flow = flow_of(target)
        # OAuth2 refusals are RFC 6749's 4xx; the destination flow's statuses are our own expectation.
        if flow is not OAUTH2_FLOW and target.settings.token_errors_are_4xx is not True:
            return StepResult(
                "token-errors",
                Outcome.NOT_APPLICABLE,
                "token_errors_are_4xx is not true for this version (our own expectation: set it to check)",
            )
        last = self.memory.last_run.get("token-errors")
        lifetime = (
            self.client.last_token.lifetime if self.client.last_token else target.settings.token_lifetime
        )
        if last is not None and self._clock.time() - last < lifetime:
            ago = self._clock.time() - last
            return StepResult(
                "token-errors",
                Outcome.NOT_RUN,
                f"ran {ago:.0f} s ago; runs once per token lifetime ({lifetime:g} s)",
            )

        def run() -> StepResult:
            sent = self._send("token-errors", "POST", target.token_url, token=None, **flow.malformed())
            if sent.failure is not None:
                return sent.failure
            response = sent.response
            assert response is not None
            latency, status = response.elapsed.total_seconds(), response.status_code
            data = json_or_none(response)
            granted = flow.holds_token(data)
            if granted:
                register_secret(data[flow.token_field], lifetime=0)
            what = f"a token request with {flow.malformed_body[2]}"
            rule = "RFC 6749" if flow is OAUTH2_FLOW else "token_errors_are_4xx"
            if granted or not 400 <= status < 500:
                got = " and handed out a token" if granted else _excerpt(response)
                detail = f"{what} answered {status}{got} (expected a 4xx without a token; {rule})"
                return StepResult("token-errors", Outcome.FAILED, detail, latency=latency, status=status)
            return StepResult(
                "token-errors", Outcome.OK, f"{what} answered {status}", latency=latency, status=status
            )

        return run

    def _step_tls(self) -> StepResult:
        target = self.target
        urls = [target.base_url, *([target.token_url] if target.protected else [])]
        hosts = list(dict.fromkeys(host for url in urls if (host := https_host(url)) is not None))
        if not hosts:
            return StepResult("tls", Outcome.NOT_APPLICABLE, "not https: no certificate")
        started = time.perf_counter()
        try:
            certificates = [
                read_certificate(host, port, timeout=target.settings.timeout, context=self._tls_context)
                for host, port in hosts
            ]
        except CertificateProblem as exc:
            return StepResult("tls", Outcome.FAILED, str(exc))
        latency = (time.perf_counter() - started) / len(hosts)
        earliest = min(certificates, key=lambda cert: cert.not_after)
        days = earliest.days_left(self._clock.time())
        facts = {"not_after": earliest.not_after, "days_left": days, "host": earliest.host}
        if days < 0:
            detail = f"{earliest.host}: the certificate expired {-days:.0f} days ago"
            return StepResult("tls", Outcome.FAILED, detail, facts=facts)
        detail = f"{earliest.host}: the certificate expires in {days:.0f} days"
        if days < self.settings.tls_warn_days:
            detail += f" (warned under {self.settings.tls_warn_days})"
            return StepResult("tls", Outcome.WARN, detail, latency=latency, facts=facts)
        return StepResult("tls", Outcome.OK, detail, latency=latency, facts=facts)

    # -- sending and judging -----------------------------------------------------------------------------

    def _send(
        self,
        step: str,
        method: str,
        path: str,
        *,
        token: str | None,
        request: Request | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _Sent:
        """One request, exactly one: an explicit token (or none), so the client adds no retry of its own
        (except for a 429, whose Retry-After it honours on the monitor's clock)."""
        held = self._held(step)
        if held is not None:
            return _Sent(None, held)
        sent_headers = dict(headers or {})
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        params = list(request.params) if request is not None and request.params else None
        body = request.body if request is not None and method == "POST" else None
        try:
            response = self.client.request(
                method,
                path,
                params=params,
                json=body,
                content=content,
                headers=sent_headers,
                authenticated=False,
            )
        except NoAnswer as exc:
            if exc.kind == "breaker":
                words = exc.reason.replace("in this run", "this cycle")
                return _Sent(None, StepResult(step, Outcome.NOT_RUN, f"not sent: {words}"))
            if exc.kind == "rate-limited":
                return _Sent(None, self._throttled(step, exc))
            return _Sent(None, StepResult(step, Outcome.FAILED, exc.reason))
        except ContractViolation as exc:
            if isinstance(exc, AnswerCutOff | AnswerTooLarge):
                self._budget.unrecorded += 1
            return _Sent(None, StepResult(step, Outcome.FAILED, _words(exc)))
        return _Sent(response, None)

    def _send_authorized(
        self, step: str, request: Request, token: str | None, fresh: bool, budget: _Budget
    ) -> tuple[_Sent, str | None, bool]:
        """Send with the version's token; a 401 to a token from an earlier cycle gets one fresh token and one
        more try (the destination may have restarted or revoked it), when the budget has room for both."""
        sent = self._send(step, request.method, request.path, token=token, request=request)
        stale = sent.response is not None and sent.response.status_code == 401
        if not (self.target.protected and stale and not fresh and budget.allows(2)):
            return sent, token, fresh
        self.client.invalidate_token()
        try:
            token, fresh = self._token()
        except (TokenError, NoAnswer, ContractViolation) as exc:
            failure = StepResult(step, Outcome.FAILED, f"a new token was refused: {_words(exc)}")
            return _Sent(None, failure), None, False
        return self._send(step, request.method, request.path, token=token, request=request), token, fresh

    def _judge_answer(
        self, step: str, model: EndpointModel, request: Request, sent: _Sent, *, empty: bool
    ) -> StepResult:
        base = {"endpoint": model.name, "method": request.method}
        if sent.failure is not None:
            return _with(sent.failure, **base)
        response = sent.response
        assert response is not None
        latency, status = response.elapsed.total_seconds(), response.status_code
        what = (
            "a query that matches nothing"
            if empty
            else f"top={_top(request)}"
            if _top(request)
            else "no parameters"
        )

        def failed(detail: str) -> StepResult:
            return StepResult(step, Outcome.FAILED, detail, latency=latency, status=status, **base)

        if status != 200:
            expected = "200 with results: []" if empty else "200"
            return failed(f"answered {status} to {what} (expected {expected}){_excerpt(response)}")
        data = json_or_none(response)
        if not isinstance(data, dict):
            kind = "not JSON" if data is None else f"a JSON {type(data).__name__}"
            return failed(f"the answer is {kind}, not the {{language, results}} envelope")
        results = data.get("results", _MISSING)
        if results is _MISSING:
            return failed(f"the answer has no `results` (keys: {', '.join(sorted(data)) or 'none'})")
        if not isinstance(results, list):
            shown = "null" if results is None else f"a {type(results).__name__}"
            expected = "[]" if empty else "an array"
            return failed(f"`results` is {shown} (expected {expected}) for {what}")
        if "language" not in data:
            return failed(f"the answer has no `language` (keys: {', '.join(sorted(data))})")
        expected = self._default_languages(model, request.method)
        if expected and data["language"] not in expected:
            said = redact(json.dumps(data["language"], ensure_ascii=False))[:_EXCERPT]
            return failed(f"`language` is {said}, asked for none (expected {' or '.join(expected)})")
        if empty and results:
            return failed(f"{what} answered {len(results)} results (expected results: [])")
        top = _top(request)
        if top is not None and len(results) > top:
            return failed(f"answered {len(results)} results to top={top}")
        detail = "results: []" if empty else f"{len(results)} result{'s' if len(results) != 1 else ''}"
        return StepResult(step, Outcome.OK, detail, latency=latency, status=status, **base)

    def _default_languages(self, model: EndpointModel, method: str) -> tuple[str, ...]:
        """What an answer to a query naming no language may say: the document's default for `language`
        when it gives one, else one of the languages the document and targets.toml declare."""
        surface = model.surface("POST" if method == "POST" else "GET")
        if surface is not None and surface.default_language:
            return (surface.default_language,)
        declared = surface.languages if surface is not None else ()
        return tuple(dict.fromkeys((*declared, *self.target.languages)))

    # -- throttling ----------------------------------------------------------------------------------------

    def _throttled(self, step: str, exc: NoAnswer) -> StepResult:
        """A 429 the client's waits did not outlast: nothing more is sent before its Retry-After passes."""
        if exc.retry_after is not None:
            self.memory.throttled_until = self._clock.time() + exc.retry_after
        return StepResult(step, Outcome.FAILED, exc.reason, status=429, facts={"throttled": True})

    def _held(self, step: str) -> StepResult | None:
        """The step not sent while the destination's last Retry-After runs, or None to send it."""
        until = self.memory.throttled_until
        if until is None or self._clock.time() >= until:
            return None
        left = until - self._clock.time()
        detail = f"not sent: the destination asked to wait (Retry-After), {left:.0f} s left"
        return StepResult(step, Outcome.NOT_RUN, detail, facts={"throttled": True})

    # -- helpers -------------------------------------------------------------------------------------------

    def _check(self, stop: threading.Event) -> None:
        if stop.is_set():
            raise _Stopped

    def _new_client(self) -> _ProbeClient:
        return _ProbeClient(
            self.target,
            recorder=self.recorder,
            transport=self._transport,
            clock=self._clock.monotonic,
            sleep=self._clock.sleep,
            # The probe bounds throttling itself: nothing is sent before the last Retry-After has passed.
            throttle_bound=math.inf,
        )

    def _renew_client(self) -> None:
        old, self.client = self.client, self._new_client()
        old.close()

    def _known_models(self) -> dict[str, EndpointModel]:
        memory = self.memory
        if memory.document_hash is None or memory.document_text is None:
            return {}
        return self._models_of(memory.document_hash, json.loads(memory.document_text))

    def _models_of(self, hashed: str, document: Mapping[str, Any]) -> dict[str, EndpointModel]:
        if self._models[0] != hashed:
            self._models = (hashed, endpoint_models(document))
        return self._models[1]

    def _token_left(self) -> float | None:
        token = self.client.last_token
        if token is None:
            return None
        return token.obtained_at + token.lifetime - self._clock.monotonic()

    def _token_expires_at(self) -> float | None:
        left = self._token_left()
        return None if left is None else self._clock.time() + left


_MISSING = object()


def _small(model: EndpointModel, method: Method) -> Request:
    """The smallest request of `method`: `top=1` where the method declares `top`, else no parameters."""
    try:
        return render(LogicalQuery(top=1), model, method)
    except Unsupported:
        return render(LogicalQuery(), model, method)


def _nothing_query(models: Mapping[str, EndpointModel]) -> tuple[EndpointModel, Request] | str:
    """The first endpoint and request that ask for an item no destination has: `id` = NOTHING, else a string
    filter property; a reason when no document declares such a filter."""
    for model in models.values():
        strings = [name for name in model.filters if model.properties.get(name, "string") == "string"]
        keys = ["id"] if "id" in model.filters else []
        keys += [name for name in strings if name != "id"]
        for key in keys:
            for method in model.methods:
                for ask in (
                    LogicalQuery(top=1, must={key: (NOTHING,)}),
                    LogicalQuery(must={key: (NOTHING,)}),
                ):
                    with contextlib.suppress(Unsupported):
                        return model, render(ask, model, method)
    return "the document declares no id or string filter to ask for something that does not exist"


def _top(request: Request) -> int | None:
    if request.body is not None and isinstance(request.body.get("top"), int):
        return int(request.body["top"])
    for name, value in request.params:
        if name == "top" and value.isdigit():
            return int(value)
    return None


def _with(step: StepResult, **changes: Any) -> StepResult:
    return StepResult(
        step.step,
        changes.get("outcome", step.outcome),
        changes.get("detail", step.detail),
        endpoint=changes.get("endpoint", step.endpoint),
        method=changes.get("method", step.method),
        latency=step.latency,
        status=step.status,
        facts=step.facts,
    )


def _words(exc: BaseException) -> str:
    if isinstance(exc, NoAnswer):
        return exc.reason
    if isinstance(exc, ContractViolation):
        return redact(exc.detail or exc.clause)
    return redact(str(exc))


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())[:_EXCERPT]
    return f": {redact(text)}" if text else ""
