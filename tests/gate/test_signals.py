"""A run stopped by SIGTERM (a CI job cancelled) or SIGINT (Ctrl+C) ends at once, as shells expect
(143, 130), in one process or with workers side by side, and leaves reports of what ran: summary.json
saying so and counting exactly the tests pytest counts, and junit.xml; no traceback, no KeyboardInterrupt."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest

from kit.gaterun import TRACEBACK, secret_places, start_destwatch, summary_problems, targets_toml
from kit.proxy import Mangle, MisbehavingProxy, Rule

STOPS_WITHIN = 2.0  # seconds from the signal to the exit, reports written


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one-process", "two-workers"])
@pytest.mark.parametrize(
    ("signum", "exit_code", "result"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
    ids=["SIGTERM", "SIGINT"],
)
@pytest.mark.slow
def test_a_signal_stops_the_run_at_once_with_reports_of_what_ran(
    signum: signal.Signals, exit_code: int, result: str, jobs: str, proxy: MisbehavingProxy, tmp_path: Path
) -> None:
    # Every data answer takes a second, so the run is still busy when the signal comes.
    proxy.rule = Rule("data", Mangle.SLOW, delay=1.0)
    args = ["--suite", "smoke", "--suite", "shape", "--jobs", jobs]
    started = start_destwatch(tmp_path, targets_toml(proxy.url), args)
    if not proxy.wait_until(lambda p: p.count("data") >= 3, timeout=60):
        run = started.finish(kill_after=0)
        pytest.fail(f"destwatch never reached the data requests; proxy saw {proxy.counts()}\n{run.tail()}")
    signalled = time.monotonic()
    started.process.send_signal(signum)
    run = started.finish(kill_after=signalled - started.started + STOPS_WITHIN + 5)
    assert proxy.errors == [], f"the proxy itself failed, not destwatch: {proxy.errors}"

    problems = []
    stopped_in = started.started + run.wall - signalled
    if run.returncode != exit_code:
        problems.append(f"exit code {run.returncode}, expected {exit_code}")
    if stopped_in > STOPS_WITHIN:
        problems.append(f"stopped {stopped_in:.1f} s after the signal, more than {STOPS_WITHIN:g} s")
    problems += summary_problems(run)
    summary = run.summary() or {}
    if summary and summary.get("result") != result:
        problems.append(f"summary.json says result {summary.get('result')!r}, expected {result!r}")
    if summary and summary.get("exit_code") != exit_code:
        problems.append(f"summary.json says exit_code {summary.get('exit_code')}, expected {exit_code}")
    totals = summary.get("totals") or {}
    ran = sum(int(totals.get(outcome, 0)) for outcome in ("passed", "failed", "skipped"))
    collected = run.collected()
    if summary and not (collected and 0 < ran < collected):
        problems.append(f"summary.json counts {ran} tests that ran, of {collected} collected")
    if not (run.reports / "junit.xml").exists():
        problems.append("reports/junit.xml is missing")
    if TRACEBACK in run.output or "KeyboardInterrupt" in run.output:
        problems.append("the output holds a Python traceback or a KeyboardInterrupt")
    counted = _pytest_counts(run.output)
    ours = {outcome: int(totals.get(outcome, 0)) for outcome in ("passed", "failed", "skipped")}
    if summary and counted != {key: value for key, value in ours.items() if value}:
        problems.append(f"summary.json counts {ours}, pytest counted {counted}")
    problems += [f"a secret leaked into {place}" for place in secret_places(run)]
    assert not problems, "\n".join(
        [
            f"{signum.name}: exit {run.returncode}",
            *(f"  - {p}" for p in problems),
            "--- output ---",
            run.tail(),
        ]
    )


def _pytest_counts(output: str) -> dict[str, int]:
    """What pytest's last line counted, e.g. `==== 3 passed, 1 skipped in 4.01s ====`."""
    lines = [line for line in output.splitlines() if re.search(r"=+ .* in [0-9.]+s", line)]
    found = re.findall(r"(\d+) (passed|failed|skipped)", lines[-1]) if lines else []
    return {outcome: int(count) for count, outcome in found}
