"""The probe renders, budgets, remembers and judges answers; sent over an in-process transport."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from destwatch.failures import BudgetSpent, ContractViolation
from destwatch.gate.rules.probe import _WORKERS, Probe, RequestBudget, concurrently
from destwatch.openapi.model import EndpointModel, Surface
from destwatch.openapi.queries import LogicalQuery

MODEL = EndpointModel(
    name="p",
    path="/p",
    get=Surface("GET", features=frozenset({"top"})),
    post=Surface("POST", features=frozenset({"top"})),
)


def _client(answer: dict | None, status: int = 200) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=answer)

    return httpx.Client(base_url="http://destination.test", transport=httpx.MockTransport(handler)), seen


def test_answers_are_parsed_and_the_same_query_is_sent_once() -> None:
    client, seen = _client({"language": "en", "results": [{"id": "a"}, "b"], "total": 2})
    probe = Probe(client, MODEL, RequestBudget(10, "t"))
    first = probe.send(LogicalQuery(top=5), "POST")
    again = probe.send(LogicalQuery(top=5), "POST")
    assert first is again and len(seen) == 1
    assert json.loads(seen[0].content) == {"top": 5}
    assert (first.ids, first.total, first.complete) == (["a", "b"], 2, True)


def test_independent_queries_go_out_concurrently_in_order() -> None:
    client, seen = _client({"language": "en", "results": []})
    probe = Probe(client, MODEL, RequestBudget(10, "t"))
    answers = probe.send_all([(LogicalQuery(top=n), "GET") for n in range(4)])
    assert [a.ask.top for a in answers] == [0, 1, 2, 3]
    assert sorted(str(r.url.params["top"]) for r in seen) == ["0", "1", "2", "3"]


def test_a_non_200_answer_is_a_violation_with_the_request() -> None:
    client, _ = _client({"error": "x"}, status=404)
    probe = Probe(client, MODEL, RequestBudget(10, "t"))
    with pytest.raises(ContractViolation) as caught:
        probe.send(LogicalQuery(top=1), "GET")
    assert caught.value.status == 404
    assert "curl -X GET" in caught.value.request and "top=1" in caught.value.request


def test_an_answer_without_an_array_of_results_is_a_violation() -> None:
    client, _ = _client({"language": "en", "results": None})
    with pytest.raises(ContractViolation, match="array `results`"):
        Probe(client, MODEL, RequestBudget(10, "t")).send(LogicalQuery(), "POST")


def test_a_spent_budget_leaves_the_rule_not_checked_and_says_how_to_raise_it() -> None:
    client, seen = _client({"language": "en", "results": []})
    probe = Probe(client, MODEL, RequestBudget(1, "productCatalog/v1/products (filters)"))
    probe.send(LogicalQuery(top=1), "GET")
    with pytest.raises(BudgetSpent, match=r"request budget of 1 spent.*request_budget") as caught:
        probe.send(LogicalQuery(top=2), "GET")
    assert caught.value.kind == "budget"
    assert len(seen) == 1


def test_side_by_side_work_nested_in_the_pool_runs_in_turn_instead_of_deadlocking() -> None:
    # Each outer item waits on inner items; with more outer items than workers, inner work queued behind
    # the waiting outer items would never run.
    outer = list(range(_WORKERS + 2))
    results = concurrently(lambda n: concurrently(lambda m: (n, m), [0, 1, 2]), outer)
    assert results == [[(n, 0), (n, 1), (n, 2)] for n in outer]


def test_side_by_side_work_finishes_every_item_before_the_first_failure_is_raised() -> None:
    finished: list[int] = []
    failed = threading.Event()

    def work(n: int) -> int:
        if n == 0:
            failed.set()
            raise ValueError("the first item fails")
        failed.wait(timeout=5)
        finished.append(n)
        return n

    with pytest.raises(ValueError, match="the first item fails"):
        concurrently(work, [0, 1, 2])
    assert sorted(finished) == [1, 2]
