"""Disclosure control: worked examples, and a property test by brute force.

The property: from every published cell of one column (class, year group, school) and
every check-in its own results page shows (those with at least the threshold), nothing
that can be worked out by adding and subtracting is a group of between 1 and
threshold - 1 answers. The checker does not trust the rule's own reasoning: it builds the
published cells as vectors over the check-ins, and tests every small set of check-ins for
membership of their span with exact fractions.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmt_schools.reports.protection import (
    COMPLEMENTARY,
    NO_ANSWERS,
    NOT_SHOWN_HERE,
    SCHOOL,
    SHOWN,
    SMALL,
    LeafCount,
    Protection,
    group_key,
    protect,
    unit_key,
)


def classes_only(groups_and_counts, threshold=10):
    """The issue's own model: one leaf per class that no other page shows."""
    groups = {group: unit for group, unit, _ in groups_and_counts}
    leaves = [
        LeafCount(group, f"leaf-{group}", n, shown_alone=False) for group, _, n in groups_and_counts
    ]
    return protect(groups, leaves, threshold)


# ------------------------------------------------------------------ worked examples


def test_nothing_is_hidden_when_every_group_is_large_enough():
    result = classes_only([("7A", 7, 25), ("7B", 7, 28), ("8A", 8, 30)])
    assert set(result.status.values()) == {SHOWN}
    assert not result.withheld
    assert result.counts[SCHOOL] == 83


def test_one_small_class_hides_the_smallest_other_class_of_its_year_group():
    result = classes_only([("8A", 8, 6), ("8B", 8, 20), ("8C", 8, 30), ("7A", 7, 25)])
    assert result.status[group_key("8A")] == SMALL
    assert result.status[group_key("8B")] == COMPLEMENTARY  # the smallest other
    assert result.status[group_key("8C")] == SHOWN
    assert result.status[unit_key(8)] == SHOWN
    assert result.counts[unit_key(8)] == 56  # nothing left out: 8A is protected by 8B
    # Year 8 minus 8C is 8A and 8B together: 26 answers, not 6.


def test_two_small_classes_that_add_up_to_too_few_still_get_a_complement():
    # "Exactly one suppressed" is not enough: 4 + 3 = 7 would be Year 8 minus 8C.
    result = classes_only([("8A", 8, 4), ("8B", 8, 3), ("8C", 8, 40), ("8D", 8, 45)])
    assert result.status[group_key("8A")] == SMALL
    assert result.status[group_key("8B")] == SMALL
    assert result.status[group_key("8C")] == COMPLEMENTARY
    assert result.status[group_key("8D")] == SHOWN


def test_a_small_year_group_is_left_out_when_no_other_year_group_can_hide_it():
    # Year 7's classes are all shown, so hiding Year 7 itself would protect nothing
    # (it is the sum of its classes): Year 8's answers are left out of the school total.
    result = classes_only([("7A", 7, 25), ("7B", 7, 20), ("8A", 8, 6)])
    assert result.status[unit_key(8)] == SMALL
    assert result.status[unit_key(7)] == SHOWN
    assert result.withheld == {"leaf-8A"}
    assert result.counts[SCHOOL] == 45


def test_a_small_year_group_is_protected_by_one_that_has_hidden_classes():
    result = classes_only([("7A", 7, 25), ("7B", 7, 4), ("7C", 7, 12), ("8A", 8, 6), ("9A", 9, 30)])
    # Year 7: 7B small, 7C complementary (Year 7's residual is then 16).
    assert result.status[group_key("7C")] == COMPLEMENTARY
    # School: Year 8 is small (6); Year 7 is the only year group with something hidden
    # in it, so it is hidden too: school minus Year 9 minus 7A is then 22 answers.
    assert result.status[unit_key(8)] == SMALL
    assert result.status[unit_key(7)] == COMPLEMENTARY
    assert result.status[unit_key(9)] == SHOWN
    assert not result.withheld


def test_a_small_check_in_beside_a_large_one_is_left_out():
    # 8A's check-in of 25 answers is on its own results page: class minus it = the 6.
    groups = {"8A": 8, "8B": 8}
    leaves = [
        LeafCount("8A", 1, 25),
        LeafCount("8A", 2, 6),
        LeafCount("8B", 3, 22),
    ]
    result = protect(groups, leaves, 10)
    assert result.withheld == {2}
    assert result.status[group_key("8A")] == SHOWN
    assert result.counts[group_key("8A")] == 25


def test_two_small_check_ins_of_one_class_may_count_together():
    groups = {"8A": 8, "8B": 8}
    leaves = [LeafCount("8A", 1, 7), LeafCount("8A", 2, 6), LeafCount("8B", 3, 22)]
    result = protect(groups, leaves, 10)
    assert result.status[group_key("8A")] == SHOWN
    assert result.counts[group_key("8A")] == 13
    assert not result.withheld


def test_a_single_small_class_beside_published_check_ins_is_left_out():
    groups = {"8A": 8, "8B": 8, "8C": 8}
    leaves = [LeafCount("8A", 1, 8), LeafCount("8B", 2, 25), LeafCount("8C", 3, 27)]
    result = protect(groups, leaves, 10)
    assert result.status[group_key("8A")] == SMALL
    # 8B and 8C are on their own results pages: hiding them here would protect nothing.
    assert result.status[group_key("8B")] == SHOWN
    assert result.withheld == {1}
    assert result.counts[unit_key(8)] == 52


def test_classes_without_answers_say_so_and_hidden_levels_are_not_cells():
    result = protect({"8A": 8, "8B": 8}, [LeafCount("8A", 1, 30)], 10, show_groups=False)
    assert result.status[group_key("8B")] == NOT_SHOWN_HERE
    assert result.status[unit_key(8)] == SHOWN
    empty = protect({"8A": 8}, [], 10)
    assert empty.status[group_key("8A")] == NO_ANSWERS
    assert empty.status[SCHOOL] == NO_ANSWERS


@pytest.mark.parametrize(
    "leaves, message",
    [
        ([LeafCount("9Z", 1, 3)], "unknown class"),
        ([LeafCount("8A", 1, 3), LeafCount("8A", 1, 4)], "unique"),
        ([LeafCount("8A", 1, -1)], "negative"),
    ],
)
def test_malformed_tables_are_refused(leaves, message):
    with pytest.raises(ValueError, match=message):
        protect({"8A": 8}, leaves, 10)


# ------------------------------------------------------------------ the property


def _in_span(basis: list[tuple[int, list[Fraction]]], vector: list[Fraction]) -> bool:
    vector = list(vector)
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot]
            vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
    return not any(vector)


def _echelon(vectors: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    basis: list[tuple[int, list[Fraction]]] = []
    for vector in vectors:
        for pivot, row in basis:
            if vector[pivot]:
                factor = vector[pivot]
                vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
        pivot = next((i for i, v in enumerate(vector) if v), None)
        if pivot is None:
            continue
        vector = [v / vector[pivot] for v in vector]
        basis = [
            (p, [r - row[pivot] * v for r, v in zip(row, vector, strict=True)]) for p, row in basis
        ]
        basis.append((pivot, vector))
    return basis


def disclosed_small_groups(groups, leaves, threshold, result):
    """Every set of check-ins with 1..threshold-1 answers that published cells reveal."""
    live = [leaf for leaf in leaves if leaf.count > 0]
    position = {leaf.leaf: i for i, leaf in enumerate(live)}

    def vector(members):
        row = [Fraction(0)] * len(live)
        for leaf in members:
            row[position[leaf.leaf]] = Fraction(1)
        return row

    published = []
    for key, status in result.status.items():
        if status != SHOWN:
            continue
        members = [
            leaf
            for leaf in live
            if result.counted(leaf.leaf)
            and (
                key == SCHOOL
                or (key[0] == "unit" and groups[leaf.group] == key[1])
                or (key[0] == "group" and leaf.group == key[1])
            )
        ]
        # The cell's published count is exactly the sum of what it counts.
        assert result.counts[key] == sum(leaf.count for leaf in members)
        assert result.counts[key] >= threshold
        published.append(vector(members))
    for leaf in live:
        if leaf.shown_alone and leaf.count >= threshold:
            published.append(vector([leaf]))  # the check-in's own results page
    basis = _echelon(published)
    small = [leaf for leaf in live if leaf.count < threshold]
    found = []
    for size in range(1, len(small) + 1):
        for chosen in combinations(small, size):
            total = sum(leaf.count for leaf in chosen)
            if total < threshold and _in_span(basis, vector(chosen)):
                found.append(([leaf.leaf for leaf in chosen], total))
    return found


@st.composite
def schools(draw):
    threshold = draw(st.integers(min_value=1, max_value=15))
    units = draw(st.integers(min_value=1, max_value=3))
    groups = {}
    leaves = []
    leaf_id = 0
    for unit in range(units):
        for index in range(draw(st.integers(min_value=1, max_value=3))):
            group = f"{unit}-{index}"
            groups[group] = unit
            for _ in range(draw(st.integers(min_value=0, max_value=2))):
                if len(leaves) >= 10:
                    break
                count = draw(
                    st.one_of(
                        st.integers(min_value=0, max_value=threshold - 1),
                        st.integers(min_value=0, max_value=40),
                    )
                )
                leaves.append(LeafCount(group, leaf_id, count, shown_alone=draw(st.booleans())))
                leaf_id += 1
    return groups, leaves, threshold, draw(st.booleans())


@settings(max_examples=400, deadline=None)
@given(schools())
def test_no_published_cell_total_or_difference_reveals_a_small_group(school):
    groups, leaves, threshold, show_groups = school
    result = protect(groups, leaves, threshold, show_groups=show_groups)
    assert disclosed_small_groups(groups, leaves, threshold, result) == []
    # Only small check-ins are ever left out, and only when nothing else can hide them.
    for leaf in leaves:
        if leaf.leaf in result.withheld:
            assert leaf.count < threshold
            assert not (leaf.shown_alone and leaf.count >= threshold)


@settings(max_examples=200, deadline=None)
@given(schools())
def test_large_enough_groups_are_never_hidden_without_a_reason(school):
    groups, leaves, threshold, show_groups = school
    result = protect(groups, leaves, threshold, show_groups=show_groups)
    if all(leaf.count == 0 or leaf.count >= threshold for leaf in leaves):
        assert not result.withheld
        assert COMPLEMENTARY not in result.status.values()
        assert SMALL not in result.status.values()
    for key, status in result.status.items():
        raw = sum(
            leaf.count
            for leaf in leaves
            if key == SCHOOL
            or (key[0] == "unit" and groups[leaf.group] == key[1])
            or (key[0] == "group" and leaf.group == key[1])
        )
        if status == SMALL:
            assert 0 < raw < threshold
        if status == SHOWN:
            assert result.counts[key] >= threshold


def test_the_checker_catches_the_naive_rule():
    """The brute-force checker finds the leak the naive rule leaves (two small classes)."""
    groups = {"8A": 8, "8B": 8, "8C": 8}
    leaves = [
        LeafCount("8A", 1, 4, shown_alone=False),
        LeafCount("8B", 2, 3, shown_alone=False),
        LeafCount("8C", 3, 40, shown_alone=False),
    ]

    naive = Protection(  # suppress the small ones only, publish everything else
        threshold=10,
        status={
            group_key("8A"): SMALL,
            group_key("8B"): SMALL,
            group_key("8C"): SHOWN,
            unit_key(8): SHOWN,
            SCHOOL: SHOWN,
        },
        counts={group_key("8C"): 40, unit_key(8): 47, SCHOOL: 47},
        withheld=frozenset(),
        unit_of=groups,
    )
    assert disclosed_small_groups(groups, leaves, 10, naive) == [([1, 2], 7)]
