"""Validation's live comparison sends through the run's clients: one token per version per lifetime, in
each version's own token flow (the reference's v2 asks the destination, v3 its OAuth2 authorization
server)."""

from __future__ import annotations

from pathlib import Path

from destwatch.run import Run, RunOptions

from destwatch.reference.targets import embedded_targets
from destwatch.validate.facts import version_facts
from destwatch.validate.live import compare_live


def test_the_live_comparison_fetches_one_token_per_version_whatever_its_flow(tmp_path: Path) -> None:
    targets = tmp_path / "targets.toml"
    versions = ["productCatalog/v2", "productCatalog/v3"]
    targets.write_text(embedded_targets(reference={"token_ttl": 3600}, versions=versions), encoding="utf-8")
    run = Run.start(RunOptions(targets=targets))
    try:
        old, new = run.targets
        assert (old.token_flow, new.token_flow) == ("destination", "oauth2")
        findings = compare_live(
            (old, run.http(old), version_facts(run.document(old))),
            (new, run.http(new), version_facts(run.document(new))),
            seed=run.seed,
            latency_regression=old.settings.latency_regression,
        )
        for target, path in ((old, f"/destinations/{old.destination_id}/token"), (new, "/oauth2/token")):
            asked = [e for e in run.recorder.exchanges if e.target == target.id and e.method == "POST"]
            token_requests = [e.url for e in asked if e.url == target.token_url]
            assert findings.requests[target.id] > 10
            assert run.http(target).tokens_fetched == 1 and len(token_requests) == 1
            assert token_requests[0].endswith(path)
            assert run.usage()[target.id]["auth_grants"] == 0
    finally:
        run.close()
