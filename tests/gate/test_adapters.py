"""Each adapter to another tool's internals still finds them on the pinned versions: the day an upgrade
moves one, the test of that adapter fails naming the module to mend (not some gate run far away)."""

from __future__ import annotations

import inspect

import pytest
from allure_commons.logger import AllureFileLogger

from destwatch.gate import _allure, _pytest, _schemathesis, _xdist

pytest_plugins = ["pytester"]


def test_the_xdist_adapter_finds_the_scope_hook_it_overrides() -> None:
    from xdist.scheduler import LoadScopeScheduling

    assert callable(getattr(LoadScopeScheduling, "_split_scope", None)), (
        f"{_xdist.__name__}: xdist's LoadScopeScheduling no longer has _split_scope; mend the adapter"
    )
    assert inspect.signature(LoadScopeScheduling._split_scope).parameters.keys() == {"self", "nodeid"}


def test_the_pytest_adapter_tells_a_direct_parameter_from_a_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import pytest\n"
        "seen = {}\n"
        "@pytest.hookimpl(wrapper=True)\n"
        "def pytest_fixture_setup(fixturedef, request):\n"
        "    from destwatch.gate._pytest import is_direct_parameter\n"
        "    seen[fixturedef.argname] = is_direct_parameter(fixturedef)\n"
        "    return (yield)\n"
        "def pytest_sessionfinish(session):\n"
        "    print('SEEN', sorted(seen.items()))\n"
    )
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.fixture\n"
        "def real():\n    return 1\n"
        "@pytest.mark.parametrize('param', [1])\n"
        "def test_it(param, real):\n    pass\n"
    )
    result = pytester.runpytest("-s", "-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "SEEN [('param', True), ('real', False)]" in result.stdout.str(), (
        f"{_pytest.__name__}: pytest no longer names a direct parameter's fixture "
        f"{_pytest.DIRECT_PARAMETER}; mend the adapter"
    )


def test_the_allure_adapter_passes_on_every_hook_of_allures_file_logger() -> None:
    # The hooks Allure calls on its file logger are its methods marked `@allure_commons.hookimpl`.
    hooks = {name for name, value in inspect.getmembers(AllureFileLogger) if hasattr(value, "allure_impl")}
    missing = {
        name for name in hooks if not hasattr(getattr(_allure.WrittenLater, name, None), "allure_impl")
    }
    assert hooks and not missing, (
        f"{_allure.__name__}: Allure's file logger gained hooks {sorted(missing)}; mend the adapter"
    )


def test_the_allure_adapter_finds_the_listener_and_its_fixture_hook(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        # When the gate's plugin looks for it: once collection is done.
        "def pytest_collection_finish(session):\n"
        "    listener = session.config.pluginmanager.getplugin('allure_listener')\n"
        "    print('LISTENER', listener is not None and hasattr(listener, 'pytest_fixture_setup'))\n"
    )
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest(
        "-s", "-p", "allure_pytest", "--alluredir", str(pytester.path / "results"), "-p", "no:xdist"
    )
    assert "LISTENER True" in result.stdout.str(), (
        f"{_allure.__name__}: allure-pytest no longer registers `{_allure.LISTENER}` with a "
        "pytest_fixture_setup hook; mend the adapter"
    )


def test_the_schemathesis_adapter_imports_every_internal_it_uses() -> None:
    # Every lazy import of the adapter, at once: a moved module or name fails here, naming the adapter.
    source = inspect.getsource(_schemathesis)
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("from schemathesis") and " import " in stripped and not stripped.endswith("("):
            module, names = stripped.removeprefix("from ").split(" import ", 1)
            imported = __import__(module, fromlist=["_"])
            for name in (part.strip() for part in names.split(",")):
                assert hasattr(imported, name), (
                    f"{_schemathesis.__name__}: {module}.{name} is gone in the installed Schemathesis "
                    f"(pinned {_schemathesis.PINNED}); mend the adapter"
                )
