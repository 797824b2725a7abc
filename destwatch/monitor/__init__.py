"""`destwatch monitor`: scheduled uptime probes of destination versions, without pytest or Schemathesis.

One `Environment` (targets.toml read once, the embedded reference started when used), one `VersionProbe` per
destination version with its own long-lived client (its token cached across cycles), and consumers of each
cycle: judging (`states`), the SQLite history (`history`), SLOs (`slo`), alerts (`alerts`, `channels`),
Prometheus metrics (`metrics`) and the terminal (`report`). `service.Monitor` runs the cycles; `command`
is the typer command.

```python
from destwatch.monitor import Monitor, MonitorOptions

with Monitor.start(MonitorOptions(targets=Path("targets.toml"))) as monitor:
    cycle = monitor.cycle()
    print([(v.target, v.state, v.reasons) for v in cycle.versions])
```
"""

from __future__ import annotations

import importlib
from typing import Any

from destwatch.monitor.alerts import AlertPolicy, AlertState, Event
from destwatch.monitor.clock import SYSTEM_CLOCK, Clock
from destwatch.monitor.outcomes import CycleReport, Outcome, State, StepResult, VersionReport

# Imported when first used: `destwatch monitor --report` needs neither the probe nor the HTTP layer.
_LAZY = {
    "History": "destwatch.monitor.history",
    "Monitor": "destwatch.monitor.service",
    "MonitorMetrics": "destwatch.monitor.metrics",
    "MonitorOptions": "destwatch.monitor.service",
    "VersionProbe": "destwatch.monitor.probe",
    "VersionSlo": "destwatch.monitor.slo",
}

__all__ = [
    "SYSTEM_CLOCK",
    "AlertPolicy",
    "AlertState",
    "Clock",
    "CycleReport",
    "Event",
    "History",
    "Monitor",
    "MonitorMetrics",
    "MonitorOptions",
    "Outcome",
    "State",
    "StepResult",
    "VersionProbe",
    "VersionReport",
    "VersionSlo",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
