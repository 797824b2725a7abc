"""The shape of the code base: a core without pytest, public names pinned, no private third-party APIs.

The monitor and version validation use the core directly; they must not pay for pytest or Schemathesis
on every probe, and a rename in the core must be a deliberate change of this file.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from destwatch.gate.runner import GateRequest, run_gate
from destwatch.reference.targets import embedded_targets

ROOT = Path(__file__).resolve().parents[1]
CORE_PUBLIC_NAMES = {
    "destwatch.config": [
        "BUILT_IN",
        "ConfigError",
        "DEFAULT_OAUTH2_TOKEN_URL",
        "DEFAULT_TOKEN_URL",
        "EMBEDDED",
        "EXAMPLE_TARGETS",
        "EmbeddedReference",
        "MONITOR_STEPS",
        "MonitorSettings",
        "OUR_EXPECTATIONS",
        "ReferenceSettings",
        "ServedVersion",
        "TargetSettings",
        "Targets",
        "TokenFlowName",
        "TokenGrant",
        "VersionTarget",
        "did_you_mean",
        "load_targets",
        "targets_file",
    ],
    "destwatch.documents": ["DocumentFetch", "DocumentStore", "endpoints", "validate_document"],
    "destwatch.errors": [
        "ConfigError",
        "DestwatchError",
        "DocumentError",
        "NoAnswer",
        "TargetUnreachable",
        "TokenError",
        "again",
    ],
    "destwatch.exit_codes": ["ExitCode"],
    "destwatch.failures": [
        "AnswerCutOff",
        "AnswerTooLarge",
        "BudgetSpent",
        "ContractViolation",
        "ExpectationWarning",
        "NotChecked",
        "RedirectNotFollowed",
        "expect_or_warn",
        "violation",
    ],
    "destwatch.http": [
        "Client",
        "Exchange",
        "MAX_RETRY_AFTER",
        "Recorder",
        "no_answer",
        "redacted_exchange",
        "why_no_answer",
    ],
    "destwatch.redact": ["MASK", "curl", "redact", "redact_headers", "register_secret"],
    "destwatch.gate.summary": [
        "COUNTED",
        "ItemResult",
        "assemble_summary",
        "build_summary",
        "join_usage",
        "write_exchanges",
        "write_json",
    ],
    "destwatch.run": ["Run", "RunOptions"],
    "destwatch.gate.rules": [
        "Answer",
        "LogicalQuery",
        "EndpointModel",
        "Probe",
        "RequestBudget",
        "Session",
        "Unsupported",
        "endpoint_models",
        "render",
    ],
    "destwatch.tokens": [
        "DESTINATION_FLOW",
        "FLOWS",
        "OAUTH2_FLOW",
        "Token",
        "TokenAnswerWarning",
        "TokenCache",
        "TokenFlow",
        "flow_of",
        "parse_token_answer",
    ],
}
MONITOR_MODULES = sorted(
    f"destwatch.monitor.{path.stem}" for path in (ROOT / "destwatch" / "monitor").glob("[!_]*.py")
)
# The one module allowed to reach into a private third-party API (see its docstring).
ADAPTER = ROOT / "destwatch" / "gate" / "_schemathesis.py"
_THIRD_PARTY = ("pytest", "_pytest", "schemathesis", "hypothesis", "pluggy")


def test_the_core_imports_neither_pytest_nor_schemathesis() -> None:
    modules = [
        *CORE_PUBLIC_NAMES,
        "destwatch.gate.rules.plans",
        "destwatch.gate.rules.oracles",
        "destwatch.gate.authkit",
        # The monitor is a front-end that must not pay for pytest on every start (nor the command line).
        *MONITOR_MODULES,
        "destwatch.cli",
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'pytest' not in sys.modules, 'pytest'\n"
        "assert 'schemathesis' not in sys.modules, 'schemathesis'\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_run_against_real_destinations_loads_no_web_server(tmp_path: Path) -> None:
    # Starlette and uvicorn serve the reference; every command's start-up and every run without it is spared.
    targets = tmp_path / "targets.toml"
    targets.write_text(
        '[destinations.shop]\nbase_url = "http://127.0.0.1:9/{customer}/{destination}"\ncustomer = "c"\n'
        '[destinations.shop.versions.v1]\nprotected = false\nlanguages = ["en"]\ndestination_id = "d1"\n',
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import destwatch.cli\n"
        "from destwatch.run import Run, RunOptions\n"
        f"run = Run.start(RunOptions(targets=Path({str(targets)!r})))\n"
        "assert [t.id for t in run.targets] == ['shop/v1'], run.targets\n"
        "assert 'starlette' not in sys.modules, 'starlette'\n"
        "assert 'uvicorn' not in sys.modules, 'uvicorn'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("module", sorted(CORE_PUBLIC_NAMES))
def test_the_public_names_of_the_core_are_pinned(module: str) -> None:
    assert sorted(importlib.import_module(module).__all__) == CORE_PUBLIC_NAMES[module]


@pytest.mark.parametrize(
    "path", sorted(p for p in (ROOT / "destwatch").rglob("*.py") if p != ADAPTER), ids=str
)
def test_no_module_uses_a_private_api_of_pytest_or_schemathesis(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in _THIRD_PARTY:
            parts = [*node.module.split("."), *(alias.name for alias in node.names)]
            private += [f"line {node.lineno}: {node.module}" for part in parts if part.startswith("_")][:1]
        # Attribute access on anything but our own objects: `terminalreporter._tw`, `metafunc._arg2...`.
        ours = isinstance(node, ast.Attribute) and (
            isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
        )
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not ours
        ):
            private.append(f"line {node.lineno}: {ast.unparse(node)}")
    assert private == []


def test_targets_toml_is_read_once_per_gate_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(embedded_targets(defaults={"max_rps": 1000.0}, versions=["productCatalog/v1"]))
    reads: list[str] = []
    real = tomllib.loads

    def counting(text: str, **kwargs: object) -> dict[str, object]:
        reads.append(text)
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tomllib, "loads", counting)
    reports = tmp_path / "reports"
    code = run_gate(GateRequest(targets=targets, reports=reports, suites=("smoke",)))
    assert code == 0
    assert json.loads((reports / "summary.json").read_text())["totals"]["passed"] >= 3
    # pytest reads pyproject.toml with the same parser: count the reads of this targets.toml only.
    assert reads.count(targets.read_text()) == 1
