"""A paging consumer's walk: its query paged its own way, bounded, and two walks compared (items repeated,
items skipped, another order), noise subtracted. Against a fake destination of 12 items."""

from __future__ import annotations

from typing import Any

from destwatch.openapi.queries import LogicalQuery
from destwatch.validate.consumer_walk import WALK_PAGES, walk, walk_difference

ITEMS = [f"NW-{n:05d}" for n in range(12)]


class Pager:
    """Answers pages of ITEMS, in id order, the way a destination would; `overlap` starts later pages one
    item early, as the reference's `pages-overlap` candidate does."""

    def __init__(self, items: list[str], *, overlap: bool = False) -> None:
        self.items, self.overlap, self.asked = items, overlap, []

    def __call__(self, ask: LogicalQuery) -> tuple[int, Any]:
        self.asked.append(ask)
        start = ask.skip or 0
        if ask.after is not None:
            start = next((i for i, item in enumerate(self.items) if item > ask.after), len(self.items))
        if self.overlap and (ask.after is not None or start > 0):
            start -= 1
        page = self.items[start : start + (ask.top or 5)]
        return 200, {"language": "en", "results": [{"id": item} for item in page]}


def test_a_keyset_walk_follows_the_cursor_to_a_short_page() -> None:
    pager = Pager(ITEMS)
    assert walk(pager, LogicalQuery(top=5), "keyset", 5) == ITEMS
    assert [ask.after for ask in pager.asked] == [None, "NW-00004", "NW-00009"]
    assert all(ask.sort_asc == ("id",) for ask in pager.asked)


def test_a_skip_walk_and_every_walk_stops_at_the_bound() -> None:
    pager = Pager(ITEMS * 10)
    walked = walk(pager, LogicalQuery(top=2), "skip", 2)
    assert walked is not None and len(walked) == 2 * WALK_PAGES
    assert [ask.skip for ask in pager.asked] == [2 * n for n in range(WALK_PAGES)]


def test_a_walk_that_is_refused_is_none() -> None:
    assert walk(lambda ask: (500, None), LogicalQuery(), "skip", 5) is None


def test_the_second_page_differing_is_told_with_what_repeats() -> None:
    before = walk(Pager(ITEMS), LogicalQuery(top=5), "keyset", 5)
    after = walk(Pager(ITEMS, overlap=True), LogicalQuery(top=5), "keyset", 5)
    assert before is not None and after is not None and before[:5] == after[:5]
    told = walk_difference(before, before, after)
    assert told == ("12 items, each once", "14 items, 2 of them more than once (NW-00004, NW-00008)")


def test_skipped_items_are_told_but_not_those_past_a_bounded_walk() -> None:
    before = ITEMS[:10]
    assert walk_difference(before, before, [*ITEMS[:3], *ITEMS[5:10]]) == (
        "10 items, each once",
        "8 items, skipping 2 (NW-00003, NW-00004)",
    )
    # The candidate's walk ends earlier (it repeats one): what it never reached is not skipped.
    assert walk_difference(before, before, [*ITEMS[:5], ITEMS[4], *ITEMS[5:9]]) == (
        "10 items, each once",
        "10 items, 1 of them more than once (NW-00004)",
    )
    assert walk_difference(before, before, before[::-1]) == (
        "10 items, each once",
        "10 items, in another order",
    )


def test_walks_alike_or_noisy_on_the_version_in_use_are_no_difference() -> None:
    assert walk_difference(ITEMS, ITEMS, ITEMS) is None
    assert walk_difference(ITEMS, ITEMS[::-1], ITEMS[:3]) is None
