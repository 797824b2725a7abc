"""A paging consumer's whole walk: its query paged its own way (`relies_on.paging`) on one version, for at
most `WALK_PAGES` pages, and what differs between two walks (items repeated, items skipped, another order).

The first page of a query is compared like any other answer; a version that pages wrongly can answer the
first page exactly as the version in use does, and only the walk shows it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from destwatch.openapi.queries import LogicalQuery

__all__ = ["WALK_PAGES", "walk", "walk_difference"]

WALK_PAGES = 5
"""Pages walked per version (the version in use twice, to subtract noise, and the candidate once)."""

_SHOWN = 3


def walk(
    send: Callable[[LogicalQuery], tuple[int, Any]], ask: LogicalQuery, paging: str, page_size: int
) -> list[str] | None:
    """The ids of every page of `ask`, paged with `after` (keyset, in id order) or `skip`, until a short page
    or `WALK_PAGES` pages; None when a page is not an answer with results."""
    ids: list[str] = []
    for number in range(WALK_PAGES):
        if paging == "keyset":
            page = ask.with_(sort_asc=("id",), skip=None, after=ids[-1] if ids else ask.after)
        else:
            page = ask.with_(top=page_size, skip=(ask.skip or 0) + number * page_size)
        status, data = send(page)
        if status != 200 or not isinstance(data, dict) or not isinstance(data.get("results"), list):
            return None
        found = [str(row.get("id")) for row in data["results"] if isinstance(row, dict)]
        ids += found
        if len(found) < page_size:
            break
    return ids


def walk_difference(
    before: Sequence[str], again: Sequence[str], after: Sequence[str]
) -> tuple[str, str] | None:
    """What the version in use's walk (`before`) and the candidate's (`after`) visit, in words, when they
    differ; None when they do not, or when the version in use's two walks already differ (noise)."""
    if list(before) != list(again) or list(before) == list(after):
        return None
    seen = set(after)
    told = [f"{len(after)} items"]
    repeated = [item for item, count in Counter(after).items() if count > 1]
    if repeated:
        told.append(f"{len(repeated)} of them more than once ({_listed(repeated)})")
    # Only what the candidate's walk passed by: a bounded walk that repeats items ends earlier in the list.
    reached = max((index for index, item in enumerate(before) if item in seen), default=-1)
    missing = [item for item in before[: reached + 1] if item not in seen]
    if missing:
        told.append(f"skipping {len(missing)} ({_listed(missing)})")
    if not (repeated or missing):
        told.append("in another order")
    once = "each once" if len(set(before)) == len(before) else "some more than once"
    return f"{len(before)} items, {once}", ", ".join(told)


def _listed(ids: Sequence[str]) -> str:
    return ", ".join(ids[:_SHOWN]) + (f", … {len(ids)} in all" if len(ids) > _SHOWN else "")
