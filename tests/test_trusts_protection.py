"""The trust table's protection, checked by brute force over random trusts (Hypothesis).

The reader has every published total (the trust, each school, each key stage and year group
across schools) and may add and subtract them with any coefficients. A set of a trust's
cells (a school's answers in one year group) can be worked out exactly when its indicator
vector is a combination of the published totals' vectors. For random small trusts, every
set of non-empty cells is tried (exact rational arithmetic): each that can be worked out
must be empty or hold at least the threshold.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmt_schools.reports.protection import COMPLEMENTARY, SHOWN, SMALL
from cmt_schools.trusts.protection import TRUST, TrustCell, protect_trust, school_key

UNITS = (("ks2", 5), ("ks2", 6), ("ks3", 7), ("ks3", 8))


def rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    found = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[found][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def published_vectors(cells: list[TrustCell], status) -> list[list[Fraction]]:
    keys = [key for key, value in status.items() if value == SHOWN]
    return [[Fraction(int(key in cell.totals())) for cell in cells] for key in keys]


def recoverable_small_sets(cells: list[TrustCell], status, threshold: int) -> list[tuple]:
    """Every set of cells a reader can work out exactly that holds 1 to threshold-1 answers."""
    published = published_vectors(cells, status)
    base = rank(published) if published else 0
    found = []
    for size in range(1, len(cells) + 1):
        for chosen in combinations(range(len(cells)), size):
            total = sum(cells[i].count for i in chosen)
            if not 0 < total < threshold:
                continue
            target = [Fraction(int(i in chosen)) for i in range(len(cells))]
            if published and rank([*published, target]) == base:
                found.append(chosen)
    return found


@st.composite
def trusts(draw):
    schools = list(range(draw(st.integers(1, 4))))
    places = [(s, unit) for s in schools for unit in UNITS]
    chosen = draw(st.lists(st.sampled_from(places), min_size=1, max_size=9, unique=True))
    counts = draw(
        st.lists(
            st.one_of(st.integers(1, 9), st.integers(10, 40)),
            min_size=len(chosen),
            max_size=len(chosen),
        )
    )
    cells = [
        TrustCell(school, band, year, n)
        for (school, (band, year)), n in zip(chosen, counts, strict=True)
    ]
    return schools, cells, draw(st.sampled_from([5, 10]))


@settings(max_examples=300, deadline=None)
@given(trusts())
def test_no_small_set_of_cells_can_be_worked_out_from_the_trust_table(trust):
    schools, cells, threshold = trust
    result = protect_trust(schools, cells, threshold)
    assert recoverable_small_sets(cells, result.status, threshold) == []
    # Only totals at or above the threshold are published with answers.
    for key, status in result.status.items():
        if status == SHOWN:
            assert result.counts[key] >= threshold


def test_a_small_school_beside_a_large_one_is_not_the_trust_total_less_the_other():
    cells = [TrustCell("big", "ks3", 7, 40), TrustCell("small", "ks3", 7, 4)]
    result = protect_trust(["big", "small"], cells, 10)
    assert result.status[school_key("small")] == SMALL
    # Showing both the trust total and the large school would give the small one away.
    assert COMPLEMENTARY in {result.status[school_key("big")], result.status[TRUST]}
    assert recoverable_small_sets(cells, result.status, 10) == []


def test_a_year_group_in_one_school_only_cannot_be_cut_out_by_year_and_school():
    # School A: Year 7 (30) and a small Year 8 (3). School B: Year 7 (30).
    # Trust total less Year 7 would be A's Year 8 on its own.
    cells = [
        TrustCell("A", "ks3", 7, 30),
        TrustCell("A", "ks3", 8, 3),
        TrustCell("B", "ks3", 7, 30),
    ]
    result = protect_trust(["A", "B"], cells, 10)
    assert recoverable_small_sets(cells, result.status, 10) == []
    assert result.status[TRUST] == SHOWN


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        protect_trust(["A"], [TrustCell("A", "ks3", 7, -1)], 10)
    with pytest.raises(ValueError):
        protect_trust(["A"], [], 0)
