"""The environment: what a run runs on. It serves the embedded reference from a process of its own while the
run lasts, keeps one client per version (its tokens included) and one document per version, and hands all
of it to another process of the run, which fetches neither again."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from destwatch.environment import Environment
from destwatch.reference.targets import embedded_targets
from destwatch.selection import RunOptions, Selection


def _selection(tmp_path: Path, versions: list[str], **options: object) -> Selection:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(versions=versions, defaults={"max_rps": 1000.0}), encoding="utf-8")
    return Selection.resolve(RunOptions(targets=path, reports_dir=tmp_path / "reports", **options))  # type: ignore[arg-type]


def test_the_embedded_reference_serves_from_a_process_of_its_own_and_stops_with_the_environment(
    tmp_path: Path,
) -> None:
    # In a thread, the reference and the run's checks took turns on one interpreter lock.
    with Environment.start(_selection(tmp_path, ["productCatalog/v1"])) as environment:
        url = environment.reference_url
        (target,) = environment.targets
        assert target.base_url.startswith(url)
        # The run's first request waits for the child: none meets a reference still starting.
        assert environment.http(target).get("openapi").status_code == 200
        assert f"destwatch-reference {url}" not in [thread.name for thread in threading.enumerate()]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/northwind/productCatalog/v1/openapi", timeout=2)


def test_a_run_against_real_destinations_starts_no_reference(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(embedded_targets(served_at="http://127.0.0.1:9", versions=["googleMarketplace/v1"]))
    with Environment.start(Selection.resolve(RunOptions(targets=path))) as environment:
        assert environment.reference_url == "" and not environment.selection.uses_reference
        assert environment.targets[0].base_url == "http://127.0.0.1:9/northwind/googleMarketplace/v1"


def test_one_client_and_one_document_per_version_and_the_usage_counts_every_request(tmp_path: Path) -> None:
    with Environment.start(_selection(tmp_path, ["productCatalog/v1", "productCatalog/v2"])) as environment:
        v1, v2 = environment.targets
        client = environment.http(v1)
        assert environment.http(v1) is client and environment.http(v2) is not client
        assert environment.document(v1) is environment.document(v1)
        assert environment.endpoints(v1) == ["products"] and environment.endpoints(v2) == [
            "products",
            "variants",
        ]
        environment.http(v1).get("products", params={"top": "1"})
        usage = environment.usage()
        # v1: its document (without a token), a token, one data request; v2: its document only.
        assert usage[v1.id]["requests"] == 3 and usage[v1.id]["tokens_fetched"] == 1
        assert (usage[v2.id]["requests"], usage[v2.id]["tokens_fetched"]) == (1, 0)
        specs = tmp_path / "reports" / "specs"
        assert usage[v1.id]["spec"] == str(specs / "productCatalog-v1.openapi.json")


def test_another_process_adopts_the_reference_documents_and_tokens_without_fetching_them_again(
    tmp_path: Path,
) -> None:
    selection = _selection(tmp_path, ["productCatalog/v1", "productCatalog/v3"])
    with Environment.start(selection) as controller:
        controller.prepare()
        given = controller.handoff()
        adopted = Environment.adopt(given)
        try:
            assert adopted.reference_url == controller.reference_url
            assert [t.id for t in adopted.targets] == [t.id for t in controller.targets]
            for target in adopted.targets:
                assert adopted.document(target) == controller.document(target)
                # Its token is the controller's: the adopting process asks for none.
                assert adopted.http(target).get("products", params={"top": "1"}).status_code == 200
                assert adopted.http(target).tokens_fetched == 0
                assert adopted.http(target).token() == controller.http(target).token()
            # Only the data requests went out from the adopting environment.
            assert sum(usage["requests"] for usage in adopted.usage().values()) == 2
            # It writes no reports: the process that handed it off does.
            assert adopted.selection.options.reports_dir is None
        finally:
            adopted.close()
        # Closing the adopting environment leaves the controller's reference serving.
        assert controller.http(controller.targets[0]).get("openapi").status_code == 200


def test_a_narrowed_environment_tests_some_versions_and_compares_with_the_others(tmp_path: Path) -> None:
    selection = _selection(tmp_path, ["productCatalog/v1", "productCatalog/v2"])
    with Environment.start(selection) as environment:
        narrow = environment.narrowed({"productCatalog/v2"})
        assert [t.id for t in narrow.targets] == ["productCatalog/v2"]
        assert [t.id for t in narrow.peers] == ["productCatalog/v1"]
        assert [t.id for t in narrow.versions_of("productCatalog")] == [
            "productCatalog/v1",
            "productCatalog/v2",
        ]
        # The same clients and documents: what one fetched, the other has.
        v2 = narrow.targets[0]
        assert narrow.http(v2) is environment.http(environment.targets[1])
        narrow.close()
        # Closing the view closes nothing: the environment still serves.
        assert environment.http(v2).get("openapi").status_code == 200
