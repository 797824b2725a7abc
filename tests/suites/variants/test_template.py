"""The targets.toml `destwatch init` writes fits a destination no one here wrote: filled in as its comments
tell a user, against every document variant of the reference served at a loopback URL, the gate passes
(exit 0), with what it could not hold the destination to reported as warnings, never failed.

Every suite but fuzz runs here: the fuzz suite reads nothing of the template but its number of examples, and
every variant is fuzzed by the clean-variant gates of test_matrix (the same suite on the same documents, on
every version) and by plain Schemathesis (tests/reference/test_variants_schemathesis.py). The template's
whole gate, fuzz included, and the documented-contract fault that still fails it, run from the installed
wheel in tests/packaging/test_install.py (a new user's whole path).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from destwatch.config import EXAMPLE_TARGETS
from destwatch.reference import VARIANTS, create_app, serve_in_thread
from kit.gates import run_destwatch
from kit.usertargets import NAME, user_targets

pytestmark = pytest.mark.slow

_ALL_BUT_FUZZ = [arg for suite in ("smoke", "auth", "shape", "filters") for arg in ("--suite", suite)]


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Any]:
    def run(*args: str, **served: Any) -> tuple[int, dict[str, Any]]:
        # The gate in a process of its own, as a user runs it (and with a heap of its own: see test_matrix).
        with serve_in_thread(create_app(**served)) as server:
            text, env = user_targets(EXAMPLE_TARGETS.read_text(), server.url, max_rps=1000.0)
            (tmp_path / "targets.toml").write_text(text)
            done = run_destwatch(tmp_path, "--target", NAME, "--jobs", "1", *args, env=env)
        return done.code, done.summary.to_json()

    yield run


@pytest.mark.parametrize("variant", [None, *VARIANTS])
def test_the_template_filled_in_passes_on_every_variant_warning_what_it_cannot_hold_it_to(
    gate: Any, variant: str | None
) -> None:
    code, summary = gate(*_ALL_BUT_FUZZ, variant=variant)
    failures = [failure for row in summary["rows"] for failure in row["failures"]]
    assert (code, failures) == (0, []), failures
    assert {row["version"] for row in summary["rows"]} == {"v1", "v2"}
    assert summary["totals"]["passed"] >= 100
    # Where no language answers other values, that is said (a warning), not failed and not kept quiet.
    # (Six endpoints' stock and prices have no localized text on any variant: they warn too.)
    localized = [
        w for w in summary["warnings"] if w["setting"] == "localized_properties" and "/products]" in w["test"]
    ]
    assert bool(localized) == (variant == "nothing-localized"), summary["warnings"]
