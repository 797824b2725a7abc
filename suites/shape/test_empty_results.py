"""A query that matches nothing answers 200 with `results: []` and the usual envelope, GET and POST."""

from __future__ import annotations

import pytest

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.semantics.checks import expect, json_body
from destwatch.semantics.generators import missing_value
from destwatch.semantics.model import EndpointModel, Method, Surface
from destwatch.semantics.oracles import empty_result_is_an_empty_array
from destwatch.semantics.queries import Ask, methods_for
from destwatch.semantics.session import Sample, Session

METHODS: tuple[Method, ...] = ("GET", "POST")
KINDS = ("unknown-id", "unmatched-value", "skip-past-end", "after-past-last")


def _nothing(
    kind: str, surface: Surface, sample: Sample, semantics: Session, target: VersionTarget, endpoint: str
) -> Ask:
    """The query of `kind` that can match nothing, written with what `surface` declares."""
    model = semantics.model(target, endpoint)
    totals = surface.declares("includeTotals")
    if kind == "unknown-id":
        if "id" not in surface.filters:
            raise NotChecked(f"{surface.method} {model.path}: the document declares no filter on `id`")
        return Ask(top=5, totals=totals).and_must("id", missing_value(sample.rows, "id"))
    if kind == "unmatched-value":
        names = [n for n in surface.filters if n != "id"]
        if not names:
            raise NotChecked(f"{surface.method} {model.path}: no filter on a property other than `id`")
        return Ask(top=5, totals=totals).and_must(names[0], missing_value(sample.rows, names[0]))
    if kind == "skip-past-end":
        if sample.size is None:
            raise NotChecked(
                f"{model.path}: neither includeTotals nor a complete page tells where the end is"
            )
        return Ask(top=5, skip=sample.size + 5)
    return Ask(top=5, sort_asc=("id",), after=_last_id(model, sample, semantics, target, endpoint))


def _last_id(
    model: EndpointModel, sample: Sample, semantics: Session, target: VersionTarget, endpoint: str
) -> str:
    ids = [str(row.get("id")) for row in sample.rows]
    if sample.complete and ids:
        return max(ids)
    newest = Ask(top=1, sort_desc=("id",))
    method = methods_for(model, [newest])[0]
    answer = semantics.probe(target, endpoint).send(newest, method)
    if not answer.ids:
        raise NotChecked(f"{model.path}: sortDesc=id gave no id to page past")
    return answer.ids[0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
def test_query_matching_nothing_answers_200_with_empty_results(
    semantics: Session, target: VersionTarget, endpoint: str, kind: str, method: Method
) -> None:
    surface = semantics.surface(target, endpoint, method)
    sample = semantics.sample(target, endpoint)
    if not sample.rows:
        pytest.skip(f"{endpoint}: the endpoint holds no items, so no non-empty envelope to compare with")
    ask = _nothing(kind, surface, sample, semantics, target, endpoint)
    probe = semantics.probe(target, endpoint)
    usual = probe.send(Ask(top=1, totals=ask.totals), method)
    request, response = probe.raw(ask, method)
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
