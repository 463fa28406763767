"""checkins.scoring: answers 1-5 to the two indices on 0-100, and the tallies results use."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmt_schools.checkins.scoring import (
    ITEM_MEASURES,
    self_compassion_index,
    tally,
    to_percent_scale,
    worry_index,
)


@pytest.mark.parametrize(
    ("mean", "percent"), [(1, 0), (2, 25), (2.5, 37.5), (3, 50), (4.5, 87.5), (5, 100)]
)
def test_the_percent_scale_runs_from_1_as_0_to_5_as_100(mean, percent):
    assert to_percent_scale(mean) == percent


@pytest.mark.parametrize(
    ("w1", "w2", "index"),
    [(1, 1, 0), (5, 5, 100), (2, 3, 37.5), (4, 1, 37.5), (3, 3, 50)],
)
def test_the_worry_index_is_the_mean_of_w1_and_w2(w1, w2, index):
    assert worry_index(w1, w2) == index


@pytest.mark.parametrize(
    ("c1", "c2", "index"),
    [
        (5, 1, 100),  # very kind to myself, never hard on myself
        (1, 5, 0),
        (3, 3, 50),
        (4, 2, 75),
        (5, 5, 50),  # C2 is reverse-scored: 5 and 6 - 5 = 1
    ],
)
def test_the_self_compassion_index_reverse_scores_c2(c1, c2, index):
    assert self_compassion_index(c1, c2) == index


@pytest.mark.parametrize("pair", [(None, 3), (3, None), (None, None)])
def test_an_index_needs_both_of_its_items(pair):
    assert worry_index(*pair) is None
    assert self_compassion_index(*pair) is None


def test_tally_counts_items_on_1_to_5_and_indices_on_0_to_100():
    counts = tally(
        [
            {"w1": 2, "w2": 3, "c1": 4, "c2": 2, "s1": 5, "g1": 4},
            {"w1": 2, "w2": None, "c1": 4, "c2": 2},
            {"right_now": 1},
            {},
        ]
    )
    assert counts == Counter(
        {
            ("w1", 2.0): 2,
            ("w2", 3.0): 1,
            ("c1", 4.0): 2,
            ("c2", 2.0): 2,
            ("s1", 5.0): 1,
            ("g1", 4.0): 1,
            ("right_now", 1.0): 1,
            ("worry", 37.5): 1,  # the second set skipped W2: no worry index for it
            ("self_compassion", 75.0): 2,
        }
    )


def test_tally_ignores_keys_that_are_not_measures():
    assert tally([{"w1": 3, "submitted_at": 5, "name": 2}]) == Counter({("w1", 3.0): 1})


answer = st.one_of(st.none(), st.integers(1, 5))
answer_set = st.fixed_dictionaries(dict.fromkeys(ITEM_MEASURES, answer))


@given(st.lists(answer_set, max_size=40))
def test_tallies_add_up_to_the_answer_sets(answer_sets):
    counts = tally(answer_sets)
    for item in ITEM_MEASURES:
        answered = [a[item] for a in answer_sets if a[item] is not None]
        assert sum(n for (m, _), n in counts.items() if m == item) == len(answered)
        assert sum(v * n for (m, v), n in counts.items() if m == item) == sum(answered)
    both_worry = [a for a in answer_sets if a["w1"] is not None and a["w2"] is not None]
    both_kind = [a for a in answer_sets if a["c1"] is not None and a["c2"] is not None]
    assert sum(n for (m, _), n in counts.items() if m == "worry") == len(both_worry)
    assert sum(n for (m, _), n in counts.items() if m == "self_compassion") == len(both_kind)
    assert all(0 <= v <= 100 for (m, v) in counts if m in ("worry", "self_compassion"))
    assert all(1 <= v <= 5 for (m, v) in counts if m in ITEM_MEASURES)
