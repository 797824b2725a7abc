"""One run over pytest-xdist workers: the gate hands its run to every worker and joins what they report.

`destwatch run --jobs N` builds the run in the controller, fetches each version's document and token
there once (`Environment.prepare`), and hands both to every worker with the embedded reference's address,
so the reference serves from the controller (its own interpreter, its own core) and no worker fetches either
again. Items are scheduled by destination version: a version's tests run on one worker, in their order,
so versions run side by side while each keeps one token, one rate limit and one breaker.

Under plain `pytest -n N` each worker builds its own run. Either way every worker reports its usage and
exchanges back, and the controller writes the one summary.json a serial run would.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from destwatch.environment import Environment
from destwatch.gate.summary import join_usage

__all__ = [
    "HANDOFF",
    "PIDS",
    "WorkerReport",
    "handed_off",
    "interrupt_workers",
    "is_worker",
    "join",
    "received_report",
    "send_report",
    "tell_pid",
    "version_of",
    "worker_report",
]

# The `workerinput` key of the gate's run, and the `workeroutput` key of a worker's report.
HANDOFF = "destwatch_run"
# The `workerinput` key of the folder where each worker of the gate's run leaves its process id.
PIDS = "destwatch_pids"
_REPORT = "destwatch"

WorkerReport = dict[str, Any]


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def handed_off(config: pytest.Config) -> dict[str, Any] | None:
    """The run the gate handed to this worker, if it did."""
    return getattr(config, "workerinput", {}).get(HANDOFF)


def worker_report(run: Environment) -> WorkerReport:
    """What the controller needs of a worker's run for the summary and exchanges.jsonl (plain data)."""
    return {
        "usage": run.usage(),
        "unreachable": run.unreachable_targets(),
        # Shallow copies: the fields are plain data, and asdict's deep copy of thousands of exchanges showed
        # in the finish of every run, serial ones included.
        "exchanges": [dict(vars(exchange)) for exchange in run.recorder.exchanges],
        "seed": run.seed,
        # Each version's fuzz seed, so that a failing fuzz run can be replayed.
        "fuzz_seeds": {target.id: run.selection.seed_of(target) for target in run.targets},
        "fault": run.fault,
        "variant": run.variant,
    }


def send_report(config: pytest.Config, run: Environment) -> None:
    config.workeroutput[_REPORT] = worker_report(run)  # type: ignore[attr-defined]


def received_report(node: Any) -> WorkerReport | None:
    return getattr(node, "workeroutput", {}).get(_REPORT)


def tell_pid(config: pytest.Config) -> None:
    """In a worker of the gate's run: leave this process's id where the controller looks for it (xdist does
    not say, and asking a busy worker through its gateway would deadlock)."""
    folder = getattr(config, "workerinput", {}).get(PIDS)
    if folder:
        (Path(folder) / config.workerinput["workerid"]).write_text(str(os.getpid()))  # type: ignore[attr-defined]


def interrupt_workers(folder: Path) -> None:
    """Interrupt each worker's current test (SIGINT raises KeyboardInterrupt there), so it ends at once."""
    for told in folder.iterdir():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(told.read_text()), signal.SIGINT)


def version_of(target_ids: list[str]) -> Callable[[str], str | None]:
    """The destination version a node id's parameters name (`...[shop/v1/products-GET]` -> `shop/v1`)."""
    # Longest first, so `shop/v1` never claims the items of `shop/v10`.
    names = "|".join(re.escape(t) for t in sorted(target_ids, key=len, reverse=True))
    pattern = re.compile(rf"\[(?:.*?[-/])?({names})[-/\]]")

    def version(nodeid: str) -> str | None:
        found = pattern.search(nodeid) if target_ids else None
        return found.group(1) if found else None

    return version


def join(reports: list[WorkerReport]) -> WorkerReport:
    """The reports of the processes of one run as one (exchanges in arrival order)."""
    first = reports[0]
    return {
        "usage": join_usage(report["usage"] for report in reports),
        "unreachable": {k: v for report in reports for k, v in report["unreachable"].items()},
        "exchanges": [exchange for report in reports for exchange in report["exchanges"]],
        "seed": first["seed"],
        "fuzz_seeds": {k: v for report in reports for k, v in report["fuzz_seeds"].items()},
        "fault": first["fault"],
        "variant": first["variant"],
    }
