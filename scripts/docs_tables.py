"""Write the catalogue tables of the docs from the code that holds each catalogue.

A table sits in a page of docs/ between `<!-- generated: NAME -->` and `<!-- end -->`; this script rewrites
what lies between the two from its one source: the reference destination's seeded faults, document
variants and candidate versions (`destwatch.reference`), and the keys of targets.toml with their defaults,
meanings and examples (the settings models of `destwatch.config`). `tests/docs/test_docs_tables.py` fails
when a page holds anything else, so a catalogue changed in the code is a table to regenerate, never a
table kept by hand.

    .venv/bin/python scripts/docs_tables.py            # rewrite the tables in docs/*.md
    .venv/bin/python scripts/docs_tables.py --check    # exit 1 naming each table that differs
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from destwatch._tomllines import toml_value
from destwatch.config import OUR_EXPECTATIONS, MonitorSettings, ReferenceSettings, TargetSettings
from destwatch.config import _DestinationTable as DestinationTable
from destwatch.config import _VersionTable as VersionTable
from destwatch.consumers.model import ConsumerFile, QueryTable, Relies
from destwatch.reference.candidates import CANDIDATES
from destwatch.reference.faults import FAULTS
from destwatch.reference.model import REFERENCE, Customer
from destwatch.reference.variants import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"(<!-- generated: ([a-z-]+) -->\n)(.*?)(<!-- end -->)", re.DOTALL)

# Whose rule each setting is, beside our own expectations (`OUR_EXPECTATIONS`, which the code holds): the
# code does not say it, so it is said here, and the test holds this map to exactly the settings there are.
OURS = "ours: a warning until set"
KIND_OF_SETTING = {
    "token_lifetime": "Occtoo's contract (tokens live 60 minutes)",
    "auth_reject_statuses": "Occtoo's contract (a bearer token on every request)",
    "period_property": "your destination (what its document leaves unsaid)",
    "sort_collation": "your destination (what its document leaves unsaid)",
    "facet_sizes": "your destination (what its document leaves unsaid)",
    "response_time_budget": "your limit (a slower answer fails the gate)",
    "max_response_bytes": "your limit (a larger answer fails the gate)",
    "latency_regression": "your limit (validate)",
    "min_proven": "your limit (a run proving less exits 5)",
    "require_proven": "your limit (a run proving less exits 5)",
    "timeout": "how destwatch runs",
    "max_rps": "how destwatch runs",
    "run_deadline": "how destwatch runs",
    "version_budget": "how destwatch runs",
    "examples": "how destwatch runs",
    "request_budget": "how destwatch runs",
    "expiry_wait_budget": "how destwatch runs",
    "seed": "how destwatch runs",
    "rate_limit": "your destination (its declared quota; the ratelimit suite, opt-in)",
    "token_rate_limit": "your destination (its declared quota; the ratelimit suite, opt-in)",
}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`"


def _value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, Mapping | tuple | list) and not value:
        return _code("{}" if isinstance(value, Mapping) else "[]")
    return _code(toml_value(value).replace("{  }", "{}"))


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    return _value(info.get_default(call_default_factory=True))


def _example(info: FieldInfo) -> str:
    return _value(info.examples[0]) if info.examples else ""


def _keys(model: type[BaseModel], kind: Callable[[str], str] | None = None) -> str:
    header = ["key", "default", *(["whose rule"] if kind else []), "meaning", "example"]
    rows = [
        [_code(name), _default(info), *([kind(name)] if kind else []), info.description or "", _example(info)]
        for name, info in model.model_fields.items()
    ]
    return _table(header, rows)


def setting_kind(name: str) -> str:
    """Whose rule a setting is: our own expectation (a warning until set), else as `KIND_OF_SETTING` says."""
    return OURS if name in OUR_EXPECTATIONS else KIND_OF_SETTING[name]


def served(customer: Customer) -> str:
    """The versions the reference serves: ids, demo applications of both flows, endpoints, languages."""
    rows = []
    for destination, version in customer.versions():
        apps = ", ".join(f"`{a.client_id}` / `{a.client_secret}`" for a in version.applications)
        oauth = ", ".join(
            f"`{a.client_id}` / `{a.client_secret}` ({a.grant})" for a in version.oauth_applications
        )
        rows.append(
            [
                f"{destination.name} {version.name}",
                "yes" if version.protected else "no",
                _code(version.destination_id),
                apps or "none",
                oauth or "none",
                version.token_flow,
                ", ".join(endpoint.id for endpoint in version.endpoints),
                " ".join(version.languages),
            ]
        )
    header = [
        "version",
        "protected",
        "destination id (= OAuth2 audience)",
        "destination-flow client / secret",
        "OAuth2 client / secret (grant)",
        "its consumers' flow",
        "endpoints",
        "languages",
    ]
    return _table(header, rows)


def tables() -> dict[str, str]:
    """Every generated table by name, as its block holds it."""
    return {
        "settings": _keys(TargetSettings, setting_kind),
        "destination-keys": _keys(DestinationTable),
        "version-keys": _keys(VersionTable),
        "reference-keys": _keys(ReferenceSettings),
        "monitor-keys": _keys(MonitorSettings),
        "consumer-keys": "\n\n".join(
            [
                _keys(ConsumerFile),
                "`[[query]]`, one per query:",
                _keys(QueryTable),
                "`[query.relies_on]`:",
                _keys(Relies),
            ]
        ),
        "reference-versions": served(REFERENCE),
        "faults": _table(
            ["fault", "what the destination does wrong", "caught by"],
            [[_code(f.name), f.description, ", ".join(f.targets)] for f in FAULTS.values()],
        ),
        "variants": _table(
            ["variant", "what differs from the default document", "settings its owner sets"],
            [
                [
                    _code(v.name),
                    v.description,
                    ", ".join(f"`{key} = {toml_value(value)}`" for key, value in v.settings.items())
                    or "none",
                ]
                for v in VARIANTS.values()
            ],
        ),
        "candidates": _table(
            ["candidate", "what v4 does differently from v2", "in its document"],
            [
                [_code(c.name), c.description, "yes" if c.document_changes else "no"]
                for c in CANDIDATES.values()
            ],
        ),
    }


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def render(text: str, generated: Mapping[str, str], *, page: str = "") -> str:
    """`text` with every generated block rewritten; `KeyError` naming a block no catalogue fills."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in generated:
            raise KeyError(f"{page}: no table named {name!r}; known: {', '.join(generated)}")
        return f"{match.group(1)}\n{generated[name]}\n{match.group(4)}"

    return BLOCK.sub(fill, text)


def placed(paths: Iterable[Path]) -> set[str]:
    """The table names the pages hold blocks for."""
    return {match.group(2) for path in paths for match in BLOCK.finditer(path.read_text(encoding="utf-8"))}


def stale(paths: Iterable[Path] | None = None) -> list[str]:
    """One line per table that differs from what the code says, names no catalogue, or is placed nowhere."""
    paths = list(pages() if paths is None else paths)
    generated = tables()
    problems = []
    for path in paths:
        for match in BLOCK.finditer(path.read_text(encoding="utf-8")):
            name, where = match.group(2), path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            if name not in generated:
                problems.append(f"{where}: no table named {name!r}; known: {', '.join(generated)}")
            elif match.group(3) != f"\n{generated[name]}\n":
                problems.append(f"{where}: the table {name!r} differs from the code")
    problems += [
        f"the table {name!r} is in no page of docs/" for name in sorted(set(generated) - placed(paths))
    ]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a table differs")
    args = parser.parse_args()
    if args.check:
        problems = stale()
        for line in problems:
            print(line)
        return 1 if problems else 0
    generated = tables()
    for path in pages():
        text = path.read_text(encoding="utf-8")
        new = render(text, generated, page=path.name)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
