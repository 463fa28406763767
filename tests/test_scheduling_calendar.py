"""The school calendar and laying out lessons: table-driven, straight against the services."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cmt_schools.core.services import ServiceError
from cmt_schools.extensions import db
from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import Closure, Term
from cmt_schools.scheduling.services import Period, SchoolCalendar

from .scheduling_fixtures import england_calendar

KS3 = services.programme_lessons("ks3")


def lay_out(calendar, first_day, weekdays=(0,), count=3, today=date(2026, 9, 1)):
    plan = services.lay_out_schedule(
        calendar,
        KS3[:count],
        first_day=first_day,
        weekdays=weekdays,
        starts_at=time(9, 0),
        minutes=50,
        today=today,
    )
    return [lesson.day for lesson in plan.lessons]


SUMMER_2027 = Period("Summer 2027", date(2027, 4, 12), date(2027, 7, 21))


@pytest.mark.parametrize(
    "case, calendar, first_day, weekdays, expected",
    [
        (
            "a schedule starting before half-term skips the break",
            england_calendar(),
            date(2026, 10, 12),
            (0,),
            [date(2026, 10, 12), date(2026, 10, 19), date(2026, 11, 2)],
        ),
        (
            "a bank holiday Monday (May Day) moves to the next Monday slot",
            SchoolCalendar([SUMMER_2027]),
            date(2027, 4, 26),
            (0,),
            [date(2027, 4, 26), date(2027, 5, 10), date(2027, 5, 17)],
        ),
        (
            "Easter Monday in term moves on too",
            SchoolCalendar([Period("Spring", date(2027, 3, 1), date(2027, 4, 30))]),
            date(2027, 3, 22),
            (0,),
            [date(2027, 3, 22), date(2027, 4, 5), date(2027, 4, 12)],
        ),
        (
            "a first date mid-week starts on the next chosen weekday",
            england_calendar(),
            date(2026, 9, 2),
            (3,),
            [date(2026, 9, 3), date(2026, 9, 10), date(2026, 9, 17)],
        ),
        (
            "two weekdays give two lessons a week, in order",
            england_calendar(),
            date(2026, 10, 19),
            (1, 3),
            [date(2026, 10, 20), date(2026, 10, 22), date(2026, 11, 3)],
        ),
        (
            "the gap between terms is skipped",
            england_calendar(),
            date(2026, 12, 14),
            (0,),
            [date(2026, 12, 14), date(2027, 1, 4), date(2027, 1, 11)],
        ),
        (
            "an INSET day is skipped",
            england_calendar(Period("INSET day", date(2026, 9, 14), date(2026, 9, 14), "inset")),
            date(2026, 9, 7),
            (0,),
            [date(2026, 9, 7), date(2026, 9, 21), date(2026, 9, 28)],
        ),
        (
            "a snow day over a week is skipped",
            england_calendar(Period("Snow", date(2026, 12, 1), date(2026, 12, 4), "snow")),
            date(2026, 11, 26),
            (3,),
            [date(2026, 11, 26), date(2026, 12, 10), date(2026, 12, 17)],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_lessons_are_laid_on_school_days_in_order(case, calendar, first_day, weekdays, expected):
    assert lay_out(calendar, first_day, weekdays, count=len(expected)) == expected


@pytest.mark.parametrize(
    "day, england, scotland",
    [
        (date(2026, 1, 2), True, False),  # Scotland's 2 January
        (date(2026, 11, 30), True, False),  # St Andrew's Day (a Monday in 2026)
        (date(2026, 8, 3), True, False),  # Scotland's summer bank holiday: first Monday
        (date(2026, 8, 31), False, True),  # England's: last Monday in August
        (date(2026, 4, 6), False, True),  # Easter Monday is not a Scottish bank holiday
        (date(2026, 4, 3), False, False),  # Good Friday is everywhere
        (date(2026, 12, 28), False, False),  # Boxing Day, moved off the weekend
    ],
)
def test_england_and_scotland_bank_holidays_differ(day, england, scotland):
    whole_year = [Period("All year", date(2026, 1, 1), date(2026, 12, 31))]
    assert SchoolCalendar(whole_year, nation="england").is_school_day(day) is england
    assert SchoolCalendar(whole_year, nation="scotland").is_school_day(day) is scotland
    assert services.is_school_day(day, SchoolCalendar(whole_year, nation="scotland")) is scotland


@pytest.mark.parametrize(
    "nation, day, school_day",
    [
        ("northern_ireland", date(2026, 3, 17), False),  # St Patrick's Day
        ("england", date(2026, 3, 17), True),
        ("northern_ireland", date(2026, 7, 13), False),  # the Twelfth, observed
        ("wales", date(2026, 8, 31), False),
        ("wales", date(2026, 1, 2), True),
    ],
)
def test_each_nation_has_its_own_bank_holidays(nation, day, school_day):
    whole_year = [Period("All year", date(2026, 1, 1), date(2026, 12, 31))]
    assert SchoolCalendar(whole_year, nation=nation).is_school_day(day) is school_day


@pytest.mark.parametrize(
    "day, reason",
    [
        (date(2026, 10, 24), "is a weekend"),
        (date(2026, 10, 27), "is a closure: Autumn half-term"),
        (date(2026, 8, 31), "is not in any term"),
        (date(2026, 12, 25), "is not in any term"),
        (date(2026, 9, 7), None),
    ],
)
def test_why_a_day_is_not_a_school_day(day, reason):
    found = england_calendar().why_not_school_day(day)
    if reason is None:
        assert found is None
    else:
        assert reason in found


def test_a_bank_holiday_inside_a_term_gives_its_name():
    calendar = SchoolCalendar([SUMMER_2027])
    assert "bank holiday (May Day)" in calendar.why_not_school_day(date(2027, 5, 3))


@pytest.mark.parametrize(
    "first_day, weekdays, count, message",
    [
        (date(2026, 8, 20), (0,), 3, "is not in any term"),
        (date(2026, 10, 27), (0,), 3, None),  # inside half-term, still inside the term: fine
        (date(2027, 3, 1), (0,), 8, "Only 4 of the 8 lessons fit"),
        (date(2026, 9, 7), (), 3, "at least one weekday"),
        (date(2026, 9, 7), (5,), 3, "Monday to Friday"),
    ],
)
def test_a_plan_that_cannot_be_laid_is_refused_with_the_reason(first_day, weekdays, count, message):
    if message is None:
        assert lay_out(england_calendar(), first_day, weekdays, count)[0] == date(2026, 11, 2)
        return
    with pytest.raises(ServiceError, match=message):
        lay_out(england_calendar(), first_day, weekdays, count)


def test_a_plan_with_past_days_or_two_terms_is_warned_about():
    plan = services.lay_out_schedule(
        england_calendar(),
        KS3,
        first_day=date(2026, 11, 9),
        weekdays=(0,),
        starts_at=time(9, 0),
        minutes=50,
        today=date(2026, 11, 20),
    )
    assert any(
        "2 of these lessons are on days that have already passed" in w for w in plan.warnings
    )
    assert any("more than one term" in w for w in plan.warnings)


@settings(max_examples=60, deadline=None)
@given(
    offset=st.integers(min_value=0, max_value=60),
    weekdays=st.sets(st.integers(min_value=0, max_value=4), min_size=1, max_size=5),
    closure_start=st.integers(min_value=0, max_value=90),
    closure_length=st.integers(min_value=0, max_value=9),
)
def test_a_lesson_is_never_laid_on_a_closure_or_a_holiday(
    offset, weekdays, closure_start, closure_length
):
    first = date(2026, 9, 2) + timedelta(days=closure_start)
    closure = Period("Closure", first, first + timedelta(days=closure_length), "other")
    calendar = england_calendar(closure)
    days = lay_out(calendar, date(2026, 9, 2) + timedelta(days=offset), tuple(weekdays), 8)
    assert days == sorted(set(days)), "one lesson a day, in order"
    for day in days:
        assert calendar.is_school_day(day)
        assert not closure.contains(day)
        assert day.weekday() in weekdays


@pytest.mark.parametrize("nation", ["england", "wales", "scotland", "northern_ireland"])
@pytest.mark.parametrize("start_year", [2025, 2026, 2027, 2030])
def test_the_usual_school_year_has_three_terms_with_half_terms_inside(nation, start_year):
    year = services.suggest_school_year(start_year, nation)
    assert [t.name.split()[0] for t in year.terms] == ["Autumn", "Spring", "Summer"]
    for earlier, later in zip(year.terms, year.terms[1:], strict=False):
        assert earlier.last_day < later.first_day
    for term, closure in zip(year.terms, year.closures, strict=True):
        assert term.first_day < closure.first_day <= closure.last_day < term.last_day
    for term in year.terms:
        assert term.first_day.weekday() < 5 and term.last_day.weekday() < 5
        assert 40 < (term.last_day - term.first_day).days < 150


def test_the_usual_english_year_matches_a_familiar_shape():
    year = services.suggest_school_year(2026, "england")
    autumn, spring, summer = year.terms
    assert autumn.first_day == date(2026, 9, 1)
    assert year.closures[0].first_day == date(2026, 10, 26)  # the last week of October
    assert autumn.last_day == date(2026, 12, 18)
    assert spring.first_day == date(2027, 1, 4)
    assert summer.last_day == date(2027, 7, 22)


# ---------------------------------------------------------------- saved term dates


@pytest.fixture
def lead(make_lead):
    return make_lead()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


BAD_TERMS = [
    ("Overlap", date(2026, 12, 1), date(2027, 1, 8), "overlap Autumn 2026"),
    ("Inside", date(2026, 10, 1), date(2026, 10, 9), "overlap Autumn 2026"),
    ("Backwards", date(2027, 5, 1), date(2027, 4, 1), "is before the first day"),
    ("", date(2027, 4, 12), date(2027, 7, 21), "Give the term a name"),
    ("x" * 61, date(2027, 4, 12), date(2027, 7, 21), "60 characters"),
    ("Long", date(2027, 1, 4), date(2027, 12, 1), "six months"),
    ("Far", date(1990, 1, 4), date(1990, 3, 1), "between 2000 and 2100"),
]


def test_bad_terms_are_refused_and_nothing_is_saved(lead):
    services.add_term(
        lead.school,
        name="Autumn 2026",
        first_day=date(2026, 9, 2),
        last_day=date(2026, 12, 18),
        user=lead,
    )
    for name, first_day, last_day, message in BAD_TERMS:
        with pytest.raises(ServiceError, match=message):
            services.add_term(
                lead.school, name=name, first_day=first_day, last_day=last_day, user=lead
            )
        db.session.rollback()
        assert count(Term) == 1, name


CLOSURES_OUTSIDE_TERMS = [
    (date(2026, 8, 20), date(2026, 8, 21), "must fall inside one term"),
    (date(2026, 12, 17), date(2027, 1, 5), "must fall inside one term"),
    (date(2026, 12, 21), None, "must fall inside one term"),
    (date(2026, 10, 30), date(2026, 10, 26), "is before the first day"),
]


def test_a_closure_outside_every_term_is_refused(lead):
    services.add_term(
        lead.school,
        name="Autumn 2026",
        first_day=date(2026, 9, 2),
        last_day=date(2026, 12, 18),
        user=lead,
    )
    for first_day, last_day, message in CLOSURES_OUTSIDE_TERMS:
        with pytest.raises(ServiceError, match=message):
            services.add_closure(
                lead.school,
                name="Closure",
                kind="inset",
                first_day=first_day,
                last_day=last_day,
                user=lead,
            )
        db.session.rollback()
        assert count(Closure) == 0, first_day


def test_a_term_cannot_shrink_away_from_its_closures(lead):
    term = services.add_term(
        lead.school,
        name="Autumn 2026",
        first_day=date(2026, 9, 2),
        last_day=date(2026, 12, 18),
        user=lead,
    )
    services.add_closure(
        lead.school,
        name="Half-term",
        kind="half_term",
        first_day=date(2026, 10, 26),
        last_day=date(2026, 10, 30),
        user=lead,
    )
    with pytest.raises(ServiceError, match="Half-term"):
        services.update_term(
            term, name="Autumn", first_day=date(2026, 9, 2), last_day=date(2026, 10, 20), user=lead
        )
    db.session.rollback()
    assert db.session.get(Term, term.id).last_day == date(2026, 12, 18)
    assert services.delete_term(db.session.get(Term, term.id), user=lead) == 1
    assert count(Closure) == 0


def test_saving_a_school_year_is_all_or_nothing(lead):
    year = services.suggest_school_year(2026, "england")
    terms = [(t.name, t.first_day, t.last_day) for t in year.terms]
    closures = [(c.name, c.kind, c.first_day, c.last_day) for c in year.closures]
    bad = [*closures, ("Trip", "trip", date(2027, 8, 10), None)]
    with pytest.raises(ServiceError, match="Closure 4: A closure must fall inside one term"):
        services.save_school_year(lead.school, terms=terms, closures=bad, user=lead)
    assert count(Term) == 0 and count(Closure) == 0
    assert services.save_school_year(lead.school, terms=terms, closures=closures, user=lead) == (
        3,
        3,
    )
    assert services.coming_school_year(lead.school.id, date(2026, 11, 1)) == 2027
