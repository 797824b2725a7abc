"""What a destination, a person or targets.toml writes reaches a page as text, never as markup, and never
as a secret: every field the pages quote (`screens.build_pages` passes each through `quote`) is fed a
`<script>` and an `onerror=` payload, then a registered secret, on every page (gate, status, validate)."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser
from pathlib import Path

import pytest

from destwatch.redact import MASK, register_secret
from kit.screens import build_pages

# Each quoted field gets its own number, so the test can tell that every one of them reached a page.
PAYLOAD = '<script>alert({n})</script>"><img src=x onerror=alert({n})>'


class _Page(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser splits them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.texts: list[str] = []
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "img":
            self.images.append(dict(attrs))
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        self.values += [value for _, value in attrs if value]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], int]:
    """Every page written (those inside a validation and every version's too) with the payload in every
    quoted field; and how many fields were quoted."""
    numbers = itertools.count(1)

    def quote(text: str) -> str:
        return text + PAYLOAD.format(n=next(numbers))

    folder = tmp_path_factory.mktemp("poisoned")
    screens = build_pages(folder, quote)
    pages = sorted(folder.rglob("*.html"))
    assert {screen.path for screen in screens.values()} < set(pages)
    return pages, next(numbers) - 1


def test_markup_in_every_quoted_field_stays_text(poisoned: tuple[list[Path], int]) -> None:
    pages, quoted = poisoned
    assert quoted > 100
    seen: set[int] = set()
    for path in pages:
        page = _parsed(path)
        # The page's own scripts only: the charts' data block and its drawing code, on the status pages.
        charts = "status" in path.parts
        name = path.name
        assert page.scripts == ([{"type": "application/json", "id": "dw-charts"}, {}] if charts else []), name
        assert page.handlers == [], name
        assert all(image.get("src", "").startswith("data:image/svg+xml;base64,") for image in page.images), (
            name
        )
        text = "".join(page.texts)
        # Visible as text: the payload's characters, escaped in the file, read back as they were written.
        assert "<script>alert(" in text and '"><img src=x onerror=alert(' in text, name
        seen |= {n for n in range(1, quoted + 1) if f"alert({n})" in text + "".join(page.values)}
    # Every field quoted reached some page (as text, or an attribute's value), and stayed inert there.
    assert seen == set(range(1, quoted + 1)), sorted(set(range(1, quoted + 1)) - seen)


def test_the_charts_data_cannot_end_its_script_block(poisoned: tuple[list[Path], int]) -> None:
    pages, _ = poisoned
    (index,) = [path for path in pages if path.parts[-2:] == ("status", "index.html")]
    html = index.read_text(encoding="utf-8")
    block = html.split('<script type="application/json" id="dw-charts">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "alert(" in block


def test_a_registered_secret_never_reaches_a_page(tmp_path: Path) -> None:
    # Characters that escaping changes: a secret redacted after escaping would survive as `&amp;...`.
    secret = 'dw-p&ss<w>rd"4711'
    register_secret(secret)
    screens = build_pages(tmp_path, lambda text: f"{text} {secret}")
    written = sorted(tmp_path.rglob("*.html"))
    assert len(written) >= len(screens)
    escaped = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    for path in written:
        html = path.read_text(encoding="utf-8")
        assert secret not in html and escaped not in html and "4711" not in html, path
        assert MASK in html, path
