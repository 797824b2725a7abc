"""GET property filters mean what POST filter.must means: equality in the request's language."""

from __future__ import annotations

from destwatch.config import VersionTarget
from destwatch.failures import NotChecked
from destwatch.gate.rules.checks import expect
from destwatch.gate.rules.oracles import results_satisfy_must, same_ids_regardless_of_method
from destwatch.gate.rules.plans import endpoint_under_test
from destwatch.gate.rules.session import Session
from destwatch.openapi.generators import prefix_of, value_counts


def test_get_filter_and_post_must_return_the_same_ids(
    semantics: Session, target: VersionTarget, endpoint: str
) -> None:
    ep = endpoint_under_test(semantics, target, endpoint)
    get, post = ep.model.get, ep.model.post
    names = [name for name in get.filters if name in post.filters] if get and post else []
    if not names:
        raise NotChecked(
            f"{ep.model.path}: the document declares no property filtered both by GET and by POST must"
        )
    rng = semantics.rng(target, endpoint, "get-post")
    asks = []
    for name in names:
        held = sorted((v for v in value_counts(ep.sample.rows, name) if isinstance(v, str)), key=repr)
        if held:
            value = rng.choice(held)
            # A held value, and the same value cut short: an equality filter must not match by prefix.
            asks += [ep.page().and_must(name, value), ep.page().and_must(name, prefix_of(value))]
    if not asks:
        raise NotChecked(f"{ep.model.path}: no sampled string value for the filters {names}")
    answers = ep.probe.send_all([(ask, method) for ask in asks for method in ("GET", "POST")])
    for get_answer, post_answer in zip(answers[::2], answers[1::2], strict=True):
        expect(
            results_satisfy_must(get_answer.results, ep.shown(get_answer.ask.must)),
            "GET filters: a property filter keeps only results equal to the value (not a prefix match)",
            get_answer,
        )
        expect(
            same_ids_regardless_of_method(get_answer.ids, post_answer.ids),
            "GET filters: a GET property filter and POST must on the same value return the same ids",
            get_answer,
        )
