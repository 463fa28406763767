"""Classes and lesson occurrences made directly, for the runner's tests.

Scheduling's own services build these in the app; the runner only needs rows to teach.
"""

from __future__ import annotations

from datetime import date, time

from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass


def create_class(teacher, *, name: str = "8B", year_group: int = 8) -> SchoolClass:
    begin_write()
    school_class = SchoolClass(
        school_id=teacher.school_id, teacher_id=teacher.id, name=name, year_group=year_group
    )
    db.session.add(school_class)
    db.session.commit()
    return school_class


def create_occurrence(
    school_class: SchoolClass,
    lesson_key: str = "ks3/03-soothing-breathing",
    *,
    scheduled_on: date | None = None,
    position: int = 1,
    status: str = "scheduled",
    minutes: int = 50,
) -> LessonOccurrence:
    begin_write()
    occurrence = LessonOccurrence(
        school_id=school_class.school_id,
        class_id=school_class.id,
        lesson_key=lesson_key,
        position=position,
        scheduled_on=scheduled_on or date(2026, 11, 16),
        starts_at=time(10, 0),
        minutes=minutes,
        status=status,
    )
    db.session.add(occurrence)
    db.session.commit()
    return occurrence
