"""The optional `consumer` step: with `[monitor] consumers = true`, each cycle probes one consumer query of
the version in turn, within the request budget; a fault that breaks what a consumer reads fails the step,
naming the consumer and its query."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch.monitor.outcomes import Outcome
from destwatch.reference.targets import embedded_targets
from kit.monitoring import monitor_on, version

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "consumers"
V2 = "productCatalog/v2"
# Room in the budget (2 + 3 per endpoint) for a query and its sample: the other optional steps are off.
ROOM = {"steps": {"no-token": False, "empty": False, "token-errors": False}}


def _text() -> str:
    return f'consumers_dir = "{EXAMPLES}"\n' + embedded_targets(defaults={"max_rps": 1000.0}, versions=[V2])


@pytest.mark.parametrize(("fault", "failing"), [(None, set()), ("schema-drift-v2", {"storefront"})])
def test_each_cycle_probes_the_next_consumer_query(
    tmp_path: Path, fault: str | None, failing: set[str]
) -> None:
    with monitor_on(tmp_path, fault=fault, text=_text(), monitor={**ROOM, "consumers": True}) as monitor:
        reports = [version(monitor.cycle(), V2) for _ in range(3)]
    steps = [next(s for s in report.steps if s.step == "consumer") for report in reports]
    # In turn: each consumer's one query, within the budget.
    assert [s.detail.split("'s query")[0] for s in steps] == ["category-menu", "stock-feed", "storefront"]
    assert all(report.requests <= report.budget for report in reports)
    failed = {s.detail.split("'s query")[0] for s in steps if s.outcome is Outcome.FAILED}
    assert failed == failing, [s.detail for s in steps]
    if failing:
        assert (
            "storefront's query category-page: NW-" in steps[2].detail and "is not number" in steps[2].detail
        )


def test_without_the_switch_no_consumer_query_is_sent(tmp_path: Path) -> None:
    with monitor_on(tmp_path, text=_text(), monitor=ROOM) as monitor:
        report = version(monitor.cycle(), V2)
    assert "consumer" not in {s.step for s in report.steps}
