"""Sending logical queries: rendering, a request budget, concurrency, and the parsed answer.

The suites never build requests by hand: they hand `LogicalQuery`s to a `Probe`, which renders them for the
document, counts them against the suite's budget for the endpoint, sends independent ones
concurrently (the client's HTTP layer bounds the rate), and checks each answer is a 200 JSON envelope
before any rule looks at it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar

import httpx

from destwatch import notices
from destwatch._files import json_or_none
from destwatch.failures import BudgetSpent, ContractViolation, violation
from destwatch.http import Client
from destwatch.openapi.model import EndpointModel
from destwatch.openapi.queries import LogicalQuery, Method, Request, render

__all__ = ["Answer", "Probe", "RequestBudget", "Sender", "concurrently", "coverage_shown"]

_WORKERS = 6
_T = TypeVar("_T")
_U = TypeVar("_U")


class Sender(Protocol):
    """What a probe needs from a client: `destwatch.http.Client` and `httpx.Client` both fit."""

    def get(self, url: str, *, params: Any = ...) -> httpx.Response: ...

    def post(self, url: str, *, json: Any = ..., params: Any = ...) -> httpx.Response: ...


class RequestBudget:
    """Requests one suite may send to one endpoint; past it, the rule is left not checked, saying so."""

    def __init__(self, limit: int, owner: str) -> None:
        self.limit = limit
        self.owner = owner
        self.spent = 0
        self._lock = threading.Lock()

    def take(self, count: int = 1) -> None:
        with self._lock:
            if self.spent + count > self.limit:
                spent = f"{self.owner}: request budget of {self.limit} spent"
                raise BudgetSpent(f"{spent} (raise request_budget in targets.toml)")
            self.spent += count

    @property
    def left(self) -> int:
        with self._lock:
            return self.limit - self.spent


@dataclass(frozen=True)
class Answer:
    """One query, the request it became, and the parsed JSON envelope of its 200 answer."""

    ask: LogicalQuery
    request: Request
    response: httpx.Response
    data: dict[str, Any]

    @property
    def method(self) -> Method:
        return self.request.method

    # Rules read an answer's results and ids many times (a keyset walk, every sort key): derive them once.
    @cached_property
    def results(self) -> list[Any]:
        return list(self.data.get("results") or [])

    @cached_property
    def ids(self) -> list[str]:
        """Result ids in order (with `listIds` the results are the ids themselves)."""
        return [item if isinstance(item, str) else str(item.get("id")) for item in self.results]

    @property
    def total(self) -> int | None:
        value = self.data.get("total")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def facets(self) -> dict[str, dict[str, int]]:
        """Facet property -> {value key: count}."""
        facets: dict[str, dict[str, int]] = {}
        for facet in self.data.get("facets") or []:
            if isinstance(facet, dict):
                values = facet.get("values") or []
                facets[str(facet.get("propertyId"))] = {
                    str(v.get("key")): v.get("count") for v in values if isinstance(v, dict)
                }
        return facets

    @property
    def complete(self) -> bool:
        """Whether the page holds every match (shorter than the page size asked for)."""
        top = self.ask.top
        return top is not None and len(self.results) < top

    def fail(
        self, clause: str, *, detail: str = "", counterexample: Sequence[str] | str = ()
    ) -> ContractViolation:
        return violation(
            clause, self.response, detail=detail, counterexample=counterexample, body=self.request.body
        )


class Probe:
    """Sends queries for one endpoint of one destination version."""

    def __init__(self, client: Sender, model: EndpointModel, budget: RequestBudget, target: str = "") -> None:
        self.client = client
        self.model = model
        self.budget = budget
        # The version's id, which coverage evidence is recorded under ("" records none).
        self.target = target
        # Rules of one suite often need the same answer (the unfiltered page, one must value): ask once.
        self._answers: dict[str, Answer] = {}
        # What each answer shows for coverage, worked out once per answer.
        self._shown: dict[str, list[tuple[str, str, str, str]]] = {}
        self._lock = threading.Lock()

    def raw(self, ask: LogicalQuery, method: Method) -> tuple[Request, httpx.Response]:
        """Send without judging the answer (the shape suite judges empty answers itself)."""
        request = render(ask, self.model, method)
        _check_abandoned()
        self.budget.take()
        if method == "GET":
            return request, self.client.get(request.path, params=list(request.params))
        params = list(request.params) or None
        return request, self.client.post(request.path, json=request.body, params=params)

    def send(self, ask: LogicalQuery, method: Method) -> Answer:
        request = render(ask, self.model, method)
        key = json.dumps([request.method, request.path, list(request.params), request.body], sort_keys=True)
        with self._lock:
            known = self._answers.get(key)
        if known is None:
            request, response = self.raw(ask, method)
            known = _answer(ask, request, response)
            covered = self.target and notices.covering()
            shown = coverage_shown(known, self.model.properties) if covered else []
            with self._lock:
                self._answers[key], self._shown[key] = known, shown
        if isinstance(self.client, Client):
            # A test reusing an answer relies on its request as much as the test that sent it.
            self.client.used(known.response.request)
        # Every test that uses an answer exercised what it sent, cached or not.
        for kind, item, level, how in self._shown.get(key, ()):
            notices.cover(self.target, self.model.name, kind, item, level, how)
        return known

    def raw_all(self, asks: Sequence[tuple[LogicalQuery, Method]]) -> list[tuple[Request, httpx.Response]]:
        """Independent queries sent concurrently without judging the answers; in the order asked."""
        return concurrently(lambda item: self.raw(*item), asks)

    def send_all(self, asks: Sequence[tuple[LogicalQuery, Method]]) -> list[Answer]:
        """Independent queries, sent concurrently; answers in the order asked."""
        return concurrently(lambda item: self.send(*item), asks)


def concurrently(work: Callable[[_T], _U], items: Sequence[_T]) -> list[_U]:
    """`work(item)` for every item at once, results in order: for independent chains of requests, such as
    one keyset walk per method. Work already running in the pool runs its items in turn, so no worker ever
    waits on a pool that its waiting siblings fill."""
    if len(items) <= 1 or getattr(_in_pool, "flag", False):
        return [work(item) for item in items]
    abandoned = threading.Event()

    def run(item: _T) -> _U:
        _in_pool.abandoned = abandoned
        return work(item)

    futures = [_pool().submit(run, item) for item in items]
    try:
        # Every item finishes before the first failure is raised: no request of this batch outlives its rule.
        wait(futures)
    except BaseException:
        # Interrupted (a signal stops the run): the batch's chains stop at their next request, and what has
        # not started never does, so the process is not kept alive by requests nobody waits for.
        abandoned.set()
        for future in futures:
            future.cancel()
        raise
    return [future.result() for future in futures]


def coverage_shown(answer: Answer, properties: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    """(kind, item, level, how) of each coverage item a checked answer shows (`destwatch.coverage.items`):
    what it sent was exercised; its method, its status and each property seen populated with its documented
    type are proven, since the envelope check and the property's type could have failed."""
    ask, method, exercised = answer.ask, answer.method, notices.EXERCISED
    found = [("operations", method, notices.PROVEN, "answered 200 with a checked envelope")]
    found.append(("statuses", f"{method} 200", notices.PROVEN, "seen with a checked envelope"))
    sent = [name for name, _ in answer.request.params] + list(answer.request.body or {})
    kind = "parameters" if method == "GET" else "body_fields"
    found += [(kind, name, exercised, "sent") for name in dict.fromkeys(sent)]
    found += [("filters", f"must.{key}", exercised, "sent") for key in ask.must]
    found += [("filters", f"mustNot.{key}", exercised, "sent") for key in ask.must_not]
    found += [
        ("filters", f"range.{k}.{op}", exercised, "sent") for k, ops in ask.ranges.items() for op in ops
    ]
    found += [("sort", f"{key} asc", exercised, "sent") for key in ask.sort_asc]
    found += [("sort", f"{key} desc", exercised, "sent") for key in ask.sort_desc]
    found += [("paging", mode, exercised, "sent") for mode in ("skip", "after") if getattr(ask, mode)]
    found += [("languages", ask.language, exercised, "sent")] if ask.language else []
    rows = [row for row in answer.results if isinstance(row, dict)]
    for name, declared in properties.items():
        if any(_is_a(row.get(name), declared) for row in rows):
            found.append(("properties", name, notices.PROVEN, f"seen populated as its documented {declared}"))
        elif rows:
            found.append(("properties", name, notices.UNTESTABLE, "never seen populated: null or absent"))
    return found


_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "date-time": str,
    "number": (int, float),
    "integer": int,
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _is_a(value: Any, declared: str) -> bool:
    if value is None or (isinstance(value, bool) and declared != "boolean"):
        return False
    return isinstance(value, _TYPES.get(declared, object))


class _Abandoned(Exception):
    """The batch this request belonged to was given up: the run is stopping."""


def _check_abandoned() -> None:
    flag = getattr(_in_pool, "abandoned", None)
    if flag is not None and flag.is_set():
        raise _Abandoned


_shared_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_in_pool = threading.local()


def _pool() -> ThreadPoolExecutor:
    """One pool for every probe: a run sends hundreds of small batches, and starting threads for each one
    cost more than some of their requests."""
    global _shared_pool
    with _pool_lock:
        if _shared_pool is None:
            _shared_pool = ThreadPoolExecutor(
                max_workers=_WORKERS, thread_name_prefix="destwatch-probe", initializer=_mark_pool_thread
            )
        return _shared_pool


def _mark_pool_thread() -> None:
    _in_pool.flag = True


def _answer(ask: LogicalQuery, request: Request, response: httpx.Response) -> Answer:
    clause = "envelope: a query the document allows answers 200 with a JSON object holding an array `results`"
    if response.status_code != 200:
        raise violation(clause, response, detail=f"asked: {ask.describe()}", body=request.body)
    data = json_or_none(response)
    if data is None:
        raise violation(clause, response, detail="the body is not JSON", body=request.body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise violation(clause, response, detail=f"asked: {ask.describe()}", body=request.body)
    return Answer(ask, request, response, data)
