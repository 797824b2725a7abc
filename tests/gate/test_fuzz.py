"""destwatch.gate.fuzz against a live reference destination: the guards can fail, stateful runs follow
links."""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from schemathesis.core.errors import OperationNotFound

from destwatch.config import load_targets
from destwatch.failures import ContractViolation
from destwatch.gate import fuzz, jwt_tamper
from destwatch.http import Client
from destwatch.reference import REFERENCE, create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets

V1 = REFERENCE.destination("productCatalog").version("v1")  # type: ignore[union-attr]
SETTINGS = fuzz.FuzzSettings(seed=7, examples=3, response_time_budget=1.0, timeout=5.0)


def _base(reference_url: str) -> str:
    return f"{reference_url}/northwind/productCatalog/v1"


def _document(reference_url: str) -> dict[str, Any]:
    return httpx.get(f"{_base(reference_url)}/openapi").json()


def _token_source(reference_url: str) -> fuzz.TokenSource:
    answer = httpx.post(
        f"{reference_url}/destinations/{V1.destination_id}/token",
        json={"clientId": "demo-client-v1", "clientSecret": "demo-secret-v1"},
    ).json()
    token = answer["accessToken"]
    return lambda: (token, float(answer["expiresIn"]))


@pytest.mark.slow
def test_get_operation_passes_on_the_clean_reference(reference_url: str) -> None:
    token = _token_source(reference_url)
    schema = fuzz.load_schema(
        _document(reference_url), base_url=_base(reference_url), settings=SETTINGS, token=token
    )
    fuzz.fuzz_operation(schema, "GET", "/products", token=token)


def test_rejected_real_token_fails_loudly_instead_of_passing_on_documented_401s(reference_url: str) -> None:
    # A token the destination refuses (here: signature broken, as an expired one would be) turns every
    # answer into a documented 401; without the guard the operation would pass having checked nothing.
    real, time_left = _token_source(reference_url)()
    refused = jwt_tamper.altered_signature(real)
    schema = fuzz.load_schema(
        _document(reference_url),
        base_url=_base(reference_url),
        settings=SETTINGS,
        token=lambda: (refused, time_left),
    )
    with pytest.raises(ContractViolation) as caught:
        fuzz.fuzz_operation(schema, "GET", "/products", token=lambda: (refused, time_left))
    text = str(caught.value)
    assert caught.value.clause.startswith("fuzz: GET /products: ")
    assert "Current credentials refused" in text
    assert "Seed: 7" in text
    assert refused not in text and real not in text


def test_a_token_that_died_on_the_way_is_not_called_a_current_one() -> None:
    # A refusal counts against the destination only while the token still lived when the answer came:
    # on a loaded machine a short-lived token can die between the fuzzer taking it and its answer arriving.
    issued = fuzz._IssuedTokens()
    issued.add("alive-token", 30.0)
    issued.add("dying-token", 0.5)  # the JWT's whole-second `exp` may already have passed
    assert issued.alive("Bearer alive-token")
    assert not issued.alive("Bearer dying-token") and "Bearer dying-token" in issued
    assert not issued.alive("Bearer never-issued")


def test_unknown_operation_is_refused_by_name(reference_url: str) -> None:
    schema = fuzz.load_schema(
        _document(reference_url), base_url=_base(reference_url), settings=SETTINGS, token=None
    )
    with pytest.raises(OperationNotFound, match="/nowhere"):
        fuzz.fuzz_operation(schema, "GET", "/nowhere")


def _with_link(document: dict[str, Any]) -> dict[str, Any]:
    """The v1 document plus one link: the next page after the first result of GET /products."""
    linked = copy.deepcopy(document)
    ok = linked["paths"]["/products"]["get"]["responses"]["200"]
    ok["links"] = {
        "NextPage": {
            "operationId": linked["paths"]["/products"]["get"]["operationId"],
            "parameters": {"after": "$response.body#/results/0/id", "sortAsc": "id"},
        }
    }
    return linked


def test_has_links_sees_declared_links_only(reference_url: str) -> None:
    document = _document(reference_url)
    assert not fuzz.has_links(document)
    assert fuzz.has_links(_with_link(document))


def test_stateful_run_follows_links_on_the_clean_reference(reference_url: str) -> None:
    token = _token_source(reference_url)
    schema = fuzz.load_schema(
        _with_link(_document(reference_url)), base_url=_base(reference_url), settings=SETTINGS, token=token
    )
    fuzz.fuzz_stateful(schema, examples=3)


def test_stateful_run_fails_on_a_drifting_response() -> None:
    v2 = REFERENCE.destination("productCatalog").version("v2")  # type: ignore[union-attr]
    with serve_in_thread(create_app(fault="schema-drift-v2")) as server:
        base = f"{server.url}/northwind/productCatalog/v2"
        token = httpx.post(
            f"{server.url}/destinations/{v2.destination_id}/token",
            json={"clientId": "demo-client-v2", "clientSecret": "demo-secret-v2"},
        ).json()["accessToken"]
        document = _with_link(httpx.get(f"{base}/openapi").json())
        schema = fuzz.load_schema(document, base_url=base, settings=SETTINGS, token=lambda: (token, 60.0))
        with pytest.raises(ContractViolation, match="ST108 Response violates schema"):
            fuzz.fuzz_stateful(schema, examples=3)


def _requests_sent(reference_url: str, seed: int) -> list[tuple[str, str, bytes | None]]:
    base = f"{reference_url}/northwind/googleMarketplace/v1"
    settings = dataclasses.replace(SETTINGS, seed=seed)
    schema = fuzz.load_schema(
        httpx.get(f"{base}/openapi").json(), base_url=base, settings=settings, token=None
    )
    sent: list[tuple[str, str, bytes | None]] = []

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        request = response.request
        sent.append((request.method, request.url, request.body))

    fuzz.fuzz_operation(schema, "POST", "/feed")
    return sent


@pytest.mark.slow
def test_same_seed_sends_the_same_requests_and_another_seed_does_not(reference_url: str) -> None:
    first, again = _requests_sent(reference_url, 11), _requests_sent(reference_url, 11)
    assert first and first == again
    assert _requests_sent(reference_url, 12) != first


def test_fuzz_traffic_keeps_to_the_pace_of_the_versions_client(
    reference_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One pace per version: the fuzzer waits for the client's `max_rps` slots like every other suite.
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    path = tmp_path / "targets.toml"
    path.write_text(
        embedded_targets(served_at=reference_url, versions=["productCatalog/v1"], defaults={"max_rps": 50.0})
    )
    (target,) = load_targets(path).version_targets()
    client = Client(target)
    schema = fuzz.load_schema(
        _document(reference_url),
        base_url=_base(reference_url),
        settings=SETTINGS,
        token=client.token_with_time_left,
    )
    started = time.perf_counter()
    fuzz.fuzz_operation(schema, "GET", "/products", token=client.token_with_time_left, client=client)
    elapsed = time.perf_counter() - started
    sent = [exchange for exchange in client.recorder.exchanges if "/products" in exchange.url]
    # Unpaced, these requests take a fraction of that on loopback; paced, bursts are a tenth of a second's.
    assert len(sent) > 50
    assert elapsed >= (len(sent) - 5) / 50.0


def test_the_private_schemathesis_apis_still_have_the_shape_destwatch_uses() -> None:
    # The private APIs destwatch uses (see destwatch/gate/_schemathesis.py): fail loudly, naming the pin,
    # the day an upgrade moves or reshapes them.
    import inspect

    from destwatch.gate._schemathesis import PINNED

    try:
        from schemathesis.checks import CheckContext, load_all_checks, run_checks, run_checks_for
        from schemathesis.config import ProjectConfig
        from schemathesis.core.failures import failure_report_title, format_failures
        from schemathesis.core.transport import Response
        from schemathesis.engine.run import PhaseName
        from schemathesis.generation import derive_operation_seed, overrides
        from schemathesis.generation.drivers import CoverageGenerator, ExamplesGenerator
        from schemathesis.generation.feedback import FeedbackSources
        from schemathesis.generation.hypothesis.builder import (
            HypothesisTestConfig,
            HypothesisTestMode,
            create_test,
        )
        from schemathesis.generation.meta import content_type_probes_first
        from schemathesis.python._constants.orchestrator import make_constants_value_source
    except ImportError as exc:  # pragma: no cover - only on an unsupported Schemathesis
        pytest.fail(f"Schemathesis's private generators moved ({exc}); destwatch is pinned to {PINNED}")
    shapes = {
        CoverageGenerator: {"operation", "generation_modes", "generation_config", "auth_storage", "override"},
        ExamplesGenerator: {"operation", "override", "feedback", "fill_missing"},
        create_test: {"operation", "test_func", "config"},
        FeedbackSources: {"constants_value_source"},
        CheckContext: {
            *(
                "override",
                "auth",
                "headers",
                "config",
                "transport_kwargs",
                "recorder",
                "response_checks",
                "phase",
            ),
        },
        run_checks: {"case", "response", "ctx", "checks", "on_failure"},
        format_failures: {"case_id", "response", "failures", "curl", "config"},
        ProjectConfig.checks_config_for: {"operation", "phase"},
    }
    for api, expected in shapes.items():
        parameters = set(inspect.signature(api).parameters)
        assert expected <= parameters, f"{api.__name__} changed ({parameters}); destwatch pins {PINNED}"
    fields = {field.name for field in dataclasses.fields(HypothesisTestConfig)}
    expected = {"settings", "explicit_setting_names", "modes", "seed", "project", "override", "given_kwargs"}
    assert expected <= fields, f"HypothesisTestConfig changed ({fields}); destwatch pins {PINNED}"
    assert HypothesisTestMode.FUZZING.value == "fuzzing"
    helpers = (
        derive_operation_seed,
        overrides.with_config_headers,
        content_type_probes_first,
        load_all_checks,
    )
    for helper in (*helpers, run_checks_for, failure_report_title, PhaseName.from_str, Response.from_any):
        assert callable(helper)
    assert callable(make_constants_value_source)
