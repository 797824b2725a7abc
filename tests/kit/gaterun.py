"""`destwatch run` as a user runs it, measured: a child process in a folder of its own, against a
targets.toml that names a real (not embedded) destination, with its wall time, its own peak memory, its
output and its reports; and the checks every finished run must pass, whatever the destination did.
"""

from __future__ import annotations

import builtins
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h11
import httpcore
import httpx
import requests.exceptions
import urllib3.exceptions

import destwatch.errors
import destwatch.failures

__all__ = [
    "GateRun",
    "Started",
    "outcome_problems",
    "run_destwatch",
    "start_destwatch",
    "targets_toml",
]

DESTWATCH = Path(sys.executable).with_name("destwatch")
SECRET = "demo-secret-v2"
SECRET_ENV = "DW_MIS_SECRET"
PEAK_RSS_LIMIT_MB = 500
TRACEBACK = "Traceback (most recent call last)"
_JWT_SHAPED = re.compile(rb"eyJ[A-Za-z0-9_-]{10,}\.eyJ")
_COLLECTED = re.compile(r"collected (\d+) items?")

# The child is the installed console script, run in-process by a few lines that restore the signal
# dispositions a terminal gives (an xdist worker may ignore SIGINT, and children inherit that) and, however
# the command ends (SystemExit included), write the process's own peak RSS: VmHWM, the high-water mark of
# its own memory since exec (`ru_maxrss` would not do: Linux keeps it across exec, so it starts at the
# forking test worker's peak).
_MEASURED = """\
import re, runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
rss_file, sys.argv = sys.argv[1], sys.argv[2:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    with open("/proc/self/status") as status, open(rss_file, "w") as out:
        out.write(re.search(r"^VmHWM:\\s+(\\d+) kB", status.read(), re.MULTILINE).group(1))
"""


def targets_toml(base: str, *, timeout: float | None = 2.0, token_base: str | None = None) -> str:
    """A targets.toml for productCatalog v2 served at `base` (`scheme://host:port`), as a real destination
    whose secret comes from `$DW_MIS_SECRET`; `timeout=None` keeps destwatch's default."""
    defaults = [f"timeout = {timeout}"] if timeout is not None else []
    defaults += ["max_rps = 200.0", "examples = 2"]
    return "\n".join(
        [
            "[defaults]",
            *defaults,
            "",
            "[destinations.productCatalog]",
            f'base_url = "{base}/{{customer}}/{{destination}}"',
            'customer = "northwind"',
            f'token_url = "{token_base or base}/destinations/{{destination_id}}/token"',
            "",
            "[destinations.productCatalog.versions.v2]",
            "protected = true",
            'languages = ["en", "sv", "de"]',
            'destination_id = "3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c02"',
            'client_id = "demo-client-v2"',
            f'client_secret = "${{{SECRET_ENV}}}"',
            "",
        ]
    )


@dataclass(frozen=True)
class GateRun:
    """A finished (or killed) `destwatch run`."""

    args: tuple[str, ...]
    returncode: int | None  # None: still running at the kill deadline, killed
    killed_after: float
    wall: float
    peak_rss_kib: int | None  # at its own end; when killed, the peak until then; None: unknown
    stdout: str
    stderr: str
    reports: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def says(self, words: str) -> bool:
        """Whether the output holds `words` as words (`503` is not in port 45031), case and wrapping aside."""
        pattern = r"(?<![A-Za-z0-9])" + re.escape(" ".join(words.split())) + r"(?![A-Za-z0-9])"
        return re.search(pattern, " ".join(self.output.split()), re.IGNORECASE) is not None

    def summary(self) -> Any:
        """summary.json parsed; None when it is missing or not JSON."""
        try:
            return json.loads((self.reports / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def collected(self) -> int | None:
        """How many tests pytest collected, as its header says."""
        found = _COLLECTED.search(self.stdout)
        return int(found.group(1)) if found else None

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


@dataclass
class Started:
    """A `destwatch run` still running (for tests that signal it)."""

    process: subprocess.Popen[bytes]
    args: tuple[str, ...]
    folder: Path
    started: float

    def finish(self, *, kill_after: float) -> GateRun:
        """Wait for the end, at most `kill_after` seconds from the start, then kill the process group."""
        peak_so_far = None
        try:
            self.process.wait(timeout=max(0.0, self.started + kill_after - time.monotonic()))
        except subprocess.TimeoutExpired:
            peak_so_far = _vm_hwm_kib(self.process.pid)
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            returncode = None
        else:
            returncode = self.process.returncode
        wall = time.monotonic() - self.started
        rss = self.folder / "peak-rss-kib"
        measured = rss.read_text() if rss.exists() else ""
        return GateRun(
            args=self.args,
            returncode=returncode,
            killed_after=kill_after,
            wall=wall,
            peak_rss_kib=int(measured) if measured else peak_so_far,
            stdout=(self.folder / "stdout.txt").read_text(encoding="utf-8", errors="replace"),
            stderr=(self.folder / "stderr.txt").read_text(encoding="utf-8", errors="replace"),
            reports=self.folder / "reports",
        )


def _vm_hwm_kib(pid: int) -> int | None:
    """A live process's peak RSS so far (a killed run's peak is still worth reporting)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else None


def start_destwatch(folder: Path, targets: str, args: Sequence[str]) -> Started:
    """Start `destwatch run ARGS --reports reports` in `folder` (holding `targets` as targets.toml)."""
    (folder / "targets.toml").write_text(targets, encoding="utf-8")
    command = ("run", *args, "--reports", "reports")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.lower().endswith("_proxy") and not name.startswith("PYTEST_")
    }
    env.update({SECRET_ENV: SECRET, "COLUMNS": "200", "NO_PROXY": "*"})
    with (folder / "stdout.txt").open("wb") as stdout, (folder / "stderr.txt").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _MEASURED, str(folder / "peak-rss-kib"), str(DESTWATCH), *command],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group: killed as a whole, spared our signals
        )
    return Started(process, command, folder, time.monotonic())


def run_destwatch(folder: Path, targets: str, args: Sequence[str], *, kill_after: float) -> GateRun:
    """Run `destwatch run` to its end (killed after `kill_after` seconds)."""
    return start_destwatch(folder, targets, args).finish(kill_after=kill_after)


def outcome_problems(
    run: GateRun,
    *,
    exit_code: int,
    within: float,
    says: Sequence[str] = (),
    never_says: Sequence[str] = (),
) -> list[str]:
    """What is wrong with a finished run, whatever the destination did: the exit code, the wall-time bound,
    peak memory, no traceback or exception class name, no secret anywhere, a complete summary.json, and the
    wording that tells this kind of failure from the others."""
    found: list[str] = []
    if run.returncode is None:
        found.append(f"still running after {run.killed_after:g} s: killed (expected exit {exit_code})")
    elif run.returncode != exit_code:
        found.append(f"exit code {run.returncode}, expected {exit_code}")
    if run.wall > within:
        found.append(f"took {run.wall:.1f} s, more than the {within:g} s bound")
    if run.peak_rss_kib is None:
        found.append("peak RSS unknown: the process did not reach its own end")
    elif run.peak_rss_kib / 1024 >= PEAK_RSS_LIMIT_MB:
        found.append(f"peak RSS {run.peak_rss_kib / 1024:.0f} MB, limit {PEAK_RSS_LIMIT_MB} MB")
    if TRACEBACK in run.output:
        found.append(f"the output holds a Python traceback ({TRACEBACK!r})")
    frames = _OWN_FRAME.findall(run.output)
    if frames:
        found.append(f"the output shows {len(frames)} frames of destwatch's own modules, e.g. {frames[0]!r}")
    named = {*_EXCEPTION_NAME.findall(run.output), *_ANY_ERROR_CLASS.findall(run.output)}
    leaked = sorted(named - _OURS)
    if leaked:
        found.append(f"the output names Python exception classes: {', '.join(leaked)}")
    found += [f"a secret leaked into {place}" for place in secret_places(run)]
    found += summary_problems(run)
    found += [f"the output does not say {words!r}" for words in says if not run.says(words)]
    found += [f"the output says {words!r}, which it must not" for words in never_says if run.says(words)]
    return found


# A traceback line of pytest's (`destwatch/http.py:272: in _read`): a failure must speak of the contract.
_OWN_FRAME = re.compile(r"destwatch/(?!suites/)[\w/]+\.py:\d+: in \w+")


def secret_places(run: GateRun) -> list[str]:
    """Where the client secret or anything JWT-shaped shows: stdout, stderr, or a file under reports/."""
    sources = {"stdout": run.stdout.encode(), "stderr": run.stderr.encode()}
    if run.reports.is_dir():
        for path in sorted(p for p in run.reports.rglob("*") if p.is_file()):
            sources[str(path.relative_to(run.reports.parent))] = path.read_bytes()
    return [
        f"{place} ({'the client secret' if SECRET.encode() in data else 'a JWT'})"
        for place, data in sources.items()
        if SECRET.encode() in data or _JWT_SHAPED.search(data)
    ]


def summary_problems(run: GateRun) -> list[str]:
    """summary.json exists, is JSON, and holds `exit_code` (the process's own), `totals` and `rows`."""
    summary = run.summary()
    if summary is None:
        return ["reports/summary.json is missing or not JSON"]
    found = [f"summary.json has no {key!r}" for key in ("exit_code", "totals", "rows") if key not in summary]
    if not isinstance(summary.get("totals"), dict) or not isinstance(summary.get("rows"), list):
        found.append("summary.json's totals is not an object or its rows not a list")
    if run.returncode is not None and summary.get("exit_code") != run.returncode:
        found.append(f"summary.json says exit_code {summary.get('exit_code')}, the process {run.returncode}")
    return found


def _exception_names() -> frozenset[str]:
    """Class names of the exceptions Python and the HTTP stacks under destwatch raise (warnings aside): in
    the output, one means an exception reached the user instead of a sentence."""
    modules = (
        builtins,
        http.client,
        json,
        socket,
        ssl,
        h11,
        httpcore,
        httpx,
        requests.exceptions,
        urllib3.exceptions,
    )
    names = {
        name
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and not issubclass(value, Warning)
        and (name[0].isupper() or name in ("gaierror", "herror"))
    }
    # Not failures: how a run ends on Ctrl+C or exit, and words too plain to mean an exception leaked.
    plain = {"BaseException", "Exception", "KeyboardInterrupt", "SystemExit", "GeneratorExit", "Timeout"}
    return frozenset(names - plain)


EXCEPTION_NAMES = _exception_names()
# Any other library's too (`ValidatorDetectError`, `JSONDecodeError`), but not destwatch's own error types,
# which name the kind of failure in its reports (`TargetUnreachable: ...`, `DocumentError: ...`).
_ANY_ERROR_CLASS = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:Error|Exception)\b")
_OURS = frozenset(destwatch.errors.__all__) | frozenset(destwatch.failures.__all__)
_EXCEPTION_NAME = re.compile(r"\b(" + "|".join(sorted(EXCEPTION_NAMES, key=len, reverse=True)) + r")\b")
