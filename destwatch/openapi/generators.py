"""Query generators: real values sampled from unfiltered answers, chosen by a seeded random generator.

Each generator reads only the endpoint model and sampled rows, so it works on any destination: it picks
a property the document declares and values the data really holds. The same seed picks the same values,
so a failing run is reproduced with `--destwatch-seed`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "MustPlan",
    "RangePlan",
    "as_comparable",
    "fitting_values",
    "missing_value",
    "must_plan",
    "period_window",
    "prefix_of",
    "range_plan",
    "rng_for",
    "value_counts",
]

Row = Mapping[str, Any]
MISSING_VALUE = "destwatch-no-such-value-zq"


def rng_for(seed: int, *parts: str) -> random.Random:
    """A generator seeded by the run seed and the target/endpoint, so each endpoint gets its own stream."""
    return random.Random("/".join([str(seed), *parts]))


def value_counts(rows: Sequence[Row], name: str) -> Counter[Hashable]:
    """How many sampled rows hold each scalar value of `name` (list values count once per element)."""
    # The generators call this hundreds of times per run over whole samples: the values are gathered in one
    # list and counted by Counter's C loop, and isinstance takes a tuple (bool is an int): a third the cost.
    held: list[Hashable] = []
    for row in rows:
        value = row.get(name)
        if isinstance(value, list):
            held += [one for one in value if isinstance(one, _SCALARS)]
        elif isinstance(value, _SCALARS):
            held.append(value)
    return Counter(held)


_SCALARS = (str, int, float)


def missing_value(rows: Sequence[Row], name: str) -> str:
    """A value no sampled row holds for `name`."""
    held = set(value_counts(rows, name))
    candidate = MISSING_VALUE
    while candidate in held:
        candidate += "-x"
    return candidate


def prefix_of(value: str) -> str:
    """The value without its last character: an equality filter must not match by prefix."""
    return value[:-1] if len(value) > 1 else value + "-"


@dataclass(frozen=True)
class MustPlan:
    """Values for the must rules: two values `first`, `second` of `name`, and `other`=`other_value`
    held by an item that also has `first` (so the intersection is not empty)."""

    name: str
    first: Any
    second: Any
    other: str | None
    other_value: Any


def fitting_values(rows: Sequence[Row], name: str, limit: int) -> list[Hashable]:
    """The sampled values of `name` that each match fewer items than `limit`, in a stable order.

    A property whose sampled values are all distinct is taken as a key (like `id`): each value matches one
    item however large the catalogue is, so its values fit even when `limit` says nothing else can.
    """
    return _fitting(value_counts(rows, name), limit)


def _fitting(counts: Counter[Hashable], limit: int) -> list[Hashable]:
    if len(counts) >= 2 and all(count == 1 for count in counts.values()):
        return sorted(counts, key=repr)
    return sorted((value for value, count in counts.items() if count < limit), key=repr)


def must_plan(keys: Sequence[str], rows: Sequence[Row], rng: random.Random, *, limit: int) -> MustPlan | None:
    """Pick the must values among `keys`; prefer a property whose values repeat (more telling than ids)."""
    counts = {name: value_counts(rows, name) for name in keys}
    candidates = [name for name in keys if len(_fitting(counts[name], limit)) >= 2]
    if not candidates:
        return None
    repeating = [n for n in candidates if any(c > 1 for c in counts[n].values())]
    name = rng.choice(sorted(repeating or candidates))
    first, second = rng.sample(_fitting(counts[name], limit), 2)
    others = [n for n in candidates if n != name] or [n for n in keys if n != name]
    if not others:
        return MustPlan(name, first, second, None, None)
    other = rng.choice(sorted(others))
    holders = [row for row in rows if _holds(row.get(name), first) and row.get(other) is not None]
    held = value_counts(holders, other)
    other_value = rng.choice(sorted(held, key=repr)) if held else None
    return MustPlan(name, first, second, other if other_value is not None else None, other_value)


def _holds(value: Any, wanted: Any) -> bool:
    return wanted in value if isinstance(value, list) else value == wanted


@dataclass(frozen=True)
class RangePlan:
    """Bounds for the range rules, both values the data really holds (so items lie on each bound)."""

    name: str
    low: float
    high: float


def range_plan(
    ranges: Mapping[str, Sequence[str]], rows: Sequence[Row], rng: random.Random, *, limit: int | None = None
) -> RangePlan | None:
    """Pick a range property and two held values bounding a slice of the sampled items (at most `limit`
    of them, so every match fits one page), with items lying on both bounds."""
    names = sorted(
        name
        for name, operators in ranges.items()
        if operators and len([v for v in value_counts(rows, name) if _number(v)]) >= 3
    )
    if not names:
        return None
    cap = limit if limit is not None else max(2, len(rows) // 5)
    rng.shuffle(names)
    for name in names:
        plan = _range_on(name, rows, rng, cap)
        if plan is not None:
            return plan
    return None


def _range_on(name: str, rows: Sequence[Row], rng: random.Random, cap: int) -> RangePlan | None:
    counts = Counter(float(v) for row in rows if _number(v := row.get(name)))
    distinct = sorted(counts)
    starts = [n for n in range(len(distinct) - 1) if counts[distinct[n]] + counts[distinct[n + 1]] <= cap]
    if not starts:
        return None
    start = rng.choice(starts)
    end, inside = start + 1, counts[distinct[start]] + counts[distinct[start + 1]]
    # Widen while the slice still fits: more items between the bounds make the rule more telling.
    while (
        end + 1 < len(distinct)
        and inside + counts[distinct[end + 1]] <= cap
        and end - start < len(distinct) // 4
    ):
        end += 1
        inside += counts[distinct[end]]
    return RangePlan(name, _plain(distinct[start]), _plain(distinct[end]))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain(value: float) -> float:
    """Integral floats as ints, so `stock` bounds read `10`, not `10.0`."""
    return int(value) if float(value).is_integer() else value


def as_comparable(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def period_window(rows: Sequence[Row], name: str, rng: random.Random) -> tuple[str, str] | None:
    """`since` and `before` on whole seconds strictly between held instants, about a third of the sampled
    items apart: no item lies on a bound, since whether bounds are inclusive is not public."""
    moments = sorted({m for row in rows if (m := as_comparable(str(row.get(name)))) is not None})
    gaps = [n for n in range(1, len(moments)) if (moments[n] - moments[n - 1]).total_seconds() >= 2]
    if len(gaps) < 6:
        return None
    third = len(gaps) // 3
    start = rng.randrange(0, third)
    first, second = gaps[start], gaps[min(len(gaps) - 1, start + third)]
    return _between(moments[first - 1], moments[first]), _between(moments[second - 1], moments[second])


def _between(a: datetime, b: datetime) -> str:
    """A whole second strictly between `a` and `b` (at least two seconds apart)."""
    middle = (a + (b - a) / 2).replace(microsecond=0)
    if middle <= a:
        middle = a.replace(microsecond=0) + timedelta(seconds=1)
    return middle.isoformat().replace("+00:00", "Z")
