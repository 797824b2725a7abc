"""The README stays a user's guide (short, with its promises stated) and every page's relative links lead
somewhere: to a file that exists and, for an anchor, to a heading of that file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
MAX_README_LINES = 350
MAX_LINE = 300

_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^\s*```")
_INLINE_CODE = re.compile(r"`[^`]*`")


def _prose(path: Path) -> Iterator[tuple[int, str]]:
    """The lines of `path` outside fenced code blocks, inline code blanked."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, _INLINE_CODE.sub("", line)


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of `path`."""
    seen: dict[str, int] = {}
    anchors = set()
    for _, line in _prose_with_code(path):
        heading = re.match(r"#{1,6} (.+)", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _prose_with_code(path: Path) -> Iterator[tuple[int, str]]:
    """The lines outside fenced code blocks, inline code kept (a heading's code is part of its anchor)."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, line


def _links(path: Path) -> Iterator[tuple[int, str]]:
    for number, line in _prose(path):
        for match in _LINK.finditer(line):
            target = match.group(1)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: lead elsewhere
                yield number, target


def test_the_readme_is_at_most_350_lines_of_at_most_300_characters() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; the manual belongs in docs/"
    long = [number for number, line in enumerate(lines, 1) if len(line) > MAX_LINE]
    assert not long, f"README.md lines over {MAX_LINE} characters: {long}"


def test_the_readme_states_both_test_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert re.search(r"^pytest\s+#", text, flags=re.MULTILINE), "the full suite: `pytest`"
    assert '`pytest -m "not slow"`' in text, 'the fast tier: `pytest -m "not slow"`'


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    broken = []
    for number, target in _links(page):
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(f"{page.name}:{number}: {target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{page.name}:{number}: {target}: no such heading in {linked.name}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_no_page_keeps_a_diary(page: Path) -> None:
    """History lives in git log: a page says what is, not what happened on which day."""
    dated = [
        f"{page.name}:{number}: {line.strip()[:80]}"
        for number, line in _prose(page)
        if re.search(r"\b(on|since|until|before|after) \d{4}-\d{2}-\d{2}\b|later that day", line)
    ]
    assert not dated, "\n".join(dated)
