"""Changing the plan lesson by lesson: move, skip, cancel, put back, push on, add."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta

from ...accounts.models import User
from ...audit.services import record_event
from ...core.dates import long_date, short_date
from ...core.services import ServiceError
from ...core.wording import count_of
from ...curriculum.schema import Lesson
from ...database import begin_write
from ...extensions import db
from ..models import LessonOccurrence, SchoolClass
from .calendar import SchoolCalendar, load_calendar
from .classes import describe_occurrence, lesson_for, lesson_label
from .common import ACTIVE_STATUSES
from .planning import (
    PlannedLesson,
    _check_minutes,
    _check_time,
    _teacher_clashes,
    _weekday_list,
    available_slots,
    school_class_school,
)


class NeedsConfirmation(ServiceError):
    """The change is allowed but probably not meant: the teacher must confirm it."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(" ".join(warnings), "confirm")
        self.warnings = warnings


def _active_others(occurrence: LessonOccurrence) -> list[LessonOccurrence]:
    return [
        other
        for other in occurrence.school_class.occurrences
        if other.id != occurrence.id and other.status in ACTIVE_STATUSES
    ]


def _refuse_unless_school_day(calendar: SchoolCalendar, day: date, field_name: str = "day") -> None:
    reason = calendar.why_not_school_day(day)
    if reason:
        raise ServiceError(f"{reason} Lessons go on school days only.", field_name)


def _refuse_same_day(
    others: Iterable[LessonOccurrence], day: date, field_name: str = "day"
) -> None:
    for other in others:
        if other.scheduled_on == day:
            raise ServiceError(
                f"This class already has {lesson_label(other.lesson_key)} on {long_date(day)}. "
                "A class has one lesson a day.",
                field_name,
            )


def _order_warnings(
    lesson_key: str, position: int, day: date, others: Iterable[LessonOccurrence]
) -> list[str]:
    warnings = []
    for other in others:
        if other.position < position and other.scheduled_on > day:
            warnings.append(
                f"This puts it before {lesson_label(other.lesson_key)} "
                f"({short_date(other.scheduled_on)}), which comes first in the programme."
            )
        elif other.position > position and other.scheduled_on < day:
            warnings.append(
                f"This puts it after {lesson_label(other.lesson_key)} "
                f"({short_date(other.scheduled_on)}), which comes later in the programme."
            )
    return warnings[:3]


def move_occurrence(
    occurrence: LessonOccurrence,
    *,
    day: date,
    starts_at: time | None,
    today: date,
    user: User,
    confirmed: bool = False,
) -> None:
    """Move one lesson to another school day (and time). Refuses a day that is not a school
    day or that already has a lesson of this class; warns (needs `confirmed`) when the move
    puts lessons out of order, is in the past, or clashes with the teacher's other class.
    Commits."""
    begin_write()
    if occurrence.status != "scheduled":
        raise ServiceError(
            "Only a lesson still to teach can be moved. Put a skipped or cancelled lesson "
            "back first."
        )
    if not isinstance(day, date):
        raise ServiceError("Enter the new date.", "day")
    starts_at = _check_time(starts_at or occurrence.starts_at)
    calendar = load_calendar(school_class_school(occurrence.school_class))
    _refuse_unless_school_day(calendar, day)
    others = _active_others(occurrence)
    _refuse_same_day(others, day)
    warnings = []
    if day < today:
        warnings.append(f"{long_date(day)} has already passed.")
    warnings.extend(_order_warnings(occurrence.lesson_key, occurrence.position, day, others))
    warnings.extend(
        _teacher_clashes(
            occurrence.school_class,
            [
                PlannedLesson(
                    occurrence.position, occurrence.lesson_key, day, starts_at, occurrence.minutes
                )
            ],
            ignore_id=occurrence.id,
        )
    )
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    old_day = occurrence.scheduled_on
    occurrence.scheduled_on = day
    occurrence.starts_at = starts_at
    occurrence.sequence += 1
    record_event(
        "schedule.moved",
        school_id=occurrence.school_id,
        user_id=user.id,
        detail=f"{describe_occurrence(occurrence)} (moved from {long_date(old_day)})",
    )
    db.session.commit()


STATUS_ACTIONS = {"skip": "skipped", "cancel": "cancelled", "restore": "scheduled"}


def set_occurrence_status(occurrence: LessonOccurrence, action: str, *, user: User) -> None:
    """Skip a lesson (left out of the programme: it counts as skipped), cancel it (withdrawn
    from the plan; calendar apps show it cancelled) or put it back on its date. Commits."""
    begin_write()
    if action not in STATUS_ACTIONS:
        raise ServiceError("Choose skip, cancel or put back.", "action")
    if occurrence.status == "delivered":
        raise ServiceError("This lesson is recorded as taught, so it stays as it is.")
    new_status = STATUS_ACTIONS[action]
    if occurrence.status == new_status:
        return
    if new_status == "scheduled":
        calendar = load_calendar(school_class_school(occurrence.school_class))
        try:
            _refuse_unless_school_day(calendar, occurrence.scheduled_on)
            _refuse_same_day(_active_others(occurrence), occurrence.scheduled_on)
        except ServiceError as error:
            raise ServiceError(
                error.message + " Add the lesson again on another date instead."
            ) from error
        if occurrence.lesson_key and _core_already_active(occurrence):
            raise ServiceError(
                f"{lesson_label(occurrence.lesson_key)} is already in the plan on another date."
            )
    occurrence.status = new_status
    occurrence.sequence += 1
    record_event(
        f"schedule.{action}",
        school_id=occurrence.school_id,
        user_id=user.id,
        detail=describe_occurrence(occurrence),
    )
    db.session.commit()


def _core_already_active(occurrence: LessonOccurrence) -> bool:
    lesson = lesson_for(occurrence.lesson_key)
    if lesson is None or lesson.kind != "core":
        return False
    return any(other.lesson_key == occurrence.lesson_key for other in _active_others(occurrence))


def push_on_from(
    occurrence: LessonOccurrence, *, today: date, user: User
) -> list[LessonOccurrence]:
    """ "We missed it": this lesson and every later one still to teach move to the next free
    slots of the class's weekdays, keeping their order. Refuses when they do not all fit in
    the terms entered. Returns the moved lessons. Commits."""
    begin_write()
    if occurrence.status != "scheduled":
        raise ServiceError("Only a lesson still to teach can be pushed on.")
    school_class = occurrence.school_class
    calendar = load_calendar(school_class_school(school_class))
    moving = [
        o
        for o in school_class.occurrences
        if o.status == "scheduled" and o.position >= occurrence.position
    ]
    moving.sort(key=lambda o: o.position)
    staying = [
        o for o in school_class.occurrences if o.status in ACTIVE_STATUSES and o not in moving
    ]
    weekdays = school_class.weekdays or tuple(sorted({o.scheduled_on.weekday() for o in moving}))
    start = max(occurrence.scheduled_on + timedelta(days=1), today)
    slots = []
    for day in available_slots(calendar, weekdays, start, busy=[o.scheduled_on for o in staying]):
        slots.append(day)
        if len(slots) == len(moving):
            break
    if len(slots) < len(moving):
        raise ServiceError(
            f"There are only {len(slots)} free {_weekday_list(weekdays)} left in the terms "
            f"entered for these {count_of(len(moving), 'lesson')}. Ask your lead to add the "
            "next term's dates, or move lessons one by one."
        )
    for o, day in zip(moving, slots, strict=True):
        if o.scheduled_on != day:
            o.scheduled_on = day
            o.sequence += 1
    record_event(
        "schedule.pushed_on",
        school_id=occurrence.school_id,
        user_id=user.id,
        detail=(
            f"{school_class.name}: {lesson_label(occurrence.lesson_key or '')} and "
            f"{count_of(len(moving) - 1, 'lesson')} after it, now from "
            f"{long_date(moving[0].scheduled_on)}"
        ),
    )
    db.session.commit()
    return moving


def _refuse_already_planned(lesson: Lesson, active: Iterable[LessonOccurrence]) -> None:
    for other in active:
        if other.lesson_key == lesson.key:
            raise ServiceError(
                f"{lesson_label(lesson.key)} is already in the plan on "
                f"{long_date(other.scheduled_on)}. Move it instead.",
                "lesson_key",
            )


def _core_order_warnings(
    lesson: Lesson, day: date, active: Iterable[LessonOccurrence]
) -> list[str]:
    """Where a core lesson added on `day` would sit out of order among the core lessons."""
    warnings = []
    for other in active:
        other_lesson = lesson_for(other.lesson_key)
        if other_lesson is None or other_lesson.kind != "core":
            continue
        if other_lesson.number < lesson.number and other.scheduled_on > day:
            warnings.append(
                f"This puts it before {lesson_label(other.lesson_key)} "
                f"({short_date(other.scheduled_on)}), which comes first in the programme."
            )
        elif other_lesson.number > lesson.number and other.scheduled_on < day:
            warnings.append(
                f"This puts it after {lesson_label(other.lesson_key)} "
                f"({short_date(other.scheduled_on)}), which comes later in the programme."
            )
    return warnings


def add_lesson(
    school_class: SchoolClass,
    *,
    lesson_key: str,
    day: date,
    starts_at: time | None,
    minutes: int | None,
    today: date,
    user: User,
    confirmed: bool = False,
) -> LessonOccurrence:
    """Add a lesson on a date: an optional extra where the teacher wants it, or a core lesson
    that is not in the plan (e.g. one cancelled earlier). It takes its place in the order by
    date. Same refusals and warnings as moving a lesson. Commits."""
    begin_write()
    lesson = lesson_for(lesson_key) if isinstance(lesson_key, str) else None
    if lesson is None or lesson.band != school_class.band:
        raise ServiceError("Choose a lesson from this class's programme.", "lesson_key")
    if not isinstance(day, date):
        raise ServiceError("Enter the date.", "day")
    starts_at = _check_time(starts_at or school_class.lesson_starts_at)
    minutes = _check_minutes(minutes or school_class.lesson_minutes or lesson.minutes)
    calendar = load_calendar(school_class_school(school_class))
    _refuse_unless_school_day(calendar, day)
    active = [o for o in school_class.occurrences if o.status in ACTIVE_STATUSES]
    _refuse_same_day(active, day)
    _refuse_already_planned(lesson, active)
    earlier = [o.position for o in school_class.occurrences if o.scheduled_on <= day]
    position = max(earlier, default=0) + 1
    warnings = []
    if day < today:
        warnings.append(f"{long_date(day)} has already passed.")
    if lesson.kind == "core":
        warnings = [*warnings, *_core_order_warnings(lesson, day, active)][:4]
    warnings.extend(
        _teacher_clashes(
            school_class, [PlannedLesson(position, lesson.key, day, starts_at, minutes)]
        )
    )
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    for other in school_class.occurrences:
        if other.position >= position:
            other.position += 1
    occurrence = LessonOccurrence(
        school_id=school_class.school_id,
        lesson_key=lesson.key,
        position=position,
        scheduled_on=day,
        starts_at=starts_at,
        minutes=minutes,
        status="scheduled",
    )
    school_class.occurrences.append(occurrence)
    db.session.flush()
    record_event(
        "schedule.added",
        school_id=school_class.school_id,
        user_id=user.id,
        detail=describe_occurrence(occurrence),
    )
    db.session.commit()
    return occurrence
