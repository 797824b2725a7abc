"""validate's verdict page (`reports/validation/index.html`) in a browser: the verdict, what blocks it, the
other differences, the suites on the candidate, latency, every waiver with what became of it; the suites'
page inside the validation titled as its part; the gate's page linking the verdict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kit.browser import Browsed
from kit.screens import Screen, build_pages

Browse = Callable[[Path], Browsed]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Screen]:
    return build_pages(tmp_path_factory.mktemp("pages"))


def test_no_go_names_what_blocks_it_and_every_waiver(pages: dict[str, Screen], browse: Browse) -> None:
    page = browse(pages["validate-no-go"].path).page
    assert page.title() == "destwatch validate productCatalog v2 → v3: NO-GO"
    assert page.locator("#verdict").inner_text() == "NO-GO"
    assert page.locator("#banner").inner_text() == (
        "NO-GO: 1 breaking change(s), 1 unexplained difference(s), 0 suite violation(s) not waived"
    )

    # Each change under the heading of its section.
    sections = page.locator(".change").evaluate_all(
        "els => els.map(e => { let h = e.previousElementSibling;"
        " while (h.tagName !== 'H2') h = h.previousElementSibling; return [h.id, e.dataset.id]; })"
    )
    assert sections == [
        ["breaking", "property-renamed:products.brand->brandName"],
        ["differences", "difference:products.total"],
        ["other", "latency-regression:productCatalog"],
    ]
    renamed = page.locator(".change[data-id='property-renamed:products.brand->brandName']")
    assert "For consumers: read, filter, sort and facet on `brandName`" in renamed.inner_text()
    assert page.locator("#violations-none").inner_text() == "no violation"
    states = page.locator("#waivers-table tr.waiver").evaluate_all(
        "rows => rows.map(r => [r.dataset.change, r.className.split(' ')[1]])"
    )
    assert states == [
        ["get-parameter-removed:periodSince", "used"],
        ["difference:products.total", "expired"],
        ["facet-renamed:*", "unused"],
    ]
    assert page.locator("#latency-table tr[data-version='productCatalog/v3'] td").all_inner_texts() == [
        "productCatalog/v3",
        "5.2 ms",
        "38.1 ms",
        "32",
    ]
    suites = page.locator("#suites-result")
    assert suites.inner_text().startswith("passed 109 passed, 0 failed, 1 skipped")
    link = suites.locator("a").get_attribute("href")
    assert link == "suites-productCatalog-v3/index.html"
    folder = pages["validate-no-go"].path.parent
    assert (folder / link).is_file()
    for href in page.locator("#links a").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert (folder / href).is_file(), href


def test_go_says_so_and_lists_the_additions(pages: dict[str, Screen], browse: Browse) -> None:
    page = browse(pages["validate-go"].path).page
    assert page.locator("#verdict").inner_text() == "GO"
    assert "good" in (page.locator("#banner").get_attribute("class") or "")
    assert page.locator("#breaking-none").inner_text() == "no breaking change"
    assert page.locator(".change.compatible").count() == 2


def test_the_suites_page_inside_a_no_go_validation_is_its_part(
    pages: dict[str, Screen], browse: Browse
) -> None:
    page = browse(pages["validate-suites"].path).page
    assert page.title() == "destwatch validate productCatalog v2 → v3: suites on v3: passed"
    assert (
        page.locator("h1").inner_text().startswith("destwatch validate productCatalog v2 → v3: suites on v3")
    )
    assert "destwatch gate" not in page.content()
    within = page.locator("#within")
    assert "one part of destwatch validate productCatalog v2 → v3: NO-GO" in within.inner_text()
    assert within.locator(".pill").inner_text() == "NO-GO"
    assert within.locator("a").get_attribute("href") == "../index.html"
    assert page.locator("a", has_text="the validation's verdict").get_attribute("href") == "../index.html"


def test_the_gate_page_links_the_verdict(pages: dict[str, Screen], browse: Browse) -> None:
    gate = pages["validate-no-go"].path.parent.parent / "index.html"
    page = browse(gate).page
    link = page.locator("#links a", has_text="Validation verdict")
    assert link.get_attribute("href") == "validation/index.html"
    # Without a validation, no such link.
    assert "validation/index.html" not in pages["gate-passed"].path.read_text()
