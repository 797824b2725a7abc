"""Each consumer's own queries, on every version it uses, checked by the filters and shape suites' oracles:
the envelope, the properties and facets it reads (with their documented types), its filters and sort order
honoured, and its way of paging without gaps or repeats. Every clause names the consumer and its query."""

from __future__ import annotations

from destwatch.config import VersionTarget
from destwatch.consumers.model import ConsumerQuery
from destwatch.consumers.queries import bind
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect, json_body
from destwatch.gate.rules.oracles import (
    envelope_has_language_and_results,
    keyset_paging_visits_every_item_once,
    listed_facets_are_present,
    must_not_excludes_values,
    results_carry_properties_as_documented,
    results_satisfy_must,
    results_within_range,
    skip_pages_are_disjoint_and_concatenate,
    sorted_by_property,
)
from destwatch.gate.rules.plans import Endpoint, endpoint_under_test, keyset_walk
from destwatch.gate.rules.probe import Answer
from destwatch.gate.rules.session import Session
from destwatch.openapi.queries import LogicalQuery, Unsupported, render


def _endpoint(semantics: Session, target: VersionTarget, query: ConsumerQuery) -> Endpoint:
    expect(
        []
        if query.endpoint in semantics.models(target)
        else [f"{target.id} has no collection {query.endpoint!r}"],
        f"consumer {query.consumer}: the endpoint of query {query.name} is in the document",
        None,
    )
    return endpoint_under_test(semantics, target, query.endpoint)


def _ask(semantics: Session, target: VersionTarget, query: ConsumerQuery, ep: Endpoint) -> LogicalQuery:
    """The query with its placeholders filled from this version's own data, in the query's language."""
    rows = semantics.sample(target, query.endpoint, query.language).rows
    ask = bind(query, rows, ep.model.date_times)
    try:
        render(ask, ep.model, query.method)
    except Unsupported as why:
        expect(
            [why.reason],
            f"consumer {query.consumer}: the document declares everything query {query.name} sends",
            None,
            detail=f"{query.method} {ep.model.path}: {ask.describe()}",
        )
    return ask


def _answer(semantics: Session, target: VersionTarget, query: ConsumerQuery) -> tuple[Endpoint, Answer]:
    ep = _endpoint(semantics, target, query)
    ask = _ask(semantics, target, query, ep)
    request, response = ep.probe.raw(ask, query.method)
    data = json_body(response)
    status = [] if response.status_code == 200 else [f"status {response.status_code}, not 200"]
    expect(
        status or envelope_has_language_and_results(data, ask.language, totals_asked=ask.totals),
        f"consumer {query.consumer}: query {query.name} gets `language`, an array `results` and the `total` "
        "it asks for",
        (request, response),
        detail=f"asked: {ask.describe()}",
    )
    return ep, Answer(ask, request, response, data)


def test_consumer_query_gets_the_properties_and_facets_it_reads(
    semantics: Session, target: VersionTarget, query: ConsumerQuery
) -> None:
    ep, answer = _answer(semantics, target, query)
    relies = query.relies
    expect(
        results_carry_properties_as_documented(answer.results, relies.properties, ep.model.properties),
        f"consumer {query.consumer}: query {query.name} gets each property it reads, of its documented type",
        answer,
    )
    expect(
        listed_facets_are_present(answer.data, relies.facets),
        f"consumer {query.consumer}: query {query.name} gets every facet it reads",
        answer,
    )


def test_consumer_query_gets_what_it_filters_and_the_order_it_sorts(
    semantics: Session, target: VersionTarget, query: ConsumerQuery
) -> None:
    ep, answer = _answer(semantics, target, query)
    ask = answer.ask
    if not (
        ask.must or ask.must_not or ask.ranges or (query.relies.sort and (ask.sort_asc or ask.sort_desc))
    ):
        raise NotChecked(f"{query.id}: the query neither filters nor relies on a sort order")
    expect(
        results_satisfy_must(answer.results, ep.shown(ask.must))
        + must_not_excludes_values(answer.results, ep.shown(ask.must_not)),
        f"consumer {query.consumer}: query {query.name} gets only results its filter asks for",
        answer,
    )
    for name, bounds in ep.shown(ask.ranges).items():
        expect(
            results_within_range(answer.results, name, bounds),
            f"consumer {query.consumer}: query {query.name} gets only results within its range",
            answer,
        )
    if query.relies.sort:
        collation = target.settings.sort_collation
        orders = [(key, False) for key in ask.sort_asc] + [(key, True) for key in ask.sort_desc]
        # The first sort key orders the page; later keys only break its ties.
        key, descending = orders[0]
        expect(
            sorted_by_property(answer.results, key, descending=descending, collation=collation),
            f"consumer {query.consumer}: query {query.name} gets its results in the order it asks for",
            answer,
        )


def test_consumer_paging_visits_every_item_once(
    semantics: Session, target: VersionTarget, query: ConsumerQuery
) -> None:
    if query.relies.paging == "none":
        raise NotChecked(f"{query.id}: the consumer does not page (relies_on.paging)")
    ep = _endpoint(semantics, target, query)
    ask = _ask(semantics, target, query, ep)
    clause = f"consumer {query.consumer}: paging query {query.name} visits every item once"
    if query.relies.paging == "keyset":
        answers, _ = keyset_walk(ep, ask.with_(skip=None), query.method, pages=ep.paging_allowance)
        expect(
            keyset_paging_visits_every_item_once([a.ids for a in answers], target.settings.sort_collation),
            clause + " (sortAsc=id + after)",
            answers[min(1, len(answers) - 1)],
            detail=f"{query.method}, {len(answers)} pages of {ask.describe()}",
        )
        return
    top = ask.top or ep.model.default_top
    if 3 * top > ep.model.top_limit:
        raise NotChecked(f"{query.id}: three pages of top={top} exceed the largest top, {ep.model.top_limit}")
    pages = [ask.with_(top=top, skip=n * top) for n in range(3)]
    *answers, whole = ep.send_all([*pages, ask.with_(top=3 * top, skip=None)], query.method)
    expect(
        skip_pages_are_disjoint_and_concatenate([a.ids for a in answers], whole.ids),
        clause + " (top + skip)",
        answers[1],
        detail=f"{query.method} pages of top={top} at skip 0, {top}, {2 * top} against top={3 * top}",
    )
