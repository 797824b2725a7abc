"""`destwatch status` and the gate's page: what the monitor and the gate found, for people who would rather
look than read.

- the status site (`load_status` -> `write_site`): per destination version its state and reasons, uptime
  over 24 h / 7 d / 30 d, a 90-day bar, p50/p95 latency charts with the objective (uPlot, inlined), the
  incidents, SLO budgets and burn rates, and SVG badges; built from the monitor history only;
- the gate's report (`write_gate_report`): `reports/index.html`, one page of summary.json.

Every page (these and `destwatch validate`'s) is rendered from the package's Jinja2 templates with one
layout (`destwatch.pages`): one self-contained file, styles, scripts and data inline, nothing
fetched; every value redacted, then escaped.

```python
from destwatch.monitor.history import History
from destwatch.status import load_status, write_site

history = History.open(Path("reports/monitor.db"), create=False)
status = load_status(history, ["productCatalog/v1"], now=time.time(), availability_objective=99.9,
                     latency_objective=0.5)
write_site(status, Path("reports/status"))
```
"""

from __future__ import annotations

from destwatch.gate.page import write_gate_report
from destwatch.status.collect import load_status
from destwatch.status.model import Day, Incident, LatencySeries, Status, VersionStatus
from destwatch.status.site import write_site

__all__ = [
    "Day",
    "Incident",
    "LatencySeries",
    "Status",
    "VersionStatus",
    "load_status",
    "write_gate_report",
    "write_site",
]
