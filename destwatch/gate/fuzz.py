"""Schemathesis glue: one schema per destination version, built from the document the run fetched.

The fuzz suite never lets Schemathesis fetch a token or a document on its own: the document is the one
`Environment.document(target)` fetched over HTTP (as a user would), and every generated request carries the
token of the version's client. Generation, sending and Schemathesis's checks stay Schemathesis's; what fails
comes back as one `ContractViolation` per operation, rendered like every other destwatch finding.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import hypothesis
import requests
import schemathesis
from schemathesis import checks
from schemathesis.core.failures import Failure
from schemathesis.errors import FailureGroup

from destwatch import notices
from destwatch._bounded import TooLarge, TooLate, bounded, declared_too_large
from destwatch._files import json_or_none
from destwatch.config import VersionTarget
from destwatch.environment import Environment
from destwatch.errors import NoAnswer
from destwatch.failures import AnswerCutOff, AnswerTooLarge, ContractViolation
from destwatch.gate._schemathesis import explicit_cases, fuzzing_test, response_check
from destwatch.http import Client, answer_within_budget, redacted_exchange, why_no_answer
from destwatch.redact import redact, register_secret

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.checks import CheckContext
    from schemathesis.core.transport import Response
    from schemathesis.schemas import BaseSchema

__all__ = [
    "ADDITIONAL_CHECKS",
    "EXCLUDED_CHECKS",
    "FuzzSchemas",
    "FuzzSettings",
    "RecordedCase",
    "answers_without_redirect",
    "fuzz_config",
    "fuzz_operation",
    "fuzz_stateful",
    "has_links",
    "load_schema",
    "real_token_accepted",
    "success_envelope_holds_language_and_results",
    "without_security",
]

# Checks that need write operations (resources created then deleted) or a second identity's objects:
# an Occtoo destination is read-only product data, so they could only ever pass vacuously.
EXCLUDED_CHECKS = ("use_after_free", "ensure_resource_availability", "object_level_authorization")

# The current token and the seconds it has left to live.
TokenSource = Callable[[], tuple[str, float]]


@dataclass(frozen=True)
class FuzzSettings:
    """What a fuzz run takes from the target's settings (targets.toml) and the run's seed."""

    seed: int
    examples: int
    response_time_budget: float
    timeout: float
    # An unprotected version answers without credentials by design, whatever its document's security says.
    protected: bool = True


def fuzz_config(settings: FuzzSettings) -> schemathesis.Config:
    """The Schemathesis configuration of one destination version's fuzz run.

    `database = none`: a stored example database makes a seeded run send different requests than the
    last one did, and keeping its Pareto front up to date costs several times the throughput.
    """
    return schemathesis.Config.from_dict(
        {
            "seed": settings.seed,
            "request-timeout": settings.timeout,
            # Whatever the document says, a redirect is the answer under test, never followed.
            "max-redirects": 0,
            "suppress-health-check": ["all"],
            "generation": {"max-examples": settings.examples, "database": "none"},
            "checks": {
                "max_response_time": settings.response_time_budget,
                **{name: {"enabled": False} for name in EXCLUDED_CHECKS},
            },
        }
    )


def load_schema(
    document: Mapping[str, Any],
    *,
    base_url: str,
    settings: FuzzSettings,
    token: TokenSource | None,
) -> BaseSchema:
    """A Schemathesis schema of `document`, sending to `base_url`, authenticated by `token` when protected.

    An unprotected version is fuzzed without the security its document may still declare: the target says
    no credentials are needed, and the document clause reports the mismatch once, as a warning.
    """
    source = dict(document) if settings.protected else without_security(document)
    schema = schemathesis.openapi.from_dict(source, config=fuzz_config(settings))
    schema.config.update(base_url=base_url)
    if token is not None:
        schema.auth(refresh_interval=None)(_provider(token))
    return schema


def without_security(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose operations require no credentials."""
    copy = {key: value for key, value in document.items() if key != "security"}
    copy["paths"] = {
        path: {
            method: {key: value for key, value in operation.items() if key != "security"}
            if isinstance(operation, Mapping)
            else operation
            for method, operation in item.items()
        }
        for path, item in (document.get("paths") or {}).items()
    }
    return copy


class _IssuedTokens:
    """The real tokens lately handed to Schemathesis, each with the instant it dies, so a check can tell them
    from generated garbage and a refusal of a live token from the refusal of one that died on the way. Only
    the latest few are kept: a token is replaced long before that many others follow it."""

    _KEPT = 256

    def __init__(self) -> None:
        self._dies_at: dict[str, float] = {}

    def add(self, token: str, time_left: float) -> None:
        register_secret(token)
        header = f"Bearer {token}"
        self._dies_at.pop(header, None)
        # A JWT's `exp` has whole-second resolution: it may die up to a second before its lifetime says.
        self._dies_at[header] = time.monotonic() + time_left - 1.0
        while len(self._dies_at) > self._KEPT:
            del self._dies_at[next(iter(self._dies_at))]

    def __contains__(self, authorization: object) -> bool:
        return authorization in self._dies_at

    def alive(self, authorization: object) -> bool:
        """Issued by the run, and still alive now (when its answer has arrived)."""
        dies_at = self._dies_at.get(authorization) if isinstance(authorization, str) else None
        return dies_at is not None and time.monotonic() < dies_at


_ISSUED = _IssuedTokens()


def _issue(token: TokenSource) -> str:
    value, time_left = token()
    _ISSUED.add(value, time_left)
    return value


def _provider(token: TokenSource) -> type:
    # `refresh_interval=None` above: no second cache inside Schemathesis. The client already caches
    # for the token's real lifetime; a fixed 300 s cache here would hand out tokens the client had
    # replaced, and its 401-replay would hide a destination that rejects fresh tokens.
    class ClientTokenAuth:
        def get(self, case: Case, ctx: object) -> str:
            return _issue(token)

        def set(self, case: Case, data: str, ctx: object) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return ClientTokenAuth


def real_token_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A request that carried a real, current token must not be answered 401 or 403.

    Without this check an expired or revoked token turns every request into a documented 401 and the
    operation passes without one real answer having been checked.
    """
    authorization = response.request.headers.get("Authorization")
    # A token that died on the way (a loaded machine, a short lifetime) is rightly refused.
    if response.status_code in (401, 403) and _ISSUED.alive(authorization):
        raise Failure(
            operation=case.operation.label,
            title="Current credentials refused",
            message=f"the request carried the run's current access token, yet got {response.status_code}: "
            "this answer was not checked against the document",
        )
    return None


def success_envelope_holds_language_and_results(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """Every 2xx data answer is `{"language": ..., "results": [...]}`, for GET and POST alike.

    This is the contract's envelope [doc], checked apart from the document so a document that forgot to
    require `language` cannot hide its absence.
    """
    if not 200 <= response.status_code < 300:
        return None
    body = json_or_none(response)  # parsed once: Schemathesis's own checks read the same cached parse
    problem = ""
    if not isinstance(body, dict):
        problem = f"the answer is {'not JSON' if body is None else 'a JSON ' + type(body).__name__}"
    elif missing := [key for key in ("language", "results") if key not in body]:
        problem = f"the envelope lacks {', '.join(missing)} (keys: {', '.join(sorted(body))})"
    elif not isinstance(body["results"], list):
        problem = f"`results` is a JSON {type(body['results']).__name__}, not an array"
    if problem:
        raise Failure(
            operation=case.operation.label, title="Envelope is not {language, results}", message=problem
        )
    return None


def answers_without_redirect(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """No answer is a redirect: destwatch follows none, so credentials never travel to another address."""
    if 300 <= response.status_code < 400:
        location = response.headers.get("location") or response.headers.get("Location") or ["(none)"]
        raise Failure(
            operation=case.operation.label,
            title="Redirect not followed",
            message=f"answered {response.status_code} with a redirect to {location[0]}; destwatch does not "
            "follow redirects",
        )
    return None


ADDITIONAL_CHECKS = (
    real_token_accepted,
    success_envelope_holds_language_and_results,
    answers_without_redirect,
)
# `ignored_auth` once confirmed for an operation (see `fuzz_operation`).
_PROBE = (checks.ignored_auth,)


@dataclass
class _FinalExample:
    """The shrunk failing example Hypothesis replays last: what the violation shows."""

    curl: str = ""
    status: int | None = None
    body: str = ""
    inputs: tuple[str, ...] = ()


def fuzz_operation(
    schema: BaseSchema,
    method: str,
    path: str,
    *,
    token: TokenSource | None = None,
    client: Client | None = None,
    replayed: Sequence[RecordedCase] = (),
) -> None:
    """Environment Schemathesis's examples, coverage and fuzzing phases on one operation of `schema`.

    `token` is the schema's token source: a real token put on a case is replaced by the current one just
    before sending, because Schemathesis authenticates cases when it generates them (the coverage phase
    generates all of its cases up front) and a short-lived token could expire in between. `client` is the
    version's destwatch client: the fuzzer shares its breaker, its limits, its pace (`max_rps`) and its
    recorder, so a version that stops answering costs a few timeouts whichever suite meets it first.
    Without a client, cases are sent unpaced.
    Raises `ContractViolation` naming the operation and every failed check, with the shrunk example's
    redacted curl; `NoAnswer` when the destination stops answering (the remaining cases are not sent).
    With `replayed`, only those recorded cases are sent, and checked the same way (`destwatch replay`).
    """
    __tracebackhide__ = True
    operation = schema[path][method.upper()]
    name = client.target.id if client is not None else ""
    label = f"{name} {operation.label}".strip()
    final = _FinalExample()
    timeout = float(schema.config.request_timeout or _DEFAULT_TIMEOUT)
    limit = client.target.settings.max_response_bytes if client is not None else _DEFAULT_LIMIT
    # One keep-alive session for the operation, as `st run` does: without it every case opens a connection.
    session = _BoundedSession(schema.get_base_url(), timeout=timeout, limit=limit)

    # `ignored_auth` re-sends every authenticated success without credentials. `st run` confirms that
    # once per operation and run; outside its engine nothing remembers, which doubles the traffic.
    auth_confirmed = False
    validate = response_check(operation)
    budget = client.target.settings.response_time_budget if client is not None else None

    def check(case: Case) -> None:
        nonlocal auth_confirmed
        authenticated = (case.headers or {}).get("Authorization") in _ISSUED
        if token is not None and authenticated:
            case.headers["Authorization"] = f"Bearer {_issue(token)}"
        response = answer_within_budget(
            lambda: _call(case, session, client, timeout=timeout, limit=limit), budget, seconds=_seconds
        )
        skip_probe = authenticated and auth_confirmed
        try:
            validate(case, response, additional=ADDITIONAL_CHECKS, excluded=_PROBE if skip_probe else ())
            auth_confirmed = auth_confirmed or (authenticated and 200 <= response.status_code < 300)
            _cover(name, path, method.upper(), case, response.status_code)
        except FailureGroup:
            if _is_final_example():
                final.curl = redact(case.as_curl_command(headers=dict(response.request.headers)))
                final.status, final.body = response.status_code, response.text
                final.inputs = _inputs(case)
            raise

    try:
        # Examples and coverage first, and random fuzzing only once they all passed: like `st run`, the
        # operation stops at its first failing case (a slow destination would cost each case its budget).
        for recorded in replayed:
            auth = {"Authorization": f"Bearer {_issue(token)}"} if token and recorded.authenticated else None
            check(operation.Case(headers=auth, **recorded.inputs))
        if replayed:
            return
        for case in explicit_cases(schema, operation):
            check(case)
        test = fuzzing_test(schema, operation, check)
        if test is not None:
            test()
    except _Stop as stop:
        raise stop.error from None
    except BaseExceptionGroup as group:
        failures = list(_failures(group))
        if not failures:
            raise
        raise _violation(label, failures, final, schema.config.seed) from None
    finally:
        session.close()


@dataclass(frozen=True)
class RecordedCase:
    """A case as a finding recorded it: its inputs (`query`, `body`, `path_parameters`, as the
    counterexample lists them) and whether it carried the version's token."""

    inputs: Mapping[str, Any]
    authenticated: bool

    @classmethod
    def of(cls, counterexample: Sequence[str], *, authenticated: bool) -> RecordedCase:
        inputs = {}
        for line in counterexample:
            name, _, value = line.partition(": ")
            if name in ("path_parameters", "query", "body"):
                inputs[name] = json.loads(value)
        return cls(inputs, authenticated)


def _cover(target: str, path: str, method: str, case: Case, status: int) -> None:
    """A case that passed every check exercised what it sent, and proved the status it was answered with:
    Schemathesis checked the answer against that status's documented schema."""
    endpoint = path.strip("/")
    notices.cover(
        target, endpoint, "statuses", f"{method} {status}", notices.PROVEN, "a fuzzed case conformed"
    )
    sent = case.query if method == "GET" else case.body
    kind = "parameters" if method == "GET" else "body_fields"
    for name in sent if isinstance(sent, dict) else ():
        notices.cover(target, endpoint, kind, str(name), notices.EXERCISED, "fuzzed")


_DEFAULT_TIMEOUT = 10.0
_DEFAULT_LIMIT = 10 * 1024 * 1024


def _seconds(response: Response) -> float:
    return response.elapsed


class _Stop(BaseException):
    """Stops the operation at once: no answer, or one cut off or too large.

    A `BaseException` on purpose: Hypothesis would record an `Exception` and go on with every remaining
    coverage case, each waiting out the full timeout against a destination that has stopped answering.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _call(case: Case, session: requests.Session, client: Client | None, *, timeout: float, limit: int) -> Any:
    """Send `case` through the bounded session; every way of not answering becomes a `_Stop`."""
    breaker = client.data_breaker if client is not None else None
    try:
        if client is not None:
            client.data_breaker.check()
            # The version's one pace (`max_rps`), shared with every other request destwatch sends it.
            client.pace()
        response = case.call(session=session)
    except NoAnswer as stopped:
        raise _Stop(stopped) from None
    except TooLarge:
        raise _Stop(AnswerTooLarge(redact(case.as_curl_command()), limit)) from None
    except requests.exceptions.ChunkedEncodingError:
        raise _Stop(AnswerCutOff(redact(case.as_curl_command()))) from None
    except (TooLate, requests.Timeout, requests.ConnectionError) as exc:
        kind, reason = _no_answer(exc, timeout)
        if breaker is not None:
            breaker.failed(reason)
        where = f"{case.method} {redact(case.formatted_path)}"
        stopped = NoAnswer(
            f"{reason} ({where}); the operation's remaining cases were not sent",
            kind=kind,
            owner=client.target.id if client is not None else "",
        )
        raise _Stop(stopped) from None
    if breaker is not None:
        breaker.answered()
    if client is not None:
        _record(client, response)
    return response


def _no_answer(exc: BaseException, timeout: float) -> tuple[str, str]:
    if isinstance(exc, TooLate) and exc.received:
        return "timeout", f"no complete answer within {timeout:g} s ({exc.received} bytes had arrived)"
    if isinstance(exc, requests.ConnectTimeout):
        return why_no_answer(exc, timeout, timed_out="connect")
    if isinstance(exc, TooLate | requests.Timeout):
        return why_no_answer(exc, timeout, timed_out="read")
    return why_no_answer(exc, timeout, timed_out=None)


def _record(client: Client, response: Any) -> None:
    """Fuzz traffic is recorded and counted like every request destwatch's own client sends."""
    request = response.request
    client.recorder.add(
        redacted_exchange(
            client.target.id,
            method=request.method or "",
            url=request.url or "",
            headers=request.headers.items(),
            body=request.body,
            status=response.status_code,
            content=response.content,
            encoding=response.encoding,
            elapsed=response.elapsed,
        )
    )


class _BoundedSession(requests.Session):
    """A `requests` session to `base_url` that follows no redirect and reads every answer within bounds: the
    whole answer within `timeout`, at most `limit` bytes (see `destwatch._bounded`).

    The environment's proxy and CA bundle are read once, here: `requests` would otherwise scan all of
    `os.environ` for every request. No `.netrc` is consulted: its
    credentials would replace the ones a case carries, or add some to a case sent without on purpose.
    """

    def __init__(self, base_url: str, *, timeout: float, limit: int) -> None:
        super().__init__()
        environment = self.merge_environment_settings(base_url, {}, None, None, None)
        self.proxies, self.verify = environment["proxies"], environment["verify"]
        self.trust_env = False
        self._timeout = timeout
        self._limit = limit

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + self._timeout
        response = super().send(request, **{**kwargs, "stream": True, "allow_redirects": False})
        if declared_too_large(response.headers.get("Content-Length"), self._limit):
            response.close()
            raise TooLarge
        response.raw = _BoundedRaw(response.raw, deadline=deadline, limit=self._limit)
        return response


class _BoundedRaw:
    """The answer's raw stream, read through `bounded` (requests reads bodies with `raw.stream`)."""

    def __init__(self, raw: Any, *, deadline: float, limit: int) -> None:
        self._raw = raw
        self._deadline = deadline
        self._limit = limit

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        chunks = self._raw.stream(amt, decode_content=decode_content)
        yield from bounded(chunks, deadline=self._deadline, limit=self._limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _is_final_example() -> bool:
    from hypothesis.control import current_build_context
    from hypothesis.errors import InvalidArgument

    try:
        return current_build_context().is_final
    except InvalidArgument:
        # Outside a Hypothesis run (a hand-built case): there is only one example.
        return True


def _inputs(case: Case) -> tuple[str, ...]:
    from schemathesis.core import NotSet

    parts = []
    for name in ("path_parameters", "query", "body"):
        value = getattr(case, name, None)
        if not isinstance(value, NotSet) and value not in (None, {}, [], ""):
            parts.append(f"{name}: {redact(json.dumps(value, default=str, ensure_ascii=False))}")
    return tuple(parts)


def _failures(group: BaseExceptionGroup[Any]) -> Iterator[Any]:
    """Every Schemathesis failure inside (possibly nested) groups; Hypothesis groups distinct bugs."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _failures(exc)
        elif hasattr(exc, "code") and hasattr(exc, "title"):
            yield exc


def _violation(label: str, failures: list[Any], final: _FinalExample, seed: int | None) -> ContractViolation:
    seen: dict[tuple[str, str], Any] = {}
    for failure in failures:
        seen.setdefault((failure.code, failure.title), failure)
    lines = ["every generated request gets an answer its document (and the contract's envelope) allows"]
    for failure in seen.values():
        lines.append(f"{failure.code} {failure.title}")
        lines += [f"    {line}" for line in redact(failure.message).splitlines() if line.strip()]
    if seed is not None:
        lines.append(f"Seed: {seed} (reproduce with --destwatch-seed {seed})")
    # In code order: the order checks ran in varies, and the clause is part of a finding's fingerprint.
    titles = "; ".join(f"{code} {title}" for code, title in sorted(seen))
    found = ContractViolation(
        f"fuzz: {label}: {titles}",
        detail="\n".join(lines),
        request=final.curl,
        counterexample=final.inputs,
        status=final.status,
        response_body=final.body,
    )
    # Which parameters a failing case holds varies with the seed; which checks it fails does not.
    found.shape = tuple(sorted({f"check {code}" for code, _ in seen}))
    return found


def fuzz_stateful(schema: BaseSchema, *, examples: int) -> None:
    """Follow the document's OpenAPI links in generated workflows; raises `ContractViolation` on failure.

    Derandomized: the same document gives the same workflows on every run, so a CI failure reproduces.
    """
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def validate_response(
            self, response: Any, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> Any:
            extra = [*ADDITIONAL_CHECKS, *(additional_checks or ())]
            return super().validate_response(response, case, additional_checks=extra, **kwargs)

    settings = hypothesis.settings(
        max_examples=examples,
        stateful_step_count=5,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    try:
        Workflow.run(settings=settings)
    except BaseExceptionGroup as group:
        failures = list(_failures(group))
        if not failures:
            raise
        raise _violation("stateful workflow", failures, _FinalExample(), None) from None


def has_links(document: Mapping[str, Any]) -> bool:
    """Whether any response of any operation declares OpenAPI links (what stateful testing follows)."""
    return any(True for _ in _links(document))


def _links(document: Mapping[str, Any]) -> Iterator[str]:
    for path_item in (document.get("paths") or {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in (operation.get("responses") or {}).values():
                if isinstance(response, dict):
                    yield from response.get("links") or {}


class FuzzSchemas:
    """Schemathesis schemas of the run's versions, built once each, authenticated by the run's clients."""

    def __init__(self, run: Environment) -> None:
        self.run = run
        self._schemas: dict[str, BaseSchema] = {}
        self._lock = threading.Lock()

    def seed(self, target: VersionTarget) -> int:
        """`--destwatch-seed` when given, else the target's `seed` (a fixed default keeps CI reproducible)."""
        return self.run.selection.seed_of(target)

    def settings(self, target: VersionTarget) -> FuzzSettings:
        settings = target.settings
        return FuzzSettings(
            seed=self.seed(target),
            examples=settings.examples,
            response_time_budget=settings.response_time_budget,
            timeout=settings.timeout,
            protected=target.protected,
        )

    def token(self, target: VersionTarget) -> TokenSource | None:
        """The version's token source (its client's token cache), None for an unprotected version."""
        if not target.protected:
            return None
        return self.run.http(target).token_with_time_left

    def get(self, target: VersionTarget) -> BaseSchema:
        with self._lock:
            if target.id not in self._schemas:
                self._schemas[target.id] = load_schema(
                    self.run.document(target),
                    base_url=target.base_url,
                    settings=self.settings(target),
                    token=self.token(target),
                )
            return self._schemas[target.id]
