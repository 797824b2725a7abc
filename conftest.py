"""Root conftest: pytester for destwatch's own plugin tests (pytest only honours `pytest_plugins` in the
top-level conftest). The destwatch plugin itself loads by entry point, as it does for every user."""

pytest_plugins = ["pytester"]
