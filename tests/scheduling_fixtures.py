"""Helpers for the scheduling tests: a school with terms, closures and a scheduled class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest

from cmt_schools.core.dates import school_today
from cmt_schools.scheduling import services
from cmt_schools.scheduling.services import Period, SchoolCalendar

# England 2026-27, roughly as a local authority would set it.
AUTUMN_2026 = ("Autumn 2026", date(2026, 9, 2), date(2026, 12, 18))
AUTUMN_HALF_TERM = ("Autumn half-term", "half_term", date(2026, 10, 26), date(2026, 10, 30))
SPRING_2027 = ("Spring 2027", date(2027, 1, 4), date(2027, 3, 26))


def england_calendar(*closures: Period, nation: str = "england") -> SchoolCalendar:
    return SchoolCalendar(
        [Period(*AUTUMN_2026), Period(*SPRING_2027)],
        [
            Period(AUTUMN_HALF_TERM[0], AUTUMN_HALF_TERM[2], AUTUMN_HALF_TERM[3], "half_term"),
            *closures,
        ],
        nation,
    )


@dataclass
class ScheduledSchool:
    school: object
    lead: object
    teacher: object
    other_teacher: object
    school_class: object

    def reload(self):
        from cmt_schools.extensions import db

        db.session.rollback()
        db.session.refresh(self.school_class)
        return self.school_class

    def other_teachers_class(self, name: str, year_group: int, *, weekday: int | None = None):
        """A class of the other teacher, made by the lead; its programme laid out on
        `weekday` (0 is Monday) from 7 September 2026 if given."""
        school_class = services.create_class(
            self.school,
            name=name,
            year_group=year_group,
            band_override=None,
            teacher_id=self.other_teacher.id,
            user=self.lead,
        )
        if weekday is not None:
            schedule_class(school_class, self.other_teacher, weekdays=(weekday,))
        return school_class


def add_calendar(school, lead) -> None:
    for name, first_day, last_day in (AUTUMN_2026, SPRING_2027):
        services.add_term(school, name=name, first_day=first_day, last_day=last_day, user=lead)
    services.add_closure(
        school,
        name=AUTUMN_HALF_TERM[0],
        kind=AUTUMN_HALF_TERM[1],
        first_day=AUTUMN_HALF_TERM[2],
        last_day=AUTUMN_HALF_TERM[3],
        user=lead,
    )


def add_term_around_today(
    school,
    lead,
    *,
    days_before: int,
    days_after: int,
    name: str = "This term",
    half_term_after: int | None = None,
) -> tuple[date, date]:
    """A term around the school's real today, for pages that show "this week and next": from
    `days_before` days before this week's Monday to `days_after` days after it, with a
    half-term of Monday to Friday `half_term_after` days after that Monday if given.
    Returns today and this week's Monday."""
    today = school_today(school)
    monday = today - timedelta(days=today.weekday())
    services.add_term(
        school,
        name=name,
        first_day=monday - timedelta(days=days_before),
        last_day=monday + timedelta(days=days_after),
        user=lead,
    )
    if half_term_after is not None:
        services.add_closure(
            school,
            name="Half-term",
            kind="half_term",
            first_day=monday + timedelta(days=half_term_after),
            last_day=monday + timedelta(days=half_term_after + 4),
            user=lead,
        )
    return today, monday


def schedule_class(
    school_class,
    user,
    *,
    first_day=date(2026, 9, 7),
    weekdays=(0,),
    starts_at=time(9, 0),
    today=date(2026, 9, 1),
):
    return services.schedule_programme(
        school_class,
        lesson_keys=services.programme_lessons(school_class.band),
        first_day=first_day,
        weekdays=list(weekdays),
        starts_at=starts_at,
        minutes=50,
        today=today,
        user=user,
    )


@pytest.fixture(name="scheduled_school")
def scheduled_school_fixture(make_school, make_lead, make_teacher) -> ScheduledSchool:
    """An English school with autumn and spring terms, an autumn half-term, and class 8B of
    a teacher with the eight KS3 lessons on Mondays at 09:00 from 7 September 2026."""
    school = make_school()
    lead = make_lead(school)
    teacher = make_teacher(school)
    other = make_teacher(school)
    add_calendar(school, lead)
    school_class = services.create_class(
        school, name="8B", year_group=8, band_override=None, teacher_id=teacher.id, user=teacher
    )
    schedule_class(school_class, teacher)
    return ScheduledSchool(school, lead, teacher, other, school_class)
