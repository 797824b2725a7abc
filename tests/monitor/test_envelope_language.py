"""The probe's envelope step checks the echoed `language`: asked for none, an answer must say the document's
default (or, when the document gives none, one of the version's declared languages). A wrong language or
markup is down, not up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from destwatch.monitor.outcomes import State
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import demo_secrets, embedded_targets
from kit.monitoring import FakeClock, monitor_table
from kit.proxy import Mangle, MisbehavingProxy, Rule

TARGET = "productCatalog/v1"


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[MisbehavingProxy]:
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    with serve_in_thread(create_app()) as server, MisbehavingProxy(server.url) as proxy:
        yield proxy


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", '`language` is "fr", asked for none (expected en or sv'),
        ("<b>en</b>", '`language` is "<b>en</b>", asked for none'),
        (None, "`language` is null, asked for none"),
    ],
)
def test_a_wrong_or_marked_up_language_is_down(
    tmp_path: Path, proxy: MisbehavingProxy, language: str | None, words: str
) -> None:
    served = embedded_targets(
        served_at=proxy.url, versions=[TARGET], expectations=False, defaults={"max_rps": 1000.0}
    )
    settings = {"history": str(tmp_path / "monitor.db"), "steps": {"post": False, "empty": False}}
    path = tmp_path / "targets.toml"
    path.write_text(f"{served}\n{monitor_table(settings)}", encoding="utf-8")
    with Monitor.start(MonitorOptions(path), clock=FakeClock()) as monitor:
        assert monitor.cycle().versions[0].state is State.UP
        body = json.dumps({"language": language, "results": []}).encode()
        proxy.rule = Rule("data", Mangle.ANSWER, body=body)
        version = monitor.cycle().versions[0]
    assert version.state is State.DOWN
    assert any(words in reason for reason in version.reasons), version.reasons


def test_the_documents_default_language_is_the_one_an_unnamed_query_must_get(
    tmp_path: Path, proxy: MisbehavingProxy
) -> None:
    # The same destination, its document now saying GET's `language` defaults to "sv": the answers (still
    # "en" when no language is named) break what the document promises.
    document = httpx.get(f"{proxy.upstream_url}/northwind/productCatalog/v1/openapi").json()
    for item in document["paths"].values():
        for parameter in item.get("get", {}).get("parameters", []):
            if parameter.get("name") == "language":
                parameter["schema"]["default"] = "sv"
    served = embedded_targets(
        served_at=proxy.url, versions=[TARGET], expectations=False, defaults={"max_rps": 1000.0}
    )
    settings = {"history": str(tmp_path / "monitor.db"), "steps": {"post": False, "empty": False}}
    path = tmp_path / "targets.toml"
    path.write_text(f"{served}\n{monitor_table(settings)}", encoding="utf-8")
    proxy.rule = Rule("document", Mangle.ANSWER, body=json.dumps(document).encode())
    with Monitor.start(MonitorOptions(path), clock=FakeClock()) as monitor:
        version = monitor.cycle().versions[0]
    assert version.state is State.DOWN
    assert 'products GET: `language` is "en", asked for none (expected sv)' in version.reasons
