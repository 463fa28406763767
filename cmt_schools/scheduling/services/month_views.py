"""What the calendar pages show: lessons in a window, month grids, the term to show."""

from __future__ import annotations

import calendar as calendar_module
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...accounts.models import User
from ...core.dates import months_between
from ...extensions import db
from ..models import LessonOccurrence, SchoolClass
from .calendar import Period, SchoolCalendar


def week_window(today: date) -> tuple[date, date]:
    """Monday of this week to Sunday of next week."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=13)


def lessons_between(
    user: User, first: date, last: date, *, class_id: int | None = None, own_only: bool = True
) -> list[LessonOccurrence]:
    """The user's lessons (or, for `own_only=False`, the school's) from `first` to `last`,
    in date and time order, archived classes left out, each with its class and the class's
    teacher loaded alongside (the pages name both; one statement each, not one a class)."""
    statement = (
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .options(selectinload(LessonOccurrence.school_class).selectinload(SchoolClass.teacher))
        .where(
            LessonOccurrence.school_id == user.school_id,
            SchoolClass.archived.is_(False),
            LessonOccurrence.scheduled_on.between(first, last),
        )
        .order_by(LessonOccurrence.scheduled_on, LessonOccurrence.starts_at, SchoolClass.name)
    )
    if own_only:
        statement = statement.where(SchoolClass.teacher_id == user.id)
    if class_id is not None:
        statement = statement.where(SchoolClass.id == class_id)
    return list(db.session.scalars(statement))


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    term: Period | None
    closure: Period | None
    bank_holiday: str | None
    lessons: list[LessonOccurrence]

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def is_school_day(self) -> bool:
        return (
            not self.is_weekend
            and self.term is not None
            and not self.closure
            and not self.bank_holiday
        )


@dataclass
class MonthGrid:
    year: int
    month: int
    weeks: list[list[CalendarDay]]

    @property
    def title(self) -> str:
        return date(self.year, self.month, 1).strftime("%B %Y")


def month_grid(
    calendar: SchoolCalendar, year: int, month: int, occurrences: Iterable[LessonOccurrence]
) -> MonthGrid:
    """A Monday-first month grid with terms, closures, bank holidays and lessons per day."""
    by_day: dict[date, list[LessonOccurrence]] = {}
    for occurrence in occurrences:
        by_day.setdefault(occurrence.scheduled_on, []).append(occurrence)
    weeks = []
    for week in calendar_module.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                CalendarDay(
                    day=day,
                    in_month=day.month == month,
                    term=calendar.term_for(day),
                    closure=calendar.closure_for(day),
                    bank_holiday=calendar.bank_holiday(day),
                    lessons=sorted(by_day.get(day, []), key=lambda o: o.starts_at),
                )
                for day in week
            ]
        )
    return MonthGrid(year, month, weeks)


def term_to_show(
    calendar: SchoolCalendar, today: date, term_id: int | None = None
) -> Period | None:
    """The term asked for, else the one under way, else the next, else the last."""
    if term_id is not None:
        return next((t for t in calendar.terms if t.id == term_id), None)
    current = calendar.term_for(today)
    if current:
        return current
    upcoming = [t for t in calendar.terms if t.first_day > today]
    if upcoming:
        return upcoming[0]
    return calendar.terms[-1] if calendar.terms else None


def term_calendar(
    calendar: SchoolCalendar, term: Period, occurrences: Iterable[LessonOccurrence]
) -> list[MonthGrid]:
    occurrences = list(occurrences)
    return [
        month_grid(calendar, year, month, occurrences)
        for year, month in months_between(term.first_day, term.last_day)
    ]


# ---------------------------------------------------------------- the dashboard's fortnight


@dataclass
class DashboardDay:
    day: date
    lessons: list[LessonOccurrence]
    note: str | None  # why there is no school, in a few words ("Half-term", "no term")
    closed: str | None  # the same as a sentence, for a lesson that sits on such a day


@dataclass
class DashboardWeek:
    label: str  # "This week", "Next week"
    first: date
    days: list[DashboardDay]

    @property
    def lesson_count(self) -> int:
        return sum(len(day.lessons) for day in self.days)

    @property
    def closed_spans(self) -> list[tuple[date, date, str]]:
        """Runs of weekdays with the same reason for no school: (first, last, reason)."""
        spans: list[tuple[date, date, str]] = []
        for day in self.days:
            if day.note is None:
                continue
            if spans and spans[-1][2] == day.note and (day.day - spans[-1][1]).days <= 3:
                spans[-1] = (spans[-1][0], day.day, day.note)
            else:
                spans.append((day.day, day.day, day.note))
        return spans


def dashboard_weeks(
    calendar: SchoolCalendar, lessons: Iterable[LessonOccurrence], today: date
) -> list[DashboardWeek]:
    """This week and next from the school's `today`: every weekday (and a weekend day with a
    lesson), its lessons, and why a day has no school. The programme page counts the same
    lessons, from the same rows, on the same day."""
    lessons = list(lessons)
    first, _ = week_window(today)
    weeks = []
    for label, start in (("This week", first), ("Next week", first + timedelta(days=7))):
        days = []
        for offset in range(7):
            day = start + timedelta(days=offset)
            todays = [o for o in lessons if o.scheduled_on == day]
            if day.weekday() < 5 or todays:
                days.append(
                    DashboardDay(
                        day, todays, _day_note(calendar, day), calendar.why_not_school_day(day)
                    )
                )
        weeks.append(DashboardWeek(label, start, days))
    return weeks


def _day_note(calendar: SchoolCalendar, day: date) -> str | None:
    """Why a weekday has no school, in a few words, or None."""
    if not calendar.terms or day.weekday() >= 5:
        return None
    if calendar.term_for(day) is None:
        return "no term"
    closure = calendar.closure_for(day)
    if closure is not None:
        return closure.name
    holiday = calendar.bank_holiday(day)
    return f"bank holiday ({holiday})" if holiday else None
