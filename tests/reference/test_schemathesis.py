"""A Schemathesis run of every operation of every version finds nothing on the clean server, and finds a
schema-level fault when one is switched on: the documents are exact, and the run is able to fail.

The Schemathesis CLI runs in a subprocess against a real server on loopback, with all its default checks
(server errors, status codes, response schemas, negative-data rejection, ignored auth...).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from destwatch.reference import REFERENCE, Version
from destwatch.reference.faults import SCHEMA_DRIFT_V2, SERVER_ERROR_ON_TOP_ZERO
from kit.refclient import V2, RefClient, schemathesis

_VERSIONS = [version for _, version in REFERENCE.versions()]
_IDS = [f"{dest.name}/{version.name}" for dest, version in REFERENCE.versions()]


@pytest.mark.parametrize("version", _VERSIONS, ids=_IDS)
@pytest.mark.slow
def test_clean_server_passes_a_full_schemathesis_run(
    ref_client: RefClient, version: Version, tmp_path: Path
) -> None:
    result = schemathesis(ref_client, version, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    operations = 2 * len(version.endpoints)
    assert f"{operations} selected / {operations} total" in result.stdout


def test_schema_drift_fault_is_found_by_the_same_run(
    ref_server_factory: Callable[..., RefClient], tmp_path: Path
) -> None:
    faulty = ref_server_factory(fault=SCHEMA_DRIFT_V2.name)
    result = schemathesis(faulty, V2, tmp_path, "--include-path", "/products", "--max-failures", "1")
    assert result.returncode == 1, result.stdout[-4000:]
    assert "Response violates schema" in result.stdout and "price" in result.stdout
    # The failure report carries curl reproductions; the bearer token must be masked in them.
    assert "curl" in result.stdout and faulty.token(V2) not in result.stdout + result.stderr


@pytest.mark.slow
def test_server_error_fault_is_found_by_the_same_run(
    ref_server_factory: Callable[..., RefClient], tmp_path: Path
) -> None:
    faulty = ref_server_factory(fault=SERVER_ERROR_ON_TOP_ZERO.name)
    result = schemathesis(faulty, V2, tmp_path, "--include-path", "/variants", "--max-failures", "1")
    assert result.returncode == 1, result.stdout[-4000:]
    assert "Server error" in result.stdout
