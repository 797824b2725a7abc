"""A query that matches nothing answers 200 with `results: []` and the usual envelope, GET and POST."""

from __future__ import annotations

from typing import Any

import pytest

from destwatch.semantics.checks import expect, json_body
from destwatch.semantics.generators import missing_value
from destwatch.semantics.model import EndpointModel
from destwatch.semantics.oracles import empty_result_is_an_empty_array
from destwatch.semantics.queries import Ask, Method, Unsupported
from destwatch.semantics.session import Sample, Session, preferred_method

METHODS: tuple[Method, ...] = ("GET", "POST")
KINDS = ("unknown-id", "unmatched-value", "skip-past-end", "after-past-last")


def _nothing(
    kind: str, model: EndpointModel, sample: Sample, semantics: Session, target: Any, endpoint: str
) -> Ask:
    """The query of `kind` that can match nothing, built from the document and the sampled data."""
    totals = model.has_totals
    if kind == "unknown-id":
        if "id" not in model.must_keys and "id" not in model.get_filters:
            pytest.skip(f"{model.path}: the document declares no filter on `id`")
        return Ask(top=5, totals=totals).and_must("id", missing_value(sample.rows, "id"))
    if kind == "unmatched-value":
        names = [n for n in (*model.must_keys, *model.get_filters) if n != "id"]
        if not names:
            pytest.skip(f"{model.path}: the document declares no filter on a property other than `id`")
        return Ask(top=5, totals=totals).and_must(names[0], missing_value(sample.rows, names[0]))
    if kind == "skip-past-end":
        end = sample.total if sample.total is not None else (len(sample.rows) if sample.complete else None)
        if end is None:
            pytest.skip(f"{model.path}: neither includeTotals nor a complete page tells where the end is")
        return Ask(top=5, skip=end + 5)
    if not model.has_after or "id" not in model.sort_asc:
        pytest.skip(f"{model.path}: the document declares no `after` with sortAsc=id")
    ids = sorted(str(row.get("id")) for row in sample.rows)
    if "id" in model.sort_desc:
        newest = semantics.probe(target, endpoint).send(
            Ask(top=1, sort_desc=("id",)), preferred_method(model)
        )
        ids = newest.ids or ids
    elif not sample.complete:
        pytest.skip(f"{model.path}: no sortDesc=id and no complete page to find the last id")
    return Ask(top=5, sort_asc=("id",), after=max(ids))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
def test_query_matching_nothing_answers_200_with_empty_results(
    semantics: Session, target: Any, endpoint: str, kind: str, method: Method
) -> None:
    model = semantics.model(target, endpoint)
    sample = semantics.sample(target, endpoint)
    if not sample.rows:
        pytest.skip(f"{model.path}: the endpoint holds no items, so no non-empty envelope to compare with")
    ask = _nothing(kind, model, sample, semantics, target, endpoint)
    probe = semantics.probe(target, endpoint)
    try:
        usual = probe.send(Ask(top=1, totals=ask.totals), method)
        request, response = probe.raw(ask, method)
    except Unsupported as why:
        pytest.skip(f"{method} {model.path}: {why}")
    expect(
        empty_result_is_an_empty_array(
            response.status_code,
            json_body(response),
            envelope_keys=usual.data.keys(),
            # `total` counts matches, not the page: it is 0 only where nothing matches at all.
            totals_asked=ask.totals and kind in ("unknown-id", "unmatched-value"),
        ),
        'empty results: a query that matches nothing answers 200 with "results": [] and the envelope of a '
        "non-empty answer (not null, not absent, not 404)",
        (request, response),
        detail=f"asked: {ask.describe()} ({kind})",
    )
