"""A plain Schemathesis run finds nothing on each document variant: every variant's document is exact.

One run per variant, on the version and path the variant changes most, with few examples: the default
documents get the full runs (test_ref_schemathesis.py), and a variant's run only has to show that what it
changed is declared exactly as the server behaves. The runs are subprocesses, two at a time: most of a run is
Schemathesis's own start-up and generation, which a second core shortens by about a quarter.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from destwatch.reference import VARIANTS, Version
from kit.refclient import FEED, V1, V2, V3, RefClient, schemathesis

_EXAMPLES = 8
Runs = dict[str, Future[subprocess.CompletedProcess[str]]]
_PRODUCTS = ("--include-path", "/products")

# variant -> (version, Schemathesis options narrowing the run to what the variant changes)
_RUNS: dict[str, tuple[Version, tuple[str, ...]]] = {
    "totals-post-only": (V2, _PRODUCTS),
    "list-ids-get-only": (V2, _PRODUCTS),
    "sort-post-only": (V2, _PRODUCTS),
    "after-get-only": (V2, _PRODUCTS),
    "language-get-only": (V2, _PRODUCTS),
    "language-post-only": (V2, _PRODUCTS),
    "must-open-map": (V2, _PRODUCTS),
    "range-gte-lte-only": (V2, _PRODUCTS),
    "no-facets": (V2, ("--include-path", "/variants")),
    "facets-unsized": (V2, _PRODUCTS),
    "two-date-times": (V2, ("--include-path", "/variants")),
    "top-50-large": (V2, ("--include-path", "/variants")),
    "case-insensitive-sort": (V3, _PRODUCTS),
    "nothing-localized": (V1, _PRODUCTS),
    # The four endpoints the variant adds.
    "six-endpoints": (V3, ("--include-path-regex", "^/(fullproductdata|prices|stock|outlet)$")),
    # A `released` property on products that is always null; one color everywhere; one language.
    "null-property": (V2, _PRODUCTS),
    "single-valued-filter": (V2, _PRODUCTS),
    "one-language": (V2, _PRODUCTS),
    "unprotected-declares-security": (FEED, ()),
}

# What Schemathesis says about a security requirement the server does not enforce, and nothing else.
_UNENFORCED_SECURITY = {
    "ST401 API accepts requests without authentication",
    "ST401 API accepts invalid authentication",
    "ST203 Missing required header accepted",
    "ST201 Schema-violating request accepted",
}


@pytest.fixture(scope="session")
def variant_runs(
    request: pytest.FixtureRequest,
    ref_variant: Callable[[str], RefClient],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Runs]:
    """The Schemathesis run of every variant a selected test asks about, all submitted at once."""
    mine = [item for item in request.session.items if isinstance(item, pytest.Function)]
    wanted = {
        item.callspec.params["variant"]
        for item in mine
        if item.module.__name__ == __name__ and hasattr(item, "callspec")
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs: Runs = {}
        for name in sorted(wanted, key=list(_RUNS).index):
            version, options = _RUNS[name]
            client = ref_variant(name)
            if version.protected:
                client.token(version)  # fetched here, so the worker threads only read the cache
            workdir = tmp_path_factory.mktemp(name)
            runs[name] = pool.submit(schemathesis, client, version, workdir, *options, examples=_EXAMPLES)
        yield runs


def test_every_variant_has_a_run() -> None:
    assert set(_RUNS) == set(VARIANTS)


@pytest.mark.parametrize("variant", [name for name in _RUNS if name != "unprotected-declares-security"])
@pytest.mark.slow
def test_plain_schemathesis_run_finds_no_issue(variant_runs: Runs, variant: str) -> None:
    result = variant_runs[variant].result()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert re.search(r"Operations:\s+[1-9]\d* selected", result.stdout), result.stdout[:2000]


@pytest.mark.parametrize("variant", ["unprotected-declares-security"])
def test_declared_but_unenforced_security_is_all_schemathesis_finds(variant_runs: Runs, variant: str) -> None:
    # The variant's point: googleMarketplace v1 answers without a token while its document requires one, as
    # generated documents of unprotected destinations do. Schemathesis rightly reports exactly that; the rest
    # of the document is the default's (test_ref_variants.py), which a full run finds exact.
    result = variant_runs[variant].result()
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    findings = set(re.findall(r"^- (ST\d+ .+?)\s*$", result.stdout, re.MULTILINE))
    assert findings and findings <= _UNENFORCED_SECURITY, result.stdout[-4000:]
    components = re.findall(r"Invalid component: (.+)$", result.stdout, re.MULTILINE)
    assert all("`Authorization`" in component for component in components), components
