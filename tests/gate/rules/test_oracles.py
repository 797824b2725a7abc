"""Each oracle on hand-made answers: silent when its rule holds, the smallest counterexample when not."""

from __future__ import annotations

from destwatch.gate.rules import oracles as o

BAGS = {"id": "A1", "category": "Bags", "price": 10, "changed": "2026-03-01T00:00:00Z"}
SHOES = {"id": "A2", "category": "Shoes", "price": 20, "changed": "2026-05-01T00:00:00Z"}
HATS = {"id": "A3", "category": "Hats", "price": 20, "changed": "2026-07-01T00:00:00Z"}
ALL = [BAGS, SHOES, HATS]


def test_envelope_needs_language_results_and_asked_total() -> None:
    good = {"language": "sv", "results": [], "total": 0}
    assert o.envelope_has_language_and_results(good, "sv", totals_asked=True) == []
    assert o.envelope_has_language_and_results({"results": []}, None, totals_asked=False) == [
        "`language` is absent"
    ]
    assert o.envelope_has_language_and_results({**good, "language": "en"}, "sv", totals_asked=False) == [
        "language='en' (asked 'sv')"
    ]
    assert o.envelope_has_language_and_results(
        {"language": "sv", "results": None}, "sv", totals_asked=True
    ) == [
        "results=None is not an array",
        "total=None is not an integer although includeTotals was asked",
    ]


def test_facets_validate_against_the_documented_schema() -> None:
    schema = {"type": "array", "items": {"type": "object", "required": ["propertyId"]}}
    assert o.facets_keep_documented_shape({"facets": [{"propertyId": "x"}]}, schema) == []
    assert o.facets_keep_documented_shape({"facets": [{}]}, schema) == [
        "facets[0]: 'propertyId' is a required property"
    ]


def test_top_is_never_exceeded_names_the_extra_results() -> None:
    assert o.top_is_never_exceeded(ALL, 3) == []
    assert o.top_is_never_exceeded(ALL, 2) == ["3 results for top=2; the extra ones: A3"]


def test_empty_result_must_be_an_empty_array_with_the_usual_envelope() -> None:
    keys = ["language", "results", "total"]
    good = {"language": "en", "results": [], "total": 0}
    assert o.empty_result_is_an_empty_array(200, good, envelope_keys=keys, totals_asked=True) == []
    assert o.empty_result_is_an_empty_array(404, good, envelope_keys=keys, totals_asked=True) == [
        "status 404, not 200"
    ]
    assert o.empty_result_is_an_empty_array(
        200, {**good, "results": None}, envelope_keys=keys, totals_asked=True
    ) == ["results=None (expected [])"]
    assert o.empty_result_is_an_empty_array(
        200, {"results": [], "total": 3}, envelope_keys=keys, totals_asked=True
    ) == [
        "keys ['language'] of a non-empty answer are absent",
        "total=3 (expected 0)",
    ]


def test_total_does_not_depend_on_the_page() -> None:
    assert o.total_counts_matches_not_the_page({"top=1": 9, "top=7": 9}) == []
    assert o.total_counts_matches_not_the_page({"top=1": 1, "top=7": 7}) == [
        "total=1 with top=1",
        "total=7 with top=7",
    ]


def test_must_results_hold_an_asked_value() -> None:
    assert o.results_satisfy_must(ALL, {"category": ["Bags", "Shoes", "Hats"]}) == []
    assert o.results_satisfy_must(ALL, {"category": ["Bags"]}) == [
        "A2: category='Shoes' (asked category in ['Bags'])",
        "A3: category='Hats' (asked category in ['Bags'])",
    ]
    assert o.results_satisfy_must([{"id": "L", "tags": ["x", "y"]}], {"tags": ["y"]}) == []


def test_must_values_are_a_union() -> None:
    assert o.must_values_are_alternatives(["A1", "A2"], {"Bags": ["A1"], "Shoes": ["A2"]}) == []
    assert o.must_values_are_alternatives([], {"Bags": ["A1"], "Shoes": ["A2"]}) == [
        "A1: matches 'Bags' alone but not the values together",
        "A2: matches 'Shoes' alone but not the values together",
    ]
    assert o.must_values_are_alternatives(["A1", "A9"], {"Bags": ["A1"]}) == [
        "A9: matches the values together but none alone"
    ]


def test_must_on_two_properties_is_an_intersection_and_never_adds() -> None:
    assert o.must_on_two_properties_intersects(["A2"], ["A1", "A2"], ["A2", "A3"]) == []
    assert o.must_on_two_properties_intersects([], ["A1", "A2"], ["A2"]) == [
        "A2: matches each property alone but not both together"
    ]
    assert o.narrowing_never_adds_results(["A1"], ["A1", "A2"]) == []
    assert o.narrowing_never_adds_results(["A3"], ["A1"]) == ["A3: appears only after a constraint was added"]


def test_must_not_excludes_and_partitions() -> None:
    assert o.must_not_excludes_values([SHOES, HATS], {"category": ["Bags"]}) == []
    assert o.must_not_excludes_values(ALL, {"category": ["Bags"]}) == [
        "A1: category='Bags' (excluded category in ['Bags'])"
    ]
    assert o.must_and_must_not_partition(["A1"], ["A2", "A3"], ["A1", "A2", "A3"]) == []
    assert o.must_and_must_not_partition(["A1"], ["A1", "A2"], ["A1", "A2", "A3"]) == [
        "A1: returned by both must and mustNot",
        "A3: returned by neither must nor mustNot",
    ]
    assert o.must_and_must_not_totals_add_up(1, 2, 3) == []
    assert o.must_and_must_not_totals_add_up(1, 3, 3) == ["total: must 1 + mustNot 3, unfiltered 3"]


def test_range_bounds_hold_and_include_the_bound() -> None:
    assert o.results_within_range(ALL, "price", {"gte": 10, "lte": 20}) == []
    assert o.results_within_range(ALL, "price", {"gt": 10}) == ["A1: price=10 (asked {'gt': 10})"]
    assert o.inclusive_bounds_include_items_on_the_bound(["A1"], {"A1": 10}, "price", {"gte": 10}) == []
    assert o.inclusive_bounds_include_items_on_the_bound(["A2"], {"A1": 10}, "price", {"gte": 10}) == [
        "A1: price=10 lies on the bound of {'gte': 10} but is missing"
    ]


def test_inclusive_and_exclusive_bounds_differ_by_the_boundary_items_only() -> None:
    assert (
        o.inclusive_and_exclusive_bounds_differ_by_the_boundary_items(ALL, [SHOES, HATS], "price", 10) == []
    )
    assert o.inclusive_and_exclusive_bounds_differ_by_the_boundary_items(ALL, ALL, "price", 10) == [
        "A1: price=10 is on the bound 10 yet the exclusive bound has it"
    ]
    assert o.inclusive_and_exclusive_bounds_differ_by_the_boundary_items(
        [SHOES, HATS], [SHOES, HATS], "price", 10, ["A1"]
    ) == ["A1: price=10 lies on the bound yet the inclusive bound lacks it"]
    assert o.inclusive_and_exclusive_bounds_differ_by_the_boundary_items(ALL, [HATS], "price", 10) == [
        "A2: price=20 is not on the bound 10 yet only the inclusive bound has it"
    ]


def test_get_and_post_return_the_same_ids() -> None:
    assert o.same_ids_regardless_of_method(["A1", "A2"], ["A1", "A2"]) == []
    assert o.same_ids_regardless_of_method(["A1", "A2"], ["A1"]) == ["A2: returned by GET only"]
    assert o.same_ids_regardless_of_method(["A2", "A1"], ["A1", "A2"]) == ["same ids in a different order"]


def test_sorting_orders_by_the_property() -> None:
    assert o.sorted_by_property(ALL, "price", descending=False) == []
    assert o.sorted_by_property(ALL, "price", descending=True) == [
        "A1: price=10 comes before A2: price=20 (descending asked, ordinal order)"
    ]
    assert o.sorted_by_property([HATS, SHOES], "changed", descending=True) == []


def test_text_sorts_in_the_configured_collation_and_an_ordinal_failure_names_the_fix() -> None:
    mixed = [{"id": "1", "brand": "Aurora"}, {"id": "2", "brand": "ember"}, {"id": "3", "brand": "Lumen"}]
    assert o.sorted_by_property(mixed, "brand", descending=False, collation="case-insensitive") == []
    lines = o.sorted_by_property(mixed, "brand", descending=False)
    assert lines[0] == "2: brand='ember' comes before 3: brand='Lumen' (ascending asked, ordinal order)"
    assert 'sort_collation = "case-insensitive"' in lines[1]
    # Wrong in both collations: no hint that would send the user the wrong way.
    wrong = [mixed[2], mixed[0]]
    assert len(o.sorted_by_property(wrong, "brand", descending=False)) == 1
    upper = [{"id": "1", "b": "b"}, {"id": "2", "b": "B"}, {"id": "3", "b": "a"}]
    assert o.descending_reverses_ascending(upper[::-1], upper, "b", "case-insensitive")


def test_descending_is_ascending_reversed_where_values_differ() -> None:
    # A2 and A3 tie on price: their order within the tie is free.
    assert o.descending_reverses_ascending(ALL, [SHOES, HATS, BAGS], "price") == []
    assert o.descending_reverses_ascending(ALL, ALL, "price") == [
        "position 0 of the distinct price values: descending has 10 (A1), reversed ascending has 20 (A2, A3)"
    ]


def test_skip_pages_are_disjoint_and_concatenate() -> None:
    assert o.skip_pages_are_disjoint_and_concatenate([["a", "b"], ["c", "d"]], ["a", "b", "c", "d"]) == []
    assert o.skip_pages_are_disjoint_and_concatenate([["a", "b"], ["b", "c"]], ["a", "b", "c", "d"]) == [
        "b: on page 0 and page 1"
    ]
    assert o.skip_pages_are_disjoint_and_concatenate([["a", "b"], ["d", "c"]], ["a", "b", "c", "d"]) == [
        "position 2: pages give d, the unpaged answer gives c"
    ]


def test_keyset_paging_visits_each_item_once_past_its_cursor() -> None:
    assert o.keyset_paging_visits_every_item_once([["a", "b"], ["c"]]) == []
    assert o.keyset_paging_visits_every_item_once([["a", "b"], ["b", "c"]]) == [
        "b: on page 1, whose cursor is after=b",
        "b: on page 0 and page 1",
    ]
    # A destination that ignores `after` answers the first page again: a finding, never a crash.
    assert o.keyset_paging_visits_every_item_once([["a", "b"], ["a", "b"]])[0] == (
        "a: on page 1, whose cursor is after=b"
    )
    assert o.keyset_paging_visits_every_item_once([["A", "b"], ["C"]], "case-insensitive") == []


def test_total_list_ids_and_page_sizes() -> None:
    assert o.total_equals_reachable_items(3, ["a", "b", "c"]) == []
    assert o.total_equals_reachable_items(2, ["a", "b", "c"]) == ["total=2, paging reached 3 distinct items"]
    assert o.list_ids_match_full_results(["A1", "A2"], [BAGS, SHOES]) == []
    assert o.list_ids_match_full_results(["A2", "A1"], [BAGS, SHOES]) == [
        "position 0: listIds gives A2, full results give A1"
    ]
    assert o.list_ids_match_full_results([BAGS], [BAGS])[0].startswith("listIds result {")
    assert o.page_holds_min_of_top_and_matches([], 0, 5) == []
    assert o.page_holds_min_of_top_and_matches(ALL, 5, 3) == []
    assert o.page_holds_min_of_top_and_matches(ALL, 2, 3) == ["3 results for top=2 with 3 matches"]


def test_period_keeps_results_inside_the_window() -> None:
    since, before = "2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z"
    assert o.results_changed_within_period([SHOES], "changed", since, before) == []
    assert o.results_changed_within_period(ALL, "changed", since, None) == [
        "A1: changed='2026-03-01T00:00:00Z' (asked since='2026-04-01T00:00:00Z' before=None)"
    ]
    assert len(o.results_changed_within_period(ALL, "changed", since, before)) == 2


def test_facet_counts_match_shrink_and_respect_size() -> None:
    assert o.facet_counts_match_filtered_counts("category", {"Bags": 4}, {"Bags": 4}) == []
    assert o.facet_counts_match_filtered_counts("category", {"Bags": 40}, {"Bags": 4}) == [
        "category='Bags': facet count 40, filtering on it gives 4 results"
    ]
    assert o.facet_counts_shrink_with_the_filter({"c": {"x": 1}}, {"c": {"x": 2}}) == []
    assert o.facet_counts_shrink_with_the_filter({"c": {"x": 3}}, {"c": {"x": 2}}) == [
        "c='x': 3 with the filter, 2 without"
    ]
    assert o.facet_size_is_respected({"brand": {"a": 1, "b": 1}}, {"brand": 2, "color": None}) == []
    assert o.facet_size_is_respected({"brand": {"a": 1, "b": 1, "c": 1}}, {"brand": 2}) == [
        "brand: 3 values, size is 2"
    ]


def test_language_is_echoed_and_localized_values_differ() -> None:
    assert o.answer_says_asked_language({"language": "sv"}, "sv") == []
    assert o.answer_says_asked_language({}, "sv") == ["language=None (asked 'sv')"]
    en = [{"id": "A1", "title": "Bag", "brand": "X"}]
    sv = [{"id": "A1", "title": "Väska", "brand": "X"}]
    assert o.localized_properties_differ_between_languages({"en": en, "sv": sv}, None) == []
    assert o.localized_properties_differ_between_languages({"en": en, "sv": sv}, ["title"]) == []
    assert o.localized_properties_differ_between_languages({"en": en, "sv": sv}, ["brand"]) == [
        "brand is the same in ['en', 'sv'] for all 1 items; e.g. A1: en='X', sv='X'"
    ]
    same = o.localized_properties_differ_between_languages({"en": en, "sv": en}, None)
    assert len(same) == 1 and same[0].startswith("no property of 1 items differs between ['en', 'sv']")


def test_versions_compare_ids_order_totals_and_facets() -> None:
    labels = ("p/v1", "p/v2")
    assert o.same_ids_in_same_order(["a", "b"], ["a", "b"], labels) == []
    assert o.same_ids_in_same_order(["a", "b", "c"], ["a", "c"], labels) == ["b: returned by p/v1 only"]
    assert o.same_ids_in_same_order(["a", "b"], ["b", "a"], labels) == [
        "position 0: p/v1 gives a, p/v2 gives b"
    ]
    assert o.same_totals(3, 3, labels) == []
    assert o.same_totals(3, 2, labels) == ["total p/v1=3, p/v2=2"]
    assert o.same_facet_counts({"c": {"x": 1}}, {"c": {"x": 1}, "d": {"y": 1}}, labels) == []
    assert o.same_facet_counts({"c": {"x": 2}}, {"c": {"x": 1}}, labels) == [
        "c='x': p/v1 counts 2, p/v2 counts 1"
    ]


def test_read_properties_must_be_declared_present_and_of_their_documented_type() -> None:
    kinds = {"id": "string", "price": "number", "changed": "date-time", "category": "string"}
    assert o.results_carry_properties_as_documented(ALL, ["id", "price", "changed"], kinds) == []
    assert o.results_carry_properties_as_documented([{**BAGS, "price": "10"}], ["price"], kinds) == [
        "A1: price='10' is not number"
    ]
    assert o.results_carry_properties_as_documented([{"id": "A4"}], ["price", "brand"], kinds) == [
        "brand: the document declares no such result property",
        "A4: `price` is absent",
    ]
    # A boolean is no number, though Python counts it as an int.
    assert o.results_carry_properties_as_documented([{**BAGS, "price": True}], ["price"], kinds) == [
        "A1: price=True is not number"
    ]


def test_read_facets_must_be_in_the_answer() -> None:
    answer = {"facets": [{"propertyId": "category", "values": []}]}
    assert o.listed_facets_are_present(answer, ["category"]) == []
    assert o.listed_facets_are_present(answer, ["brand"]) == [
        "facet 'brand' is not in the answer (facets: category)"
    ]
    assert o.listed_facets_are_present({}, ["brand"]) == ["facet 'brand' is not in the answer (facets: none)"]
