"""A corpus of misbehaving destinations, each with the outcome `destwatch run` must reach against it.

Each case puts a `MisbehavingProxy` rule in front of a real reference destination (or points targets.toml
at a TLS-less port, a closed port, a name that does not resolve), runs the real `destwatch run` in a child
process, and asserts on the finished run: the exit code, a wall-time bound, peak memory, no traceback or
exception class name, no secret anywhere, a complete summary.json, the words that tell this kind of failure
from the others, and what the proxy saw (how many requests, where redirects led).

Exit codes: 0 passed, 1 the destination broke its contract, 3 unreachable. `timeout = 2` in every case, so
a hang must cost about three timeouts before destwatch gives the version up, not one timeout per test.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import pytest

from kit.gaterun import SECRET, GateRun, outcome_problems, run_destwatch, targets_toml
from kit.proxy import Family, Mangle, MisbehavingProxy, Rule

SMOKE = ("smoke",)
AUTH = ("auth",)
DATA = ("smoke", "shape")
FUZZ = ("smoke", "shape", "fuzz")  # the fuzzer has its own transport: it must be bounded too
WITHIN = 45.0  # seconds: generous, but a hang at timeout = 2 must not cost one timeout per test
JSON_ERROR = json.dumps({"error": "internal", "detail": "something broke"}).encode()
# How destwatch words a crash of its own (exit 4): never the answer to what a destination did.
CRASH = ("please report", "destwatch error")
Address = Literal["proxy", "https", "closed-port", "dns"]
V2_ID = "3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c02"


@dataclass(frozen=True)
class Also:
    """One more thing to assert about a case, beyond what every case asserts."""

    description: str
    problem: Callable[[MisbehavingProxy, GateRun], str | None]

    def __str__(self) -> str:
        return self.description


def at_most(family: Family, most: int) -> Also:
    def problem(proxy: MisbehavingProxy, run: GateRun) -> str | None:
        seen = proxy.count(family)
        return f"the proxy saw {seen} {family} requests, at most {most} allowed" if seen > most else None

    return Also(f"{family} requests <= {most}", problem)


def lists_unreachable(target: str) -> Also:
    def problem(proxy: MisbehavingProxy, run: GateRun) -> str | None:
        summary = run.summary() or {}
        listed = [item.get("target") for item in summary.get("unreachable") or [] if isinstance(item, dict)]
        return None if target in listed else f"summary.json's unreachable lists {listed}, not {target}"

    return Also(f"summary.json unreachable lists {target}", problem)


def trap_untouched() -> Also:
    def problem(proxy: MisbehavingProxy, run: GateRun) -> str | None:
        hits = proxy.trap_hits
        return f"the other host got {hits} requests: a redirect was followed there" if hits else None

    return Also("the other host got 0 requests", problem)


def every_429_retried_after(seconds: float) -> Also:
    def problem(proxy: MisbehavingProxy, run: GateRun) -> str | None:
        retries = proxy.retries()
        if not retries:
            return "the proxy answered no 429 at all (the case tested nothing)"
        never = [r for r in retries if r.waited is None]
        early = [r for r in retries if r.waited is not None and r.waited < seconds]
        if never:
            return f"{len(never)} of {len(retries)} requests answered 429 were never retried"
        if early:
            soonest = min(r.waited or 0.0 for r in early)
            return (
                f"{len(early)} of {len(retries)} retries came before Retry-After (one after {soonest:.2f} s)"
            )
        return None

    return Also(f"every 429 retried after >= {seconds:g} s", problem)


def tls_hello_seen() -> Also:
    def problem(proxy: MisbehavingProxy, run: GateRun) -> str | None:
        return (
            None
            if proxy.tls_hellos
            else "no TLS ClientHello reached the plain listener (the case tested nothing)"
        )

    return Also("a ClientHello reached the plain listener", problem)


@dataclass(frozen=True)
class Case:
    """A misbehaving destination and the outcome `destwatch run --suite ...` must reach against it."""

    name: str
    rule: Rule | None
    exit: int
    says: tuple[str, ...]
    suites: tuple[str, ...]
    also: tuple[Also, ...] = ()
    never_says: tuple[str, ...] = ()
    address: Address = "proxy"

    def targets(self, proxy: MisbehavingProxy) -> str:
        base = {
            "proxy": proxy.url,
            "https": f"https://127.0.0.1:{proxy.port}",
            "closed-port": f"http://127.0.0.1:{closed_port()}",
            "dns": "http://destwatch-nowhere.invalid",
        }[self.address]
        return targets_toml(base)


def answer(
    on: Family,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: tuple[tuple[str, str], ...] = (),
) -> Rule:
    """The destination's answer replaced by this one."""
    return Rule(on, Mangle.ANSWER, status=status, content_type=content_type, body=body, headers=headers)


CASES = [
    Case(
        "hang-data",
        Rule("data", Mangle.HANG),
        3,
        ("no answer within 2 s",),
        FUZZ,
        also=(at_most("data", 12), lists_unreachable("productCatalog/v2")),
    ),
    Case("drip-data", Rule("data", Mangle.DRIP, delay=0.2), 3, ("no complete answer within 2 s",), FUZZ),
    Case("reset-data", Rule("data", Mangle.RESET), 3, ("connection reset",), DATA),
    Case("reset-mid-body", Rule("data", Mangle.RESET_MID_BODY), 1, ("cut off",), DATA),
    Case("close-mid-body", Rule("data", Mangle.CLOSE_MID_BODY), 1, ("cut off",), DATA),
    Case("html-200", answer("data", 200, b"<html>oops</html>", "text/html"), 1, ("not JSON",), DATA),
    Case("huge-body", Rule("data", Mangle.HUGE_BODY), 1, ("larger than 10 MB",), FUZZ),
    Case(
        "429-short",
        Rule("data", Mangle.RATE_LIMIT_ONCE, retry_after=1),
        0,
        (),
        SMOKE,  # shape, too, would wait out some 80 retries
        also=(every_429_retried_after(1.0),),
    ),
    Case(
        "429-long",
        answer("data", 429, b'{"error": "slow down"}', headers=(("Retry-After", "3600"),)),
        3,
        ("rate limited",),
        DATA,
    ),
    # Throttling every request costs the version as long as a hang would (three timeouts), not each test's
    # Retry-After twice over: reported once as throttled, its other tests not run.
    Case(
        "429-always",
        answer("data", 429, b'{"error": "slow down"}', headers=(("Retry-After", "1"),)),
        3,
        ("throttled: answered only 429 for 6 s of Retry-After in a row",),
        DATA,
        also=(at_most("data", 12), lists_unreachable("productCatalog/v2")),
    ),
    Case("data-503", answer("data", 503, JSON_ERROR), 1, ("503",), DATA),
    Case(
        "token-500",
        answer("token", 500, JSON_ERROR),
        1,
        ("the token endpoint failed",),
        SMOKE,
        never_says=("check the client id",),
    ),
    Case("token-html", answer("token", 200, b"<html>oops</html>", "text/html"), 1, ("not JSON",), SMOKE),
    Case(
        "token-no-access-token",
        answer("token", 200, b'{"token": "x", "expiresIn": 3600}'),
        1,
        ("accessToken",),
        SMOKE,
    ),
    # The auth suite's own grants are read by the run's parser: an unusable answer is the destination's broken
    # contract (exit 1), not a crash of destwatch (exit 4).
    Case(
        "token-html-auth",
        answer("token", 200, b"<html>oops</html>", "text/html"),
        1,
        ("the token answer is not JSON",),
        AUTH,
        never_says=CRASH,
    ),
    Case(
        "token-no-access-token-auth",
        answer("token", 200, b'{"token": "x", "expiresIn": 3600}'),
        1,
        ("no string accessToken",),
        AUTH,
        never_says=CRASH,
    ),
    Case(
        "token-hang",
        Rule("token", Mangle.HANG),
        3,
        ("token endpoint", "no answer within 2 s"),
        SMOKE,
        also=(at_most("token", 4),),
    ),
    Case("token-closed", Rule("token", Mangle.CLOSE), 3, ("closed the connection",), SMOKE),
    Case(
        "token-redirect",
        Rule("token", Mangle.REDIRECT, status=302, location="{trap}/steal"),
        1,
        ("302", "redirect"),
        SMOKE,
        also=(trap_untouched(),),
    ),
    Case(
        "doc-404",
        answer("document", 404, b'{"error": "not found"}'),
        1,
        ("404",),
        SMOKE,
        also=(at_most("document", 2),),
    ),
    Case("doc-invalid-json", answer("document", 200, b'{"openapi": '), 1, ("not JSON",), SMOKE),
    Case(
        "doc-not-openapi",
        answer("document", 200, b'{"hello": "world"}'),
        1,
        ("not an OpenAPI document",),
        SMOKE,
    ),
    Case(
        "doc-hang",
        Rule("document", Mangle.HANG),
        3,
        ("no answer within 2 s",),
        SMOKE,
        also=(at_most("document", 2),),
    ),
    Case(
        "redirect-same-host",
        Rule("data", Mangle.REDIRECT, status=307, location="{proxy}/moved{path}"),
        1,
        ("307", "redirect"),
        FUZZ,
        also=(at_most("other", 0),),  # nothing followed the redirect to /moved/...
    ),
    Case(
        "redirect-other-host",
        Rule("data", Mangle.REDIRECT, status=302, location="{trap}/steal{path}"),
        1,
        ("302", "redirect"),
        FUZZ,
        also=(trap_untouched(),),
    ),
    Case("tls-handshake-failure", None, 3, ("TLS",), SMOKE, also=(tls_hello_seen(),), address="https"),
    # Each its own words: a refused port is no DNS failure, and the other way round.
    Case(
        "wrong-port",
        None,
        3,
        ("connection refused",),
        SMOKE,
        never_says=("host not found",),
        address="closed-port",
    ),
    Case(
        "dns-failure",
        None,
        3,
        ("host not found",),
        SMOKE,
        never_says=("connection refused",),
        address="dns",
    ),
]


# The kinds the corpus was asked for; more may join, none may leave.
REQUIRED = {
    *("hang-data", "drip-data", "reset-data", "reset-mid-body", "close-mid-body", "html-200", "huge-body"),
    *("429-short", "429-long", "429-always", "data-503"),
    *("token-500", "token-html", "token-no-access-token", "token-hang", "token-closed", "token-redirect"),
    *("token-html-auth", "token-no-access-token-auth"),
    *("doc-404", "doc-invalid-json", "doc-not-openapi", "doc-hang"),
    *("redirect-same-host", "redirect-other-host", "tls-handshake-failure", "wrong-port", "dns-failure"),
}


def closed_port() -> int:
    """A loopback port nobody listens on: bound, read, released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def suite_args(suites: tuple[str, ...]) -> list[str]:
    return [arg for suite in suites for arg in ("--suite", suite)]


def explain(name: str, run: GateRun, problems: list[str], proxy: MisbehavingProxy) -> str:
    lines = [f"{name}: destwatch {' '.join(run.args)} (exit {run.returncode}, {run.wall:.1f} s)"]
    lines += [f"  - {problem}" for problem in problems]
    lines += [f"  proxy saw {proxy.counts()}, trap {proxy.trap_hits}", "--- output (tail) ---", run.tail()]
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.slow
def test_destwatch_bounds_and_names_what_the_destination_did(
    case: Case, proxy: MisbehavingProxy, tmp_path: Path
) -> None:
    proxy.rule = case.rule
    run = run_destwatch(tmp_path, case.targets(proxy), suite_args(case.suites), kill_after=WITHIN + 2)
    assert proxy.errors == [], f"the proxy itself failed, not destwatch: {proxy.errors}"
    problems = outcome_problems(
        run, exit_code=case.exit, within=WITHIN, says=case.says, never_says=case.never_says
    )
    problems += [found for also in case.also if (found := also.problem(proxy, run))]
    assert not problems, explain(case.name, run, problems, proxy)


@pytest.mark.slow
def test_control_the_honest_destination_behind_the_proxy_passes_every_check(
    proxy: MisbehavingProxy, tmp_path: Path
) -> None:
    # The same harness, suites and checks without a rule: exit 0 and no problem, so what fails a case above
    # is what its rule did to the answers.
    run = run_destwatch(tmp_path, targets_toml(proxy.url), suite_args(FUZZ), kill_after=WITHIN + 2)
    problems = outcome_problems(run, exit_code=0, within=WITHIN)
    assert not problems, explain("control", run, problems, proxy)
    assert min(proxy.count("token"), proxy.count("document"), proxy.count("data")) > 0
    assert proxy.count("other") == proxy.trap_hits == 0 and proxy.errors == []


@pytest.mark.slow
def test_a_numeric_string_expires_in_is_read_as_its_number_with_a_warning_not_a_failure(
    proxy: MisbehavingProxy, upstream: str, tmp_path: Path
) -> None:
    # One of Occtoo's formatters declares `expiresIn` a string: every token answer says "3600", the token
    # itself real. The clauses about refused requests are left out: this answer would hand them a token.
    fields = {"clientId": "demo-client-v2", "clientSecret": SECRET}
    granted = httpx.post(f"{upstream}/destinations/{V2_ID}/token", json=fields).json()
    body = json.dumps({"accessToken": granted["accessToken"], "expiresIn": "3600"}).encode()
    proxy.rule = answer("token", 200, body)
    args = [*suite_args(("smoke", "auth")), "--", "-k", "not bad_token_request"]
    run = run_destwatch(tmp_path, targets_toml(proxy.url), args, kill_after=WITHIN + 2)
    problems = outcome_problems(
        run, exit_code=0, within=WITHIN, says=("token: expiresIn is the documented number of seconds",)
    )
    assert not problems, explain("numeric-string expiresIn", run, problems, proxy)
    warned = [
        w for w in (run.summary() or {}).get("warnings", []) if w["clause"].startswith("token: expiresIn")
    ]
    assert warned and all("is the string '3600'" in w["evidence"]["detail"] for w in warned), warned
    assert (run.summary() or {})["totals"]["passed"] >= 10


@pytest.mark.slow
def test_a_fully_hung_version_at_the_default_timeout_is_given_up_within_a_minute(
    proxy: MisbehavingProxy, tmp_path: Path
) -> None:
    # No `timeout` in targets.toml: the default 10 s; token, document and data requests all hang.
    proxy.rule = Rule("version", Mangle.HANG)
    run = run_destwatch(tmp_path, targets_toml(proxy.url, timeout=None), [], kill_after=62)
    assert proxy.errors == [], f"the proxy itself failed, not destwatch: {proxy.errors}"
    problems = outcome_problems(run, exit_code=3, within=60)
    assert not problems, explain("fully hung version, default timeout", run, problems, proxy)


def test_the_corpus_keeps_every_kind_with_its_exit_code_and_wording() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) >= 20, "the corpus lost kinds of misbehaviour"
    assert set(names) >= REQUIRED, f"missing: {sorted(REQUIRED - set(names))}"
    for case in CASES:
        assert case.exit in (0, 1, 3), case.name
        assert case.says or case.exit == 0, f"{case.name}: a failure must have its own words"
        assert all(word.strip() for word in case.says), case.name
        assert re.fullmatch(r"[a-z0-9-]+", case.name), case.name
    assert {case.exit for case in CASES} == {0, 1, 3}
    # Every mangling the proxy offers is exercised (SLOW serves the signal tests).
    used = {case.rule.mangle for case in CASES if case.rule is not None}
    assert used == set(Mangle) - {Mangle.FORWARD, Mangle.SLOW}
    assert {case.address for case in CASES} == {"proxy", "https", "closed-port", "dns"}
    # The fuzzer's own transport meets the hang, the drip, the huge body and both redirects.
    fuzzed = {case.name for case in CASES if "fuzz" in case.suites}
    assert fuzzed >= {"hang-data", "drip-data", "huge-body", "redirect-same-host", "redirect-other-host"}
