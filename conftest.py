"""Root conftest: loads the destwatch pytest plugin for `pytest suites`, and pytester for destwatch's own
plugin tests (pytest only honours `pytest_plugins` in the top-level conftest)."""

pytest_plugins = ["destwatch.pytest_plugin.plugin", "pytester"]
