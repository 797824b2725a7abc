"""Query generators pick real, seeded values that make each rule telling."""

from __future__ import annotations

from collections import Counter

from destwatch.openapi.generators import (
    as_comparable,
    fitting_values,
    missing_value,
    must_plan,
    period_window,
    prefix_of,
    range_plan,
    rng_for,
    value_counts,
)

KEYS = ("id", "category", "brand")
RANGES = {"price": ("gt", "gte", "lt", "lte"), "half": ("gte",)}
ROWS = [
    {
        "id": f"I{n:03}",
        "category": f"c{n % 5}",
        "brand": f"b{n % 3}",
        "price": float(n % 20),
        "half": n,
        "changed": f"2026-{1 + n % 9:02}-{1 + n % 27:02}T{n % 24:02}:00:00Z",
    }
    for n in range(200)
]


def test_the_same_seed_gives_the_same_values_and_another_seed_may_not() -> None:
    first = must_plan(KEYS, ROWS, rng_for(1, "t", "p"), limit=100)
    again = must_plan(KEYS, ROWS, rng_for(1, "t", "p"), limit=100)
    assert first == again
    plans = {must_plan(KEYS, ROWS, rng_for(seed, "t", "p"), limit=100) for seed in range(12)}
    assert len(plans) > 1


def test_must_plan_picks_repeating_values_that_fit_and_an_intersecting_second_property() -> None:
    for seed in range(20):
        plan = must_plan(KEYS, ROWS, rng_for(seed), limit=50)
        assert plan is not None
        assert plan.name in ("category", "brand")  # ids never repeat, so they are not preferred
        counts = value_counts(ROWS, plan.name)
        assert plan.first != plan.second and counts[plan.first] < 50 and counts[plan.second] < 50
        assert plan.other is not None and plan.other != plan.name
        assert any(row[plan.name] == plan.first and row[plan.other] == plan.other_value for row in ROWS)


def test_must_plan_gives_up_when_no_key_has_two_values_that_fit() -> None:
    assert must_plan(KEYS, ROWS, rng_for(0), limit=2) is not None  # ids: one item each
    assert must_plan(("brand",), ROWS, rng_for(0), limit=10) is None


def test_range_plan_bounds_are_held_values_spanning_at_most_the_limit() -> None:
    for seed in range(20):
        plan = range_plan({"price": RANGES["price"]}, ROWS, rng_for(seed), limit=60)
        assert plan is not None and plan.name == "price"
        assert plan.low < plan.high
        held = {row["price"] for row in ROWS}
        assert plan.low in held and plan.high in held
        assert sum(plan.low <= row["price"] <= plan.high for row in ROWS) <= 60


def test_range_plan_takes_any_declared_operator_but_needs_three_numeric_values() -> None:
    assert range_plan({"half": ("gte",)}, ROWS, rng_for(0)) is not None
    assert range_plan({"half": ()}, ROWS, rng_for(0)) is None
    assert range_plan({"category": ("gte", "lte")}, ROWS, rng_for(0)) is None


def test_period_window_lies_strictly_between_held_instants_on_whole_seconds() -> None:
    held = {as_comparable(row["changed"]) for row in ROWS}
    for seed in range(10):
        window = period_window(ROWS, "changed", rng_for(seed))
        assert window is not None
        since, before = (as_comparable(text) for text in window)
        assert since is not None and before is not None and since < before
        assert since not in held and before not in held and since.microsecond == 0
        inside = [m for m in held if m is not None and since <= m < before]
        assert 0 < len(inside) < len(held)


def test_missing_values_and_prefixes_are_not_held_values() -> None:
    value = missing_value(ROWS, "category")
    assert value not in Counter(row["category"] for row in ROWS)
    assert missing_value([{"x": "destwatch-no-such-value-zq"}], "x") != "destwatch-no-such-value-zq"
    assert prefix_of("NW-10001") == "NW-1000"
    assert prefix_of("L") == "L-"


def test_a_unique_key_fits_whatever_the_limit_and_other_values_must_be_rare_enough() -> None:
    assert fitting_values(ROWS, "id", 1)[:2] == ["I000", "I001"]  # ids are unique: one item each
    assert fitting_values(ROWS, "category", 1) == []  # 40 items each: nothing fits a limit of 1
    assert len(fitting_values(ROWS, "category", 41)) == 5
