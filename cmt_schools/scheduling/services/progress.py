"""How far each class has come: its plan rows and its progress through the programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...accounts.models import School
from ...curriculum.schema import Lesson
from ...extensions import db
from ..models import LessonOccurrence, SchoolClass
from .calendar import SchoolCalendar, load_calendar
from .classes import lesson_for, lesson_label, plan_loading


@dataclass
class PlanRow:
    occurrence: LessonOccurrence
    lesson: Lesson | None
    problem: str | None  # why a lesson still to teach now sits on a day with no school

    @property
    def label(self) -> str:
        return lesson_label(self.occurrence.lesson_key)


def plan_rows(school_class: SchoolClass, calendar: SchoolCalendar) -> list[PlanRow]:
    rows = []
    for occurrence in school_class.occurrences:
        problem = None
        if occurrence.status == "scheduled":
            problem = calendar.why_not_school_day(occurrence.scheduled_on)
        rows.append(PlanRow(occurrence, lesson_for(occurrence.lesson_key), problem))
    return rows


@dataclass
class ClassProgress:
    school_class: SchoolClass
    planned: int  # every lesson in the plan that is not cancelled
    delivered: int
    skipped: int
    upcoming: int  # still to teach, today or later
    overdue: int  # still marked to teach, but the day has passed
    misplaced: int  # still to teach, but on a day that is no longer a school day
    next_lesson: LessonOccurrence | None

    @property
    def state(self) -> str:
        if self.planned == 0:
            return "Not scheduled"
        if self.overdue or self.misplaced:
            return "Behind"
        if self.upcoming == 0:
            return "Finished"
        return "On track"

    @property
    def percent_delivered(self) -> int:
        return round(100 * self.delivered / self.planned) if self.planned else 0


def class_progress(
    school_class: SchoolClass, calendar: SchoolCalendar, *, today: date
) -> ClassProgress:
    occurrences = school_class.occurrences
    to_teach = [o for o in occurrences if o.status == "scheduled"]
    upcoming = sorted(
        (o for o in to_teach if o.scheduled_on >= today), key=lambda o: o.scheduled_on
    )
    return ClassProgress(
        school_class=school_class,
        planned=sum(1 for o in occurrences if o.status != "cancelled"),
        delivered=sum(1 for o in occurrences if o.status == "delivered"),
        skipped=sum(1 for o in occurrences if o.status == "skipped"),
        upcoming=len(upcoming),
        overdue=sum(1 for o in to_teach if o.scheduled_on < today),
        misplaced=sum(1 for o in upcoming if not calendar.is_school_day(o.scheduled_on)),
        next_lesson=upcoming[0] if upcoming else None,
    )


def programme_progress(school: School, *, today: date) -> list[ClassProgress]:
    """Every active class of the school and how far it has come through the programme."""
    calendar = load_calendar(school)
    classes = db.session.scalars(
        select(SchoolClass)
        .where(SchoolClass.school_id == school.id, SchoolClass.archived.is_(False))
        .options(*plan_loading())
        .order_by(SchoolClass.year_group, SchoolClass.name)
    )
    return [class_progress(c, calendar, today=today) for c in classes]
