"""What the status page shows, read from the monitor history once: the shapes every renderer shares."""

from __future__ import annotations

from dataclasses import dataclass

from destwatch.monitor.history import CoverageRow, Latest
from destwatch.monitor.maintenance import Occurrence
from destwatch.monitor.slo import VersionSlo

__all__ = ["Day", "Incident", "LatencySeries", "Status", "VersionStatus", "slug"]


@dataclass(frozen=True)
class Incident:
    """A run of down cycles of one version: from the first down cycle to the first cycle not down."""

    target: str
    start: float
    end: float | None
    """When the version was seen not down again; None while it is still down."""
    cycles: int
    step: str
    """The step that failed first (`document`, `token`, `products GET`), as the monitor's reasons name it."""
    reason: str

    def duration(self, now: float) -> float:
        """Seconds down: to `end`, or to `now` while the incident lasts."""
        return (self.end if self.end is not None else now) - self.start


@dataclass(frozen=True)
class Day:
    """One UTC day of a version: its cycles, how many were down, and the incidents that touched it."""

    start: float
    cycles: int
    down: int
    incidents: tuple[Incident, ...]

    @property
    def uptime(self) -> float | None:
        """Share of the day's cycles not down (the availability SLO's measure); None without cycles."""
        return 1 - self.down / self.cycles if self.cycles else None


@dataclass(frozen=True)
class LatencySeries:
    """Latency percentiles per time bucket; a None in both marks a gap (no sample for a while)."""

    name: str
    times: tuple[float, ...]
    p50: tuple[float | None, ...]
    p95: tuple[float | None, ...]


@dataclass(frozen=True)
class VersionStatus:
    target: str
    latest: Latest | None
    slo: VersionSlo
    days: tuple[Day, ...]
    incidents: tuple[Incident, ...]
    latency: LatencySeries
    """The cycle's slowest data answer (the latency SLO's sample)."""
    endpoints: tuple[LatencySeries, ...]
    """Each data step (`products GET`, `empty (products POST)`) on its own."""
    coverage: CoverageRow | None = None
    """What the last gate run that kept its coverage in the history proved of the version."""

    @property
    def slug(self) -> str:
        return slug(self.target)


@dataclass(frozen=True)
class Status:
    now: float
    availability_objective: float
    """Percent, e.g. 99.9."""
    latency_objective: float
    """Seconds, the p95 bound."""
    versions: tuple[VersionStatus, ...]
    maintenance: tuple[Occurrence, ...] = ()
    """Maintenance windows of the last 90 days and the next 30, by start."""


def slug(target: str) -> str:
    """A file name for a version: `productCatalog/v1` -> `productCatalog-v1`."""
    return target.replace("/", "-")
