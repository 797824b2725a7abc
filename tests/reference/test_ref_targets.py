"""`embedded_targets` renders a targets.toml that destwatch loads as exactly the reference's versions,
embedded or served at a URL."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from destwatch.run import Run, RunOptions

from destwatch.config import load_targets
from destwatch.reference import REFERENCE
from destwatch.reference.embedded import Embedded
from destwatch.reference.targets import demo_secrets, embedded_targets


def _load(tmp_path: Path, text: str) -> list:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return load_targets(path).version_targets(embedded=Embedded())


def test_every_reference_version_becomes_a_target_with_its_protection_and_languages(tmp_path: Path) -> None:
    loaded = {t.id: t for t in _load(tmp_path, embedded_targets())}
    expected = {f"{d.name}/{v.name}": v for d in REFERENCE.destinations for v in d.versions}
    assert sorted(loaded) == sorted(expected)
    for target_id, version in expected.items():
        assert loaded[target_id].protected == version.protected
        assert loaded[target_id].languages == version.languages


def test_defaults_reference_settings_and_a_version_subset_are_rendered(tmp_path: Path) -> None:
    text = embedded_targets(
        defaults={"examples": 5, "rfc6750_strict": True, "auth_reject_statuses": [401]},
        reference={"token_ttl": 2},
        versions=["productCatalog/v2"],
    )
    (target,) = _load(tmp_path, text)
    assert target.id == "productCatalog/v2"
    assert target.settings.examples == 5
    assert target.settings.rfc6750_strict is True
    assert target.settings.auth_reject_statuses == (401,)
    assert "token_ttl = 2" in text


def test_a_served_reference_is_configured_as_a_real_destination_with_secrets_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, secret in demo_secrets().items():
        monkeypatch.setenv(name, secret)
    text = embedded_targets(served_at="http://127.0.0.1:8765")
    loaded = {t.id: t for t in _load(tmp_path, text)}
    assert len(loaded) == sum(len(d.versions) for d in REFERENCE.destinations)
    for destination, version in REFERENCE.versions():
        target = loaded[f"{destination.name}/{version.name}"]
        assert not target.embedded
        assert target.base_url == f"http://127.0.0.1:8765/northwind/{destination.name}/{version.name}"
        if version.protected and version.token_flow == "oauth2":
            # Its consumers use OAuth2: the authorization server, the API version id, the OAuth2 application.
            assert (target.token_flow, target.token_url) == ("oauth2", "http://127.0.0.1:8765/oauth2/token")
            assert target.audience == version.destination_id and version.oauth_demo is not None
            application = version.oauth_demo
        elif version.protected:
            assert target.token_url == f"http://127.0.0.1:8765/destinations/{version.destination_id}/token"
            application = version.applications[0]
        if version.protected:
            assert (target.client_id.get_secret_value(), target.client_secret.get_secret_value()) == (
                application.client_id,
                application.client_secret,
            )
    # The file itself names variables, never the secrets.
    assert not [secret for secret in demo_secrets().values() if secret in text]


def test_a_runs_embedded_reference_serves_from_a_process_of_its_own_and_stops_with_the_run(
    tmp_path: Path,
) -> None:
    # In a thread, the reference and the run's checks took turns on one interpreter lock.
    targets = tmp_path / "targets.toml"
    targets.write_text(embedded_targets(versions=["productCatalog/v1"]), encoding="utf-8")
    run = Run.start(RunOptions(targets=targets))
    try:
        url = run.reference_url
        # The run's first request waits for the child: none meets a reference still starting.
        assert run.http(run.targets[0]).get("openapi").status_code == 200
        assert f"destwatch-reference {url}" not in [thread.name for thread in threading.enumerate()]
    finally:
        run.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/northwind/productCatalog/v1/openapi", timeout=2)
