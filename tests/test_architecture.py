"""The shape of the code base, held by tests: layers that import downwards only, a core without pytest, the
core's public names pinned, and other tools' internals used only by their adapters.

The monitor and version validation use the core directly; they must not pay for pytest or Schemathesis on
every probe, and a rename in the core must be a deliberate change of this file.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from destwatch.gate.runner import GateRequest, run_gate
from destwatch.reference.targets import embedded_targets

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "destwatch"

# Lowest first: a module may import from its own layer and the ones below, never from one above.
LAYERS = [
    ("leaves", ["", "errors", "exit_codes", "redact", "notices", "templates", "_*"]),
    ("configuration", ["config"]),
    ("reference destination", ["reference"]),
    (
        "core",
        [
            "http",
            "tokens",
            "failures",
            "documents",
            "openapi",
            "consumers",
            "coverage",
            "selection",
            "environment",
        ],
    ),
    ("pages", ["pages"]),
    ("front-ends", ["gate", "suites", "monitor", "validate", "status", "scaffold", "install_source"]),
    ("command line", ["cli"]),
]
CORE_PUBLIC_NAMES = {
    "destwatch.config": [
        "BUILT_IN",
        "ConfigError",
        "CoverageKind",
        "DEFAULT_OAUTH2_TOKEN_URL",
        "DEFAULT_TOKEN_URL",
        "EMBEDDED",
        "EXAMPLE_TARGETS",
        "EmbeddedReference",
        "MONITOR_STEPS",
        "MaintenanceSettings",
        "MonitorSettings",
        "OUR_EXPECTATIONS",
        "RateLimit",
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
    "destwatch.environment": ["Environment", "Replaying"],
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
        "answer_digest",
        "expect_or_warn",
        "violation",
    ],
    "destwatch.http": [
        "BeyondBundle",
        "Client",
        "Exchange",
        "MAX_RETRY_AFTER",
        "Recorder",
        "ReplayDiverged",
        "answer_within_budget",
        "no_answer",
        "redacted_exchange",
        "request_key",
        "token_request_key",
        "why_no_answer",
    ],
    "destwatch.notices": [
        "BARE",
        "ContractWarning",
        "EXERCISED",
        "ExpectationWarning",
        "Note",
        "Notices",
        "PROVEN",
        "RequestKey",
        "UNTESTABLE",
        "cover",
        "covering",
        "merged",
        "note",
        "recording",
        "relied_on",
        "rely",
        "used",
        "warn",
    ],
    "destwatch.openapi.model": [
        "EndpointModel",
        "Method",
        "RANGE_OPERATORS",
        "STANDARD_GET_PARAMETERS",
        "Surface",
        "array_items",
        "endpoint_models",
        "json_schema",
        "object_properties",
        "resolve",
    ],
    "destwatch.openapi.queries": [
        "LogicalQuery",
        "Method",
        "Request",
        "Unsupported",
        "expressible",
        "methods_for",
        "render",
    ],
    "destwatch.redact": [
        "FORGET_AFTER",
        "MASK",
        "curl",
        "known_secrets",
        "redact",
        "redact_headers",
        "register_secret",
    ],
    "destwatch.selection": ["RunOptions", "Selection"],
    "destwatch.tokens": [
        "DESTINATION_FLOW",
        "FLOWS",
        "OAUTH2_FLOW",
        "Token",
        "TokenCache",
        "TokenFlow",
        "flow_of",
        "parse_token_answer",
    ],
}
# Other tools' internals, each reached by one adapter module of the gate only (see each module's words).
ADAPTERS = {
    "pytest": "destwatch/gate/_pytest.py",
    "_pytest": "destwatch/gate/_pytest.py",
    "pluggy": "destwatch/gate/_pytest.py",
    "xdist": "destwatch/gate/_xdist.py",
    "execnet": "destwatch/gate/_xdist.py",
    "allure": "destwatch/gate/_allure.py",
    "allure_commons": "destwatch/gate/_allure.py",
    "allure_pytest": "destwatch/gate/_allure.py",
    "schemathesis": "destwatch/gate/_schemathesis.py",
    "hypothesis": "destwatch/gate/_schemathesis.py",
}
_OWN_PACKAGES = {"destwatch"}


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "suites" not in path.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    if module.endswith(".__main__"):  # `python -m ...`: an entry point, like the command line
        return len(LAYERS) - 1
    top = module.split(".")[1] if module.count(".") else ""
    for number, (_, members) in enumerate(LAYERS):
        if any(top == member or (member == "_*" and top.startswith("_")) for member in members):
            return number
    raise AssertionError(f"{module}: in no layer of tests/test_architecture.py; place it in one")


def _imports(tree: ast.AST) -> Iterator[tuple[int, str, list[str]]]:
    """Every import that runs (those under `if TYPE_CHECKING:` never do): line, module, names."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_imports_only_from_its_layer_and_below(path: Path) -> None:
    mine = _layer(_name(path))
    upward = [
        f"line {line}: {module} ({LAYERS[_layer(module)][0]})"
        for line, module, _ in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.startswith("destwatch.") and _layer(module) > mine
    ]
    assert upward == [], f"{_name(path)} ({LAYERS[mine][0]}) imports from above: {upward}"


def test_no_import_cycle_runs() -> None:
    graph: dict[str, set[str]] = {}
    for path in _modules():
        module = _name(path)
        graph[module] = {
            imported
            for _, imported, _ in _imports(ast.parse(path.read_text(encoding="utf-8")))
            if imported.startswith("destwatch")
        }
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, route = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start and len(route) > 1:
                    cycles.append(" -> ".join([*route, nxt]))
                elif nxt not in seen and nxt in graph:
                    seen.add(nxt)
                    stack.append((nxt, [*route, nxt]))
    assert cycles == []


def test_the_core_imports_neither_pytest_nor_schemathesis() -> None:
    modules = [
        *CORE_PUBLIC_NAMES,
        "destwatch.gate.rules.plans",
        "destwatch.gate.rules.oracles",
        "destwatch.gate.authkit",
        # Front-ends that must not pay for pytest on every start: the monitor, validation's document diff,
        # and the command line.
        *sorted(_name(path) for path in (PACKAGE / "monitor").glob("[!_]*.py")),
        "destwatch.validate.command",
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
        "from destwatch.environment import Environment\n"
        "from destwatch.selection import RunOptions, Selection\n"
        f"run = Environment.start(Selection.resolve(RunOptions(targets=Path({str(targets)!r}))))\n"
        "assert [t.id for t in run.targets] == ['shop/v1'], run.targets\n"
        "assert 'starlette' not in sys.modules, 'starlette'\n"
        "assert 'uvicorn' not in sys.modules, 'uvicorn'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("module", sorted(CORE_PUBLIC_NAMES))
def test_the_public_names_of_the_core_are_pinned(module: str) -> None:
    assert sorted(importlib.import_module(module).__all__) == CORE_PUBLIC_NAMES[module]


def _private_uses(tree: ast.AST) -> Iterator[tuple[int, str, str | None]]:
    """Where a module leans on another tool's internals: line, what, and the tool (None: not known)."""
    imported: dict[str, str] = {}  # a local name -> the third-party package it came from
    for line, module, names in _imports(tree):
        top = module.split(".")[0]
        if top in _OWN_PACKAGES or top not in ADAPTERS:
            continue
        for name in names or [module.split(".")[0]]:
            imported[name] = top
        if (any(part.startswith("_") for part in [*module.split("."), *names]) and top != "_pytest") or (
            top == "_pytest"
        ):
            yield line, f"imports {module}: {', '.join(names) or module}", top
    for node in ast.walk(tree):
        # Overriding a private hook of another tool's class: `def _split_scope` in a subclass of xdist's.
        if isinstance(node, ast.ClassDef):
            tools = {imported.get(ast.unparse(base).split(".")[0]) for base in node.bases} - {None}
            for item in node.body:
                if (
                    isinstance(item, ast.FunctionDef)
                    and item.name.startswith("_")
                    and not item.name.startswith("__")
                ):
                    for tool in tools:
                        yield item.lineno, f"overrides {node.name}.{item.name}", tool
        # A private attribute of anything but our own objects: `terminalreporter._tw`, `case._override`.
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            tool = imported.get(root.id) if isinstance(root, ast.Name) else None
            if tool is not None or not (isinstance(root, ast.Name) and root.id.startswith("_")):
                yield node.lineno, f"uses {ast.unparse(node)}", tool
        # A class matched by its name where no public API tells it (`type(x).__name__ == "Name"`).
        if isinstance(node, ast.Compare) and ".__name__" in ast.unparse(node):
            for side in (node.left, *node.comparators):
                if (
                    isinstance(side, ast.Constant)
                    and isinstance(side.value, str)
                    and side.value[:1].isupper()
                ):
                    yield node.lineno, f"names the class {side.value!r}", _private_class_of(side.value)


def _private_class_of(name: str) -> str | None:
    """The tool whose private module defines a class of this name, among the modules loaded here."""
    for module_name, module in list(sys.modules.items()):
        top = module_name.split(".")[0]
        private = any(part.startswith("_") for part in module_name.split("."))
        if top in ADAPTERS and private and isinstance(getattr(module, name, None), type):
            return top
    return None


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_other_tools_internals_are_used_only_by_their_adapters(path: Path) -> None:
    mine = path.relative_to(ROOT).as_posix()
    found = [
        f"line {line}: {what} (belongs in {ADAPTERS[tool] if tool else 'an adapter'})"
        for line, what, tool in _private_uses(ast.parse(path.read_text(encoding="utf-8")))
        if (ADAPTERS[tool] != mine if tool else mine not in ADAPTERS.values())
    ]
    assert found == []


def test_targets_toml_is_read_once_per_gate_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(embedded_targets(defaults={"max_rps": 1000.0}, versions=["productCatalog/v1"]))
    reads: list[str] = []
    real = tomllib.loads

    def counting(text: str, **kwargs: object) -> dict[str, object]:
        reads.append(text)
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tomllib, "loads", counting)
    summary = run_gate(GateRequest(targets=targets, reports=tmp_path / "reports", suites=("smoke",)))
    assert summary.exit_code == 0 and summary.totals["passed"] >= 3
    # pytest reads pyproject.toml with the same parser: count the reads of this targets.toml only.
    assert reads.count(targets.read_text()) == 1
