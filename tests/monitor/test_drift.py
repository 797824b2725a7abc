"""Document drift: a hash of the normalized document per cycle; a change since the last cycle (also across
restarts, through the history) degrades the version once, naming the changed paths."""

from __future__ import annotations

from pathlib import Path

from destwatch.monitor.drift import changed_paths, digest, normalize
from destwatch.monitor.outcomes import Outcome, State
from kit.monitoring import FakeClock, monitor_on

V2 = "productCatalog/v2"


def test_normalizing_ignores_key_order_and_the_versions_own_address() -> None:
    one = {"openapi": "3.0.3", "servers": [{"url": "http://127.0.0.1:1111/c/d/v1"}], "paths": {}}
    two = {"paths": {}, "servers": [{"url": "http://127.0.0.1:2222/c/d/v1"}], "openapi": "3.0.3"}
    first, _ = normalize(one, "http://127.0.0.1:1111/c/d/v1")
    second, parsed = normalize(two, "http://127.0.0.1:2222/c/d/v1")
    assert digest(first) == digest(second)
    assert parsed["servers"] == [{"url": "{base_url}"}]


def test_changed_paths_name_what_changed_matching_parameters_by_name() -> None:
    old = {"paths": {"/items": {"get": {"parameters": [{"name": "top"}, {"name": "brand", "in": "query"}]}}}}
    new = {
        "paths": {
            "/items": {
                "get": {"parameters": [{"name": "top"}, {"name": "skip"}, {"name": "brand", "in": "header"}]}
            },
            "/other": {},
        }
    }
    assert changed_paths(old, new) == [
        "/paths/~1items/get/parameters[brand]/in",
        "/paths/~1items/get/parameters[skip] (added)",
        "/paths/~1other (added)",
    ]
    many = changed_paths({}, {str(n): n for n in range(12)}, limit=3)
    assert many[-1] == "… and 9 more" and len(many) == 4


def test_a_restart_on_another_document_is_reported_as_drift_once(tmp_path: Path) -> None:
    clock = FakeClock()
    with monitor_on(tmp_path, clock=clock, versions=[V2]) as monitor:
        first = monitor.cycle().versions[0]
    with monitor_on(tmp_path, clock=clock, versions=[V2], variant="totals-post-only") as monitor:
        drifted = monitor.cycle().versions[0]
        steady = monitor.cycle().versions[0]
    assert first.state is State.UP and not first.document_changed
    assert drifted.state is State.DEGRADED and drifted.document_changed
    document = drifted.step("document")
    assert document is not None and document.outcome is Outcome.WARN
    (reason,) = drifted.reasons
    assert reason.startswith("document: changed since the last cycle (hash ")
    assert "/paths/~1products/get/parameters[includeTotals] (removed)" in reason
    assert document.facts["previous"] == first.step("document").facts["hash"]  # type: ignore[union-attr]
    assert steady.state is State.UP and not steady.document_changed
