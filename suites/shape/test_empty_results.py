"""A query that matches nothing answers 200 with `results: []` and the usual envelope, GET and POST."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import httpx
import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect, json_body
from destwatch.gate.rules.oracles import empty_result_is_an_empty_array
from destwatch.gate.rules.probe import Answer, concurrently
from destwatch.gate.rules.session import Sample, Session
from destwatch.openapi.generators import missing_value
from destwatch.openapi.model import EndpointModel, Method, Surface
from destwatch.openapi.queries import LogicalQuery, Request, methods_for

METHODS: tuple[Method, ...] = ("GET", "POST")
KINDS = ("unknown-id", "unmatched-value", "skip-past-end", "after-past-last")
_T = TypeVar("_T")


def _nothing(
    kind: str, surface: Surface, sample: Sample, semantics: Session, target: VersionTarget, endpoint: str
) -> LogicalQuery:
    """The query of `kind` that can match nothing, written with what `surface` declares."""
    model = semantics.model(target, endpoint)
    totals = surface.declares("includeTotals")
    if kind == "unknown-id":
        if "id" not in surface.filters:
            raise NotChecked(f"{surface.method} {model.path}: the document declares no filter on `id`")
        return LogicalQuery(top=5, totals=totals).and_must("id", missing_value(sample.rows, "id"))
    if kind == "unmatched-value":
        names = [n for n in surface.filters if n != "id"]
        if not names:
            raise NotChecked(f"{surface.method} {model.path}: no filter on a property other than `id`")
        return LogicalQuery(top=5, totals=totals).and_must(names[0], missing_value(sample.rows, names[0]))
    if kind == "skip-past-end":
        if sample.size is None:
            raise NotChecked(
                f"{model.path}: neither includeTotals nor a complete page tells where the end is"
            )
        return LogicalQuery(top=5, skip=sample.size + 5)
    return LogicalQuery(top=5, sort_asc=("id",), after=_last_id(model, sample, semantics, target, endpoint))


def _last_id(
    model: EndpointModel, sample: Sample, semantics: Session, target: VersionTarget, endpoint: str
) -> str:
    ids = [str(row.get("id")) for row in sample.rows]
    if sample.complete and ids:
        return max(ids)
    newest = LogicalQuery(top=1, sort_desc=("id",))
    method = methods_for(model, [newest])[0]
    answer = semantics.probe(target, endpoint).send(newest, method)
    if not answer.ids:
        raise NotChecked(f"{model.path}: sortDesc=id gave no id to page past")
    return answer.ids[0]


@dataclass(frozen=True)
class _Sent:
    """One kind's query matching nothing, its answer, and the usual answer to compare its envelope with."""

    ask: LogicalQuery
    request: Request
    response: httpx.Response
    usual: Answer


def _sent_matching_nothing(
    semantics: Session, target: VersionTarget, endpoint: str, method: Method, kinds: Sequence[str]
) -> dict[str, _Sent | Exception]:
    """The query of each of `kinds` on `method` and the usual queries beside them, sent together when the
    first kind is checked; per kind, what was sent and received, or what stopped it (raised by that kind's
    own test)."""

    def send() -> dict[str, _Sent | Exception]:
        surface = semantics.surface(target, endpoint, method)
        sample = semantics.sample(target, endpoint)
        probe = semantics.probe(target, endpoint)
        stopped: dict[str, Exception] = {}
        asks: dict[str, LogicalQuery] = {}
        for kind in kinds:
            try:
                asks[kind] = _nothing(kind, surface, sample, semantics, target, endpoint)
            except Exception as why:
                stopped[kind] = why
        usual = {
            totals: LogicalQuery(top=1, totals=totals) for totals in sorted({a.totals for a in asks.values()})
        }
        jobs = [partial(probe.raw, ask, method) for ask in asks.values()]
        jobs += [partial(probe.send, ask, method) for ask in usual.values()]
        done = concurrently(_caught, jobs)
        envelopes = dict(zip(usual, done[len(asks) :], strict=True))
        outcomes: dict[str, _Sent | Exception] = dict(stopped)
        for (kind, ask), sent in zip(asks.items(), done[: len(asks)], strict=True):
            envelope = envelopes[ask.totals]
            if isinstance(sent, Exception) or isinstance(envelope, Exception):
                outcomes[kind] = sent if isinstance(sent, Exception) else envelope
            else:
                outcomes[kind] = _Sent(ask, *sent, usual=envelope)
        return outcomes

    return semantics.plan((target.id, endpoint, "matching nothing", method), send)


def _selected_kinds(request: pytest.FixtureRequest) -> list[str]:
    """The kinds this run checks (`-k` may pick some): no query is sent for a clause that does not run."""
    chosen = {
        item.callspec.params.get("kind")
        for item in request.session.items
        if getattr(item, "originalname", None) == request.node.originalname and hasattr(item, "callspec")
    }
    return [kind for kind in KINDS if kind in chosen]


def _caught(job: Callable[[], _T]) -> _T | Exception:
    try:
        return job()
    except Exception as why:
        return why


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
def test_query_matching_nothing_answers_200_with_empty_results(
    semantics: Session,
    target: VersionTarget,
    endpoint: str,
    kind: str,
    method: Method,
    request: pytest.FixtureRequest,
) -> None:
    semantics.surface(target, endpoint, method)
    if not semantics.sample(target, endpoint).rows:
        pytest.skip(f"{endpoint}: the endpoint holds no items, so no non-empty envelope to compare with")
    sent = _sent_matching_nothing(semantics, target, endpoint, method, _selected_kinds(request))[kind]
    if isinstance(sent, Exception):
        raise sent
    expect(
        empty_result_is_an_empty_array(
            sent.response.status_code,
            json_body(sent.response),
            envelope_keys=sent.usual.data.keys(),
            # `total` counts matches, not the page: it is 0 only where nothing matches at all.
            totals_asked=sent.ask.totals and kind in ("unknown-id", "unmatched-value"),
        ),
        'empty results: a query that matches nothing answers 200 with "results": [] and the envelope of a '
        "non-empty answer (not null, not absent, not 404)",
        (sent.request, sent.response),
        detail=f"asked: {sent.ask.describe()} ({kind})",
    )
