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


@settings(max_examples=400, deadline=None)
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


# ---------------------------------------------------------------- end to end, over random trusts


@st.composite
def trust_layouts(draw):
    """Schools of classes (year group, answers at the start of term), one check-in each."""
    schools = draw(st.integers(1, 3))
    return [
        draw(
            st.lists(
                st.tuples(
                    st.sampled_from([5, 6, 7, 8]), st.one_of(st.integers(1, 9), st.integers(10, 30))
                ),
                min_size=1,
                max_size=3,
            )
        )
        for _ in range(schools)
    ]


def test_a_random_trust_summary_gives_no_small_set_away(app, make_school, make_teacher):
    """Through the database and the real summary: the published start-of-term answer counts
    of every total (the trust, each school, each key stage and year group) let no set of the
    schools' counted cells with 1 to threshold-1 answers be worked out."""
    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    from cmt_schools.reports import synthetic
    from cmt_schools.reports.services import summarise_term
    from cmt_schools.scheduling.models import band_for_year
    from cmt_schools.trusts import services as trusts

    from .checkins_fixtures import exact_noise
    from .reports_fixtures import TODAY, add_checkin, make_class, make_term

    @hypothesis_settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(trust_layouts())
    def check(layout):
        import random
        from datetime import date

        trust = trusts.create_trust("Random Trust")
        expected_cells: dict[tuple, int] = {}
        for classes in layout:
            school = make_school()
            teacher = make_teacher(school)
            term = make_term(school)
            made = []
            for number, (year, n) in enumerate(classes):
                school_class = make_class(school, teacher, f"C{number}", year)
                answers = synthetic.term_answers(random.Random(n), n)
                add_checkin(school_class, "baseline", date(2026, 9, 15), answers, noise=exact_noise)
                made.append((school_class, year, n))
            trusts.add_school_to_trust(trust, school, sees_from=date(2026, 9, 1))
            own = summarise_term(school, term, today=TODAY)
            for school_class, year, n in made:
                group = next(g for g in own.classes if g.label == school_class.name)
                if not group.not_counted["baseline"]:  # the school's own table counts it
                    key = (school.id, band_for_year(year), year)
                    expected_cells[key] = expected_cells.get(key, 0) + n
        found = trusts.summary_for(trust, trusts.terms_of_trust(trust.id)[0], today=TODAY)
        cells = [TrustCell(s, band, year, n) for (s, band, year), n in expected_cells.items()]
        status = {group.key: group.answers["baseline"].status for group in found.groups()}
        assert recoverable_small_sets(cells, status, found.threshold) == []
        for group in found.groups():
            figure = group.answers["baseline"]
            if figure.shown:
                inside = sum(c.count for c in cells if group.key in c.totals())
                assert figure.n == inside >= found.threshold

    check()
