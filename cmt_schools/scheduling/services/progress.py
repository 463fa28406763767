"""How far each class has come: its plan rows and its progress through the programme."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from sqlalchemy import Date, Select, bindparam, case, func, select

from ...accounts.models import School
from ...curriculum.schema import Lesson
from ...extensions import db
from ..models import LessonOccurrence, SchoolClass
from .calendar import SchoolCalendar, load_calendar
from .classes import ListedClass, lesson_for, lesson_label, listed_classes


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


# The tag's class for each state (the progress_tag macro).
STATE_CSS = {
    "Not scheduled": "state-none",
    "Behind": "state-behind",
    "Finished": "state-done",
    "On track": "state-ok",
}


class PlanEntry(Protocol):
    """What progress reads of a lesson of the plan: a LessonOccurrence, or a plain row of
    the same columns (the pages that list every class read rows, not entities)."""

    status: str
    scheduled_on: date
    lesson_key: str


@dataclass
class ClassProgress:
    school_class: SchoolClass | ListedClass
    planned: int  # every lesson in the plan that is not cancelled
    delivered: int
    skipped: int
    upcoming: int  # still to teach, today or later
    overdue: int  # still marked to teach, but the day has passed
    misplaced: int  # still to teach, but on a day that is no longer a school day
    next_lesson: PlanEntry | None

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
    def state_css(self) -> str:
        return STATE_CSS[self.state]

    @property
    def percent_delivered(self) -> int:
        return round(100 * self.delivered / self.planned) if self.planned else 0


def class_progress(
    school_class: SchoolClass,
    calendar: SchoolCalendar,
    *,
    today: date,
    occurrences: Sequence[PlanEntry] | None = None,
) -> ClassProgress:
    """How far the class has come; `occurrences` are its lessons in the plan's order
    (its own `occurrences` when not given)."""
    if occurrences is None:
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


@cache
def _progress_statements() -> tuple[Select, Select]:
    """classes_progress's two statements, built once: building them (the CASE sums, the
    ids coerced one by one) cost more than running them on a small school. Their values
    are `class_ids` and `today`. Built when first asked for, once the mappers are ready."""
    of_classes = LessonOccurrence.class_id.in_(bindparam("class_ids", expanding=True))
    status, day = LessonOccurrence.status, LessonOccurrence.scheduled_on
    today = bindparam("today", type_=Date)

    def how_many(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    counted = (
        select(
            LessonOccurrence.class_id,
            how_many(status != "cancelled").label("planned"),
            how_many(status == "delivered").label("delivered"),
            how_many(status == "skipped").label("skipped"),
            how_many((status == "scheduled") & (day < today)).label("overdue"),
        )
        .where(of_classes)
        .group_by(LessonOccurrence.class_id)
    )
    to_come = (
        select(LessonOccurrence.class_id, status, day, LessonOccurrence.lesson_key)
        .where(of_classes, status == "scheduled", day >= today)
        # the plan's order among lessons on one day, as class_progress's stable sort keeps
        .order_by(LessonOccurrence.class_id, day, LessonOccurrence.position)
    )
    return counted, to_come


def classes_progress(
    classes: Iterable[SchoolClass | ListedClass], calendar: SchoolCalendar, *, today: date
) -> list[ClassProgress]:
    """Each class's progress, as `class_progress` counts it, in two statements for all the
    classes: the counts summed by the database, and only the lessons still to come read,
    as plain rows. Pages that list every class spent most of their time at 60 classes
    building an ORM entity for each of their lessons (about ten a class, more as a year's
    plan fills) only to count them."""
    classes = list(classes)
    if not classes:
        return []
    counted, to_come_statement = _progress_statements()
    values = {"class_ids": [c.id for c in classes], "today": today}
    counts = {row.class_id: row for row in db.session.execute(counted, values)}
    upcoming: dict[int, list[PlanEntry]] = defaultdict(list)
    for row in db.session.execute(to_come_statement, values):
        upcoming[row.class_id].append(row)
    progress = []
    for school_class in classes:
        count = counts.get(school_class.id)
        to_come = upcoming.get(school_class.id, [])
        progress.append(
            ClassProgress(
                school_class=school_class,
                planned=count.planned if count else 0,
                delivered=count.delivered if count else 0,
                skipped=count.skipped if count else 0,
                upcoming=len(to_come),
                overdue=count.overdue if count else 0,
                misplaced=sum(1 for o in to_come if not calendar.is_school_day(o.scheduled_on)),
                next_lesson=to_come[0] if to_come else None,
            )
        )
    return progress


def programme_progress(school: School, *, today: date) -> list[ClassProgress]:
    """Every active class of the school and how far it has come through the programme."""
    return classes_progress(listed_classes(school.id), load_calendar(school), today=today)
