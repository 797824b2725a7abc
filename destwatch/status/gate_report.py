"""The gate's report as one page: `reports/index.html` beside summary.json, written wherever summary.json is
(the pytest plugin's session end, `destwatch report merge`). Every text passes through `redact`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from destwatch._files import write_atomic
from destwatch.status.html import document, ms, text

__all__ = ["gate_page", "write_gate_report"]

_LINKS = (
    ("allure-results/", "Allure results", "render with `allure serve allure-results`"),
    ("junit.xml", "JUnit XML", ""),
    ("summary.json", "summary.json", ""),
    ("exchanges.jsonl", "every request sent", "one JSON line each, redacted"),
)


def write_gate_report(summary: Mapping[str, Any], reports: Path) -> Path:
    """Write `index.html` for `summary` into the reports folder; its path."""
    path = reports / "index.html"
    write_atomic(path, gate_page(summary, reports))
    return path


def gate_page(summary: Mapping[str, Any], reports: Path) -> str:
    rows: Sequence[Mapping[str, Any]] = summary.get("rows", [])
    totals = summary.get("totals", {})
    verdict = "passed" if summary.get("exit_code") == 0 else "failed"
    facts = [
        ("started", summary.get("started")),
        ("duration", f"{summary['duration']:.1f} s" if summary.get("duration") is not None else None),
        ("seed", summary.get("seed")),
        ("fault", summary.get("fault")),
        ("variant", summary.get("variant")),
        ("shards", ", ".join(summary["shards"]) if summary.get("shards") else None),
    ]
    parts = [
        f'<h1>destwatch gate <span class="pill {verdict}" id="verdict">{text(summary.get("result", ""))}'
        f"</span></h1>",
        '<p class="meta">'
        + " · ".join(f"{name} {text(value)}" for name, value in facts if value not in (None, ""))
        + f" · exit {text(summary.get('exit_code'))}</p>",
        f'<p id="totals">{totals.get("passed", 0)} passed, {totals.get("failed", 0)} failed, '
        f"{totals.get('skipped', 0)} skipped, {totals.get('not_checked_budget', 0)} not checked (budget)</p>",
        _links(reports),
        _unreachable(summary.get("unreachable", [])),
        '<h2 id="matrix">Destination versions and suites</h2>',
        _matrix(rows),
        '<h2 id="usage">Requests per version</h2>',
        _usage(summary.get("targets", {})),
        '<h2 id="failures">Failures</h2>',
        _failures(rows),
    ]
    return document(f"destwatch gate: {summary.get('result', '')}", "\n".join(parts))


def _links(reports: Path) -> str:
    items = []
    for href, name, note in _LINKS:
        if (reports / href).exists():
            extra = f" ({text(note)})" if note else ""
            items.append(f'<li><a href="{href}">{text(name)}</a>{extra}</li>')
    return f'<ul id="links">{"".join(items)}</ul>' if items else ""


def _unreachable(unreachable: Sequence[Mapping[str, Any]]) -> str:
    if not unreachable:
        return ""
    items = "".join(
        f"<li><b>{text(item['target'])}</b>: {text(item['reason'])}"
        + (f"; {item['tests_not_run']} tests not run" if item.get("tests_not_run") else "")
        + "</li>"
        for item in unreachable
    )
    return f'<div class="failure" id="unreachable"><p class="clause">unreachable</p><ul>{items}</ul></div>'


def _matrix(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return '<p class="empty">no test ran: a run that tests nothing is not a pass</p>'
    heads = ("version", "suite", "result", "passed", "failed", "skipped", "not checked: budget", "seconds")
    body = []
    for row in rows:
        state = "failed" if row["failed"] else "passed"
        target = f"{row['destination']}/{row['version']}"
        body.append(
            f'<tr class="row" data-target="{text(target)}" data-suite="{text(row["suite"])}">'
            f"<td>{text(target)}</td><td>{text(row['suite'])}</td>"
            f'<td><span class="pill {state}">{state}</span></td>'
            + "".join(
                f'<td class="num">{text(row.get(key, 0))}</td>'
                for key in ("passed", "failed", "skipped", "not_checked_budget", "duration")
            )
            + "</tr>"
        )
    head = "".join(f"<th>{name}</th>" for name in heads)
    return f'<table id="matrix-table"><tr>{head}</tr>{"".join(body)}</table>'


def _usage(targets: Mapping[str, Mapping[str, Any]]) -> str:
    if not targets:
        return '<p class="empty">no request was sent</p>'
    heads = ("version", "base URL", "requests", "tokens fetched", "slowest answer", "fuzz seed")
    body = "".join(
        f'<tr data-target="{text(target)}"><td>{text(target)}</td><td>{text(usage.get("base_url", ""))}</td>'
        f'<td class="num">{text(usage.get("requests", 0))}</td>'
        f'<td class="num">{text(usage.get("tokens_fetched", 0))}</td>'
        f'<td class="num">{ms(usage.get("max_elapsed"))}</td>'
        f"<td>{text(usage.get('fuzz_seed') or '-')}</td></tr>"
        for target, usage in sorted(targets.items())
    )
    head = "".join(f"<th>{name}</th>" for name in heads)
    return f'<table id="usage-table"><tr>{head}</tr>{body}</table>'


def _failures(rows: Sequence[Mapping[str, Any]]) -> str:
    found = [(row, failure) for row in rows for failure in row["failures"]]
    if not found:
        return '<p class="empty" id="no-failures">no failure</p>'
    parts = []
    for row, failure in found:
        target = f"{row['destination']}/{row['version']}"
        blocks = [
            f'<p class="clause">{text(failure["message"])}</p>',
            f'<p class="meta">{text(target)} · {text(row["suite"])} · {text(failure["kind"])} · '
            f"<code>{text(failure['test'])}</code></p>",
        ]
        if failure.get("detail"):
            blocks.append(f'<pre class="detail">{text(failure["detail"])}</pre>')
        if failure.get("request"):
            blocks.append(f'<p>Reproduce with:</p><pre class="curl">{text(failure["request"])}</pre>')
        if failure.get("counterexample"):
            lines = "\n".join(failure["counterexample"])
            blocks.append(f'<p>Counterexample:</p><pre class="counterexample">{text(lines)}</pre>')
        parts.append(f'<div class="failure" data-kind="{text(failure["kind"])}">{"".join(blocks)}</div>')
    return "".join(parts)
