"""Root conftest: loads the destwatch pytest plugin for `pytest suites` and the project's own tests."""

pytest_plugins = ["destwatch.plugin"]
