"""The rules, one pure function each, named for the rule.

Every oracle takes plain data taken from answers (result objects, id lists, totals, facet counts) and
returns the smallest counterexample as lines of text: ids and values that break the rule. An empty list
means the rule holds. No oracle sends a request, so each one is unit-tested on hand-made answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import jsonschema

__all__ = [
    "Collation",
    "answer_says_asked_language",
    "descending_reverses_ascending",
    "empty_result_is_an_empty_array",
    "envelope_has_language_and_results",
    "facet_counts_match_filtered_counts",
    "facet_counts_shrink_with_the_filter",
    "facet_size_is_respected",
    "facets_keep_documented_shape",
    "ids_holding",
    "inclusive_and_exclusive_bounds_differ_by_the_boundary_items",
    "inclusive_bounds_include_items_on_the_bound",
    "keyset_paging_visits_every_item_once",
    "list_ids_match_full_results",
    "listed_facets_are_present",
    "localized_properties_differ_between_languages",
    "must_and_must_not_partition",
    "must_and_must_not_totals_add_up",
    "must_not_excludes_values",
    "must_on_two_properties_intersects",
    "must_values_are_alternatives",
    "narrowing_never_adds_results",
    "page_holds_min_of_top_and_matches",
    "results_carry_properties_as_documented",
    "results_changed_within_period",
    "results_satisfy_must",
    "results_within_range",
    "same_facet_counts",
    "same_ids_in_same_order",
    "same_ids_regardless_of_method",
    "same_totals",
    "skip_pages_are_disjoint_and_concatenate",
    "sorted_by_property",
    "top_is_never_exceeded",
    "total_counts_matches_not_the_page",
    "total_equals_reachable_items",
]

Result = Mapping[str, Any]
_SHOWN = 3


def _ident(item: Any) -> str:
    return str(item.get("id")) if isinstance(item, Mapping) else str(item)


def _matches(value: Any, wanted: Any) -> bool:
    """Equality the way a filter means it: a multi-valued property matches when it holds the value."""
    if isinstance(value, list):
        return any(_matches(one, wanted) for one in value)
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value == wanted
    if isinstance(value, int | float) and isinstance(wanted, int | float):
        return float(value) == float(wanted)
    return value == wanted


Collation = Literal["ordinal", "case-insensitive"]


def _key(value: Any, collation: Collation = "ordinal") -> Any:
    """A sort key: numbers as numbers, ISO date-times as instants, the rest as text in the collation."""
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, str):
        moment = _instant(value)
        if moment is not None:
            return (1, moment.timestamp())
        return (2, value.casefold() if collation == "case-insensitive" else value)
    return (3, str(value))


def _instant(text: str) -> datetime | None:
    if len(text) < 10 or text[4] != "-" or "T" not in text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _ids_listed(ids: Iterable[str]) -> str:
    shown = sorted(ids)[:_SHOWN]
    return ", ".join(shown) + (" …" if len(set(ids)) > _SHOWN else "")


# --- envelope and empty results -------------------------------------------------------------------------


def envelope_has_language_and_results(data: Any, language: str | None, *, totals_asked: bool) -> list[str]:
    """Every answer has `language` (the one asked for), an array `results`, and `total` when asked."""
    if not isinstance(data, Mapping):
        return [f"the body is {type(data).__name__}, not an object"]
    problems = []
    if "language" not in data:
        problems.append("`language` is absent")
    elif language is not None and data["language"] != language:
        problems.append(f"language={data['language']!r} (asked {language!r})")
    if not isinstance(data.get("results"), list):
        problems.append(f"results={data.get('results')!r} is not an array")
    if totals_asked and not (isinstance(data.get("total"), int) and not isinstance(data.get("total"), bool)):
        problems.append(f"total={data.get('total')!r} is not an integer although includeTotals was asked")
    return problems


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "date-time": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (Mapping,),
}


def results_carry_properties_as_documented(
    results: Sequence[Any], names: Sequence[str], kinds: Mapping[str, str]
) -> list[str]:
    """Each named property is declared by the document and is on every result with its documented type
    (null is left to the document's nullability, which the shape of an answer does not tell)."""
    lines = [f"{name}: the document declares no such result property" for name in names if name not in kinds]
    for item in results:
        if not isinstance(item, Mapping):
            return [f"a result is {type(item).__name__}, not an object"]
        for name in names:
            kind, value = kinds.get(name), item.get(name)
            if kind is None:
                continue
            if name not in item:
                lines.append(f"{_ident(item)}: `{name}` is absent")
            elif value is not None and (
                not isinstance(value, _JSON_TYPES.get(kind, (object,)))
                or (isinstance(value, bool) and kind != "boolean")
            ):
                lines.append(f"{_ident(item)}: {name}={value!r} is not {kind}")
    return lines[:_SHOWN]


def listed_facets_are_present(data: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """Each named facet is in the answer's `facets`, by its propertyId."""
    facets = data.get("facets")
    present = (
        {str(f.get("propertyId")) for f in facets if isinstance(f, Mapping)}
        if isinstance(facets, list)
        else set()
    )
    return [
        f"facet {name!r} is not in the answer (facets: {', '.join(sorted(present)) or 'none'})"
        for name in names
        if name not in present
    ]


def answer_says_asked_language(data: Mapping[str, Any], language: str) -> list[str]:
    """The answer's `language` is the language asked for."""
    said = data.get("language")
    return [] if said == language else [f"language={said!r} (asked {language!r})"]


def facets_keep_documented_shape(data: Mapping[str, Any], schema: Mapping[str, Any] | None) -> list[str]:
    """`facets`, when present, validates against the document's facets schema."""
    if schema is None or "facets" not in data:
        return []
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data["facets"]), key=str)
    return [
        f"facets{''.join(f'[{p!r}]' for p in error.absolute_path)}: {error.message}"
        for error in errors[:_SHOWN]
    ]


def top_is_never_exceeded(results: Sequence[Any], top: int) -> list[str]:
    """No answer holds more than `top` results."""
    if len(results) <= top:
        return []
    return [
        f"{len(results)} results for top={top}; the extra ones: {_ids_listed(map(_ident, results[top:]))}"
    ]


def empty_result_is_an_empty_array(
    status: int, data: Any, *, envelope_keys: Iterable[str], totals_asked: bool
) -> list[str]:
    """A query matching nothing answers 200 with `results: []` and the envelope of a non-empty answer."""
    if status != 200:
        return [f"status {status}, not 200"]
    if not isinstance(data, Mapping):
        return [f"the body is {type(data).__name__}, not an object"]
    problems = []
    if data.get("results") != [] or "results" not in data:
        shown = data.get("results", "absent")
        problems.append(f"results={shown if shown == 'absent' else repr(shown)[:80]} (expected [])")
    missing = sorted(set(envelope_keys) - set(data))
    if missing:
        problems.append(f"keys {missing} of a non-empty answer are absent")
    if totals_asked and data.get("total") != 0:
        problems.append(f"total={data.get('total')!r} (expected 0)")
    return problems


def total_counts_matches_not_the_page(totals: Mapping[str, int | None]) -> list[str]:
    """`total` counts every match: the same filter gives the same total whatever `top` and `skip` are."""
    distinct = {value for value in totals.values()}
    if len(distinct) <= 1:
        return []
    return [f"total={value!r} with {label}" for label, value in totals.items()]


# --- must / mustNot ---------------------------------------------------------------------------------------


def ids_holding(results: Sequence[Result], name: str, value: Any) -> list[str]:
    """The ids of the results whose `name` holds `value` (the way a filter matches; not a rule)."""
    return [_ident(item) for item in results if _matches(item.get(name), value)]


def results_satisfy_must(results: Sequence[Result], must: Mapping[str, Sequence[Any]]) -> list[str]:
    """must: every result has one of the asked values, for every asked property."""
    bad = []
    for item in results:
        for name, wanted in must.items():
            if not any(_matches(item.get(name), value) for value in wanted):
                bad.append(f"{_ident(item)}: {name}={item.get(name)!r} (asked {name} in {list(wanted)!r})")
                break
    return bad[:_SHOWN]


def must_values_are_alternatives(
    union_ids: Iterable[str], per_value_ids: Mapping[Any, Iterable[str]]
) -> list[str]:
    """must: several values of one property are alternatives (the union of their single-value results)."""
    union = set(union_ids)
    expected: set[str] = set()
    for ids in per_value_ids.values():
        expected |= set(ids)
    missing, extra = expected - union, union - expected
    lines = []
    if missing:
        owner = {i: value for value, ids in per_value_ids.items() for i in ids}
        lines += [
            f"{i}: matches {owner[i]!r} alone but not the values together" for i in sorted(missing)[:_SHOWN]
        ]
    if extra:
        lines += [f"{i}: matches the values together but none alone" for i in sorted(extra)[:_SHOWN]]
    return lines


def must_on_two_properties_intersects(
    both_ids: Iterable[str], first_ids: Iterable[str], second_ids: Iterable[str]
) -> list[str]:
    """must on two properties gives the intersection of their single-property results."""
    both, expected = set(both_ids), set(first_ids) & set(second_ids)
    lines = [f"{i}: matches each property alone but not both together" for i in sorted(expected - both)]
    lines += [f"{i}: matches both together but not each alone" for i in sorted(both - expected)]
    return lines[:_SHOWN]


def narrowing_never_adds_results(narrow_ids: Iterable[str], wide_ids: Iterable[str]) -> list[str]:
    """Adding a constraint never adds results."""
    added = set(narrow_ids) - set(wide_ids)
    return [f"{i}: appears only after a constraint was added" for i in sorted(added)[:_SHOWN]]


def must_not_excludes_values(results: Sequence[Result], must_not: Mapping[str, Sequence[Any]]) -> list[str]:
    """mustNot: no result has an excluded value."""
    bad = []
    for item in results:
        for name, excluded in must_not.items():
            hit = next((value for value in excluded if _matches(item.get(name), value)), None)
            if hit is not None:
                bad.append(
                    f"{_ident(item)}: {name}={item.get(name)!r} (excluded {name} in {list(excluded)!r})"
                )
                break
    return bad[:_SHOWN]


def must_and_must_not_partition(
    must_ids: Iterable[str], must_not_ids: Iterable[str], all_ids: Iterable[str]
) -> list[str]:
    """must and mustNot on the same values split the unfiltered set in two, with nothing shared or lost."""
    kept, dropped, everything = set(must_ids), set(must_not_ids), set(all_ids)
    lines = [f"{i}: returned by both must and mustNot" for i in sorted(kept & dropped)[:_SHOWN]]
    lines += [
        f"{i}: returned by neither must nor mustNot" for i in sorted(everything - kept - dropped)[:_SHOWN]
    ]
    lines += [
        f"{i}: returned filtered but not unfiltered" for i in sorted((kept | dropped) - everything)[:_SHOWN]
    ]
    return lines


def must_and_must_not_totals_add_up(
    must_total: int | None, must_not_total: int | None, all_total: int | None
) -> list[str]:
    """must and mustNot on the same values count, together, every item of the unfiltered set."""
    if None not in (must_total, must_not_total, all_total) and must_total + must_not_total == all_total:  # type: ignore[operator]
        return []
    return [f"total: must {must_total!r} + mustNot {must_not_total!r}, unfiltered {all_total!r}"]


# --- range ------------------------------------------------------------------------------------------------

_OPERATORS = {
    "gt": lambda v, b: v > b,
    "gte": lambda v, b: v >= b,
    "lt": lambda v, b: v < b,
    "lte": lambda v, b: v <= b,
}


def results_within_range(results: Sequence[Result], name: str, bounds: Mapping[str, Any]) -> list[str]:
    """range: every result lies within the bounds."""
    bad = []
    for item in results:
        value = item.get(name)
        if value is None or not all(_OPERATORS[op](_key(value), _key(b)) for op, b in bounds.items()):
            bad.append(f"{_ident(item)}: {name}={value!r} (asked {dict(bounds)!r})")
    return bad[:_SHOWN]


def inclusive_bounds_include_items_on_the_bound(
    result_ids: Iterable[str], on_bound: Mapping[str, Any], name: str, bounds: Mapping[str, Any]
) -> list[str]:
    """range: inclusive bounds (`gte`, `lte`) include the items lying exactly on the bound."""
    returned = set(result_ids)
    lost = [i for i in sorted(on_bound) if i not in returned]
    return [
        f"{i}: {name}={on_bound[i]!r} lies on the bound of {dict(bounds)!r} but is missing" for i in lost
    ][:_SHOWN]


def inclusive_and_exclusive_bounds_differ_by_the_boundary_items(
    inclusive: Sequence[Result],
    exclusive: Sequence[Result],
    name: str,
    bound: Any,
    known_on_bound: Iterable[str] = (),
) -> list[str]:
    """range: `gte` and `gt` (or `lte` and `lt`) differ exactly by the items whose value is the bound.

    `known_on_bound` are ids seen elsewhere with the bound as value: the difference must hold them.
    """
    inclusive_ids = {_ident(item): item.get(name) for item in inclusive}
    exclusive_ids = {_ident(item): item.get(name) for item in exclusive}
    lines = [
        f"{i}: {name}={v!r} returned by the exclusive bound only"
        for i, v in exclusive_ids.items()
        if i not in inclusive_ids
    ]
    for i, value in inclusive_ids.items():
        on_bound = _key(value) == _key(bound)
        if i not in exclusive_ids and not on_bound:
            lines.append(
                f"{i}: {name}={value!r} is not on the bound {bound!r} yet only the inclusive bound has it"
            )
        if i in exclusive_ids and on_bound:
            lines.append(f"{i}: {name}={value!r} is on the bound {bound!r} yet the exclusive bound has it")
    lines += [
        f"{i}: {name}={bound!r} lies on the bound yet the inclusive bound lacks it"
        for i in known_on_bound
        if i not in inclusive_ids
    ]
    return sorted(lines)[:_SHOWN]


# --- GET and POST ------------------------------------------------------------------------------------------


def same_ids_regardless_of_method(get_ids: Sequence[str], post_ids: Sequence[str]) -> list[str]:
    """GET property filters and POST `must` on the same value return the same ids."""
    only_get, only_post = set(get_ids) - set(post_ids), set(post_ids) - set(get_ids)
    lines = [f"{i}: returned by GET only" for i in sorted(only_get)[:_SHOWN]]
    lines += [f"{i}: returned by POST only" for i in sorted(only_post)[:_SHOWN]]
    if not lines and list(get_ids) != list(post_ids):
        lines.append("same ids in a different order")
    return lines


# --- sorting ------------------------------------------------------------------------------------------------


def sorted_by_property(
    results: Sequence[Result], name: str, *, descending: bool, collation: Collation = "ordinal"
) -> list[str]:
    """sortAsc / sortDesc: results are ordered by the property (text compared in `collation`)."""
    broken = _first_out_of_order(results, name, descending, collation)
    if broken is None:
        return []
    before, after = broken
    word = "descending" if descending else "ascending"
    lines = [
        f"{_ident(before)}: {name}={before.get(name)!r} comes before "
        f"{_ident(after)}: {name}={after.get(name)!r} ({word} asked, {collation} order)"
    ]
    if collation == "ordinal" and _first_out_of_order(results, name, descending, "case-insensitive") is None:
        lines.append(
            "the order is right case-insensitively: if the destination sorts text that way, set "
            'sort_collation = "case-insensitive" in targets.toml'
        )
    return lines


def _first_out_of_order(
    results: Sequence[Result], name: str, descending: bool, collation: Collation
) -> tuple[Result, Result] | None:
    keys = [_key(item.get(name), collation) for item in results]
    for (before, a), (after, b) in itertools.pairwise(zip(results, keys, strict=True)):
        if (a < b) if descending else (a > b):
            return before, after
    return None


def descending_reverses_ascending(
    ascending: Sequence[Result], descending: Sequence[Result], name: str, collation: Collation = "ordinal"
) -> list[str]:
    """Descending order is ascending order reversed, where the values are distinct."""
    asc_groups = _groups(ascending, name, collation)
    desc_groups = _groups(descending, name, collation)
    if list(reversed(asc_groups)) == desc_groups:
        return []
    for position, (up, down) in enumerate(zip(reversed(asc_groups), desc_groups, strict=False)):
        if up != down:
            return [
                f"position {position} of the distinct {name} values: descending has {down[0]!r} "
                f"({_ids_listed(down[1])}), reversed ascending has {up[0]!r} ({_ids_listed(up[1])})"
            ]
    return [f"{len(desc_groups)} distinct {name} values descending, {len(asc_groups)} ascending"]


def _groups(results: Sequence[Result], name: str, collation: Collation) -> list[tuple[Any, frozenset[str]]]:
    """Runs of equal values in order: (value, ids) per run."""
    groups: list[tuple[Any, frozenset[str]]] = []
    last: Any = None
    for item in results:
        value = item.get(name)
        key = _key(value, collation)
        if groups and key == last:
            groups[-1] = (groups[-1][0], groups[-1][1] | {_ident(item)})
        else:
            groups.append((value, frozenset({_ident(item)})))
            last = key
    return groups


# --- paging -------------------------------------------------------------------------------------------------


def skip_pages_are_disjoint_and_concatenate(
    pages: Sequence[Sequence[str]], unpaged: Sequence[str]
) -> list[str]:
    """Consecutive `skip` pages are disjoint and concatenate to the unpaged order."""
    seen: dict[str, int] = {}
    lines = []
    for number, page in enumerate(pages):
        for i in page:
            if i in seen:
                lines.append(f"{i}: on page {seen[i]} and page {number}")
            seen.setdefault(i, number)
    joined = [i for page in pages for i in page]
    if not lines and joined != list(unpaged):
        position = next(
            (n for n, (a, b) in enumerate(zip(joined, unpaged, strict=False)) if a != b),
            min(len(joined), len(unpaged)),
        )
        paged_id = joined[position] if position < len(joined) else "end"
        unpaged_id = unpaged[position] if position < len(unpaged) else "end"
        lines.append(f"position {position}: pages give {paged_id}, the unpaged answer gives {unpaged_id}")
    return lines[:_SHOWN]


def keyset_paging_visits_every_item_once(
    pages: Sequence[Sequence[str]], collation: Collation = "ordinal"
) -> list[str]:
    """Keyset paging (`sortAsc=id` + `after`) visits every item once, each page past its cursor (the last
    id of the page before)."""
    lines = []
    seen: dict[str, int] = {}
    cursor: str | None = None
    for number, page in enumerate(pages):
        past = _key(cursor, collation) if cursor is not None else None
        for i in page:
            if past is not None and not _key(i, collation) > past:
                lines.append(f"{i}: on page {number}, whose cursor is after={cursor}")
            if i in seen:
                lines.append(f"{i}: on page {seen[i]} and page {number}")
            seen.setdefault(i, number)
        cursor = page[-1] if page else cursor
    return lines[:_SHOWN]


def total_equals_reachable_items(total: int | None, reached: Sequence[str]) -> list[str]:
    """`total` equals the number of items reachable by paging."""
    count = len(set(reached))
    return [] if total == count else [f"total={total!r}, paging reached {count} distinct items"]


def page_holds_min_of_top_and_matches(results: Sequence[Any], top: int, matches: int) -> list[str]:
    """A page holds `top` results, or every match when fewer match (`top=0` gives none)."""
    expected = min(top, matches)
    return (
        [] if len(results) == expected else [f"{len(results)} results for top={top} with {matches} matches"]
    )


def list_ids_match_full_results(id_list: Sequence[Any], results: Sequence[Result]) -> list[str]:
    """`listIds` gives the same ids, in the same order, as full results."""
    full = [_ident(item) for item in results]
    if not all(isinstance(i, str) for i in id_list):
        odd = next(i for i in id_list if not isinstance(i, str))
        return [f"listIds result {str(odd)[:80]} is not an id string"]
    if list(id_list) == full:
        return []
    position = next((n for n, (a, b) in enumerate(zip(id_list, full, strict=False)) if a != b), None)
    if position is None:
        return [f"listIds gives {len(id_list)} ids, full results {len(full)}"]
    return [f"position {position}: listIds gives {id_list[position]}, full results give {full[position]}"]


# --- period -------------------------------------------------------------------------------------------------


def results_changed_within_period(
    results: Sequence[Result], name: str, since: str | None, before: str | None
) -> list[str]:
    """periodSince / period: every result changed within the window (since inclusive, before exclusive)."""
    low = _instant(since) if since else None
    high = _instant(before) if before else None
    bad = []
    for item in results:
        moment = _instant(str(item.get(name)))
        outside = (
            moment is None or (low is not None and moment < low) or (high is not None and moment >= high)
        )
        if outside:
            bad.append(f"{_ident(item)}: {name}={item.get(name)!r} (asked since={since!r} before={before!r})")
    return bad[:_SHOWN]


# --- facets -------------------------------------------------------------------------------------------------


def facet_counts_match_filtered_counts(
    facet: str, counts: Mapping[str, int], filtered: Mapping[str, int | None]
) -> list[str]:
    """A facet value's count equals the number of results when also filtering on that value."""
    return [
        f"{facet}={key!r}: facet count {counts.get(key)!r}, filtering on it gives {number!r} results"
        for key, number in filtered.items()
        if counts.get(key) != number
    ][:_SHOWN]


def facet_counts_shrink_with_the_filter(
    narrow: Mapping[str, Mapping[str, int]], wide: Mapping[str, Mapping[str, int]]
) -> list[str]:
    """Facet counts under a filter never exceed the counts without it."""
    lines = []
    for facet, counts in narrow.items():
        for key, count in counts.items():
            before = wide.get(facet, {}).get(key)
            if before is not None and count > before:
                lines.append(f"{facet}={key!r}: {count} with the filter, {before} without")
    return lines[:_SHOWN]


def facet_size_is_respected(
    facets: Mapping[str, Mapping[str, int]], sizes: Mapping[str, int | None]
) -> list[str]:
    """A facet returns at most its configured number of values."""
    return [
        f"{facet}: {len(facets[facet])} values, size is {size}"
        for facet, size in sizes.items()
        if size is not None and facet in facets and len(facets[facet]) > size
    ]


# --- language -----------------------------------------------------------------------------------------------


def localized_properties_differ_between_languages(
    rows: Mapping[str, Sequence[Result]], properties: Sequence[str] | None
) -> list[str]:
    """Localized properties differ between languages for the same ids.

    `properties` None means: detect them, and require at least one property to differ somewhere.
    """
    languages = list(rows)
    if len(languages) < 2:
        return []
    by_id = {language: {_ident(item): item for item in items} for language, items in rows.items()}
    common = sorted(set.intersection(*(set(ids) for ids in by_id.values())))
    names = (
        properties
        if properties is not None
        else sorted({k for items in rows.values() for i in items for k in i})
    )
    differing = {
        name
        for name in names
        if any(len({repr(by_id[lang][i].get(name)) for lang in languages}) > 1 for i in common)
    }
    if properties is None:
        if differing or not common:
            return [] if differing else [f"no item is answered in all of {languages}"]
        example = common[0]
        first = by_id[languages[0]][example]
        texts = [n for n in names if n != "id" and isinstance(first.get(n), str) and not _instant(first[n])][
            :3
        ]
        shown = "; ".join(
            f"{name}: " + ", ".join(f"{lang}={by_id[lang][example].get(name)!r}" for lang in languages)
            for name in texts
        )
        return [f"no property of {len(common)} items differs between {languages}; e.g. {example}: {shown}"]
    lines = []
    for name in properties:
        if name in differing:
            continue
        example = next(iter(common), None)
        values = (
            ", ".join(f"{lang}={by_id[lang][example].get(name)!r}" for lang in languages) if example else ""
        )
        lines.append(
            f"{name} is the same in {languages} for all {len(common)} items; e.g. {example}: {values}"
        )
    return lines


# --- across versions ----------------------------------------------------------------------------------------


def same_ids_in_same_order(first: Sequence[str], second: Sequence[str], labels: tuple[str, str]) -> list[str]:
    """The same logical query returns the same ids in the same order on both versions."""
    a, b = labels
    only_a, only_b = set(first) - set(second), set(second) - set(first)
    lines = [f"{i}: returned by {a} only" for i in sorted(only_a)[:_SHOWN]]
    lines += [f"{i}: returned by {b} only" for i in sorted(only_b)[:_SHOWN]]
    if not lines and list(first) != list(second):
        position = next(n for n, (x, y) in enumerate(zip(first, second, strict=False)) if x != y)
        lines.append(f"position {position}: {a} gives {first[position]}, {b} gives {second[position]}")
    return lines


def same_totals(first: int | None, second: int | None, labels: tuple[str, str]) -> list[str]:
    """The same logical query has the same total on both versions."""
    return [] if first == second else [f"total {labels[0]}={first!r}, {labels[1]}={second!r}"]


def same_facet_counts(
    first: Mapping[str, Mapping[str, int]], second: Mapping[str, Mapping[str, int]], labels: tuple[str, str]
) -> list[str]:
    """The same logical query has the same facet counts on both versions (facets both declare)."""
    lines = []
    for facet in sorted(set(first) & set(second)):
        for key in sorted(set(first[facet]) | set(second[facet])):
            x, y = first[facet].get(key), second[facet].get(key)
            if x != y:
                lines.append(f"{facet}={key!r}: {labels[0]} counts {x!r}, {labels[1]} counts {y!r}")
    return lines[:_SHOWN]
