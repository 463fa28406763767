"""Laying out the programme: the lessons in order on school days, previewed, then saved."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ...accounts.models import School, User
from ...audit.services import record_event
from ...core.dates import WEEKDAY_NAMES, long_date
from ...core.services import ServiceError
from ...core.wording import count_of
from ...database import begin_write
from ...extensions import db
from ..models import LessonOccurrence, SchoolClass
from .calendar import SchoolCalendar, load_calendar
from .classes import curriculum_lessons, lesson_label
from .common import ACTIVE_STATUSES, BANDS, MAX_MINUTES, MIN_MINUTES, SCHOOL_WEEKDAYS


@dataclass(frozen=True)
class PlannedLesson:
    position: int
    lesson_key: str
    day: date
    starts_at: time
    minutes: int

    @property
    def label(self) -> str:
        return lesson_label(self.lesson_key)


@dataclass
class SchedulePlan:
    lessons: list[PlannedLesson]
    warnings: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """Changes whenever the plan does: confirming checks it is the plan that was shown."""
        text = "|".join(
            f"{p.lesson_key}@{p.day.isoformat()}T{p.starts_at:%H:%M}+{p.minutes}"
            for p in self.lessons
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def programme_lessons(
    band: str, *, core_numbers: Iterable[int] | None = None, extras: dict[str, int] | None = None
) -> list[str]:
    """The lesson keys in teaching order: the chosen core lessons (all eight by default) in
    order, and each chosen extra placed after the core lesson numbered in `extras`
    (0 = before lesson 1)."""
    if band not in BANDS:
        raise ServiceError("Unknown band.", "band")
    lessons = curriculum_lessons(band)
    core = {lesson.number: lesson for lesson in lessons if lesson.kind == "core"}
    extra_by_slug = {lesson.slug: lesson for lesson in lessons if lesson.kind == "extra"}
    chosen = set(core) if core_numbers is None else set(core_numbers)
    unknown = chosen - set(core)
    if unknown:
        raise ServiceError("Choose lessons from the programme.", "core")
    placed: dict[int, list[str]] = {}
    for slug, after in (extras or {}).items():
        if slug not in extra_by_slug:
            raise ServiceError("That optional lesson is not part of this band's programme.", slug)
        if not isinstance(after, int) or not 0 <= after <= 8:
            raise ServiceError("Place the optional lesson before or after a core lesson.", slug)
        placed.setdefault(after, []).append(extra_by_slug[slug].key)
    keys: list[str] = []
    for number in range(0, 9):
        if number in chosen:
            keys.append(core[number].key)
        keys.extend(sorted(placed.get(number, [])))
    if not keys:
        raise ServiceError("Choose at least one lesson to schedule.", "core")
    return keys


def available_slots(
    calendar: SchoolCalendar,
    weekdays: Iterable[int],
    start: date,
    *,
    busy: Iterable[date] = (),
) -> Iterator[date]:
    """School days from `start` on, on the chosen weekdays, skipping `busy` days, up to the
    end of the last term entered."""
    chosen = set(weekdays)
    taken = set(busy)
    last = calendar.last_day
    day = start
    while last is not None and day <= last:
        if day.weekday() in chosen and day not in taken and calendar.is_school_day(day):
            yield day
        day += timedelta(days=1)


def _check_weekdays(weekdays: Iterable[int]) -> tuple[int, ...]:
    chosen = tuple(sorted(set(weekdays)))
    if not chosen:
        raise ServiceError("Choose at least one weekday.", "weekdays")
    if any(not isinstance(day, int) or day not in SCHOOL_WEEKDAYS for day in chosen):
        raise ServiceError("Choose weekdays from Monday to Friday.", "weekdays")
    return chosen


def _check_minutes(minutes: int) -> int:
    if not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ServiceError(
            f"A lesson lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.", "minutes"
        )
    return minutes


def _check_time(starts_at: time | None) -> time:
    if not isinstance(starts_at, time):
        raise ServiceError("Enter the start time, for example 09:15.", "starts_at")
    if not time(6, 0) <= starts_at <= time(20, 0):
        raise ServiceError("Choose a start time between 06:00 and 20:00.", "starts_at")
    return starts_at.replace(second=0, microsecond=0)


def lay_out_schedule(
    calendar: SchoolCalendar,
    lesson_keys: Sequence[str],
    *,
    first_day: date,
    weekdays: Iterable[int],
    starts_at: time,
    minutes: int,
    today: date,
    busy: Iterable[date] = (),
) -> SchedulePlan:
    """Lay the lessons, in order, one per chosen weekday, on school days from `first_day`.

    Refuses a first day outside every term, and a plan that does not fit in the terms
    entered (rather than saving part of it). Warns about lessons on days already past and
    a plan that runs on into another term.
    """
    weekdays = _check_weekdays(weekdays)
    minutes = _check_minutes(minutes)
    starts_at = _check_time(starts_at)
    if not lesson_keys:
        raise ServiceError("Choose at least one lesson to schedule.", "core")
    if not isinstance(first_day, date):
        raise ServiceError("Enter the date of the first lesson.", "first_day")
    if not calendar.terms:
        raise ServiceError(
            "There are no term dates yet. Ask your school lead to enter them.", "first_day"
        )
    if calendar.term_for(first_day) is None:
        raise ServiceError(
            f"{long_date(first_day)} is not in any term. Choose a date in "
            + ", ".join(term.label for term in calendar.terms[-3:])
            + ".",
            "first_day",
        )
    days: list[date] = []
    for day in available_slots(calendar, weekdays, first_day, busy=busy):
        days.append(day)
        if len(days) == len(lesson_keys):
            break
    if len(days) < len(lesson_keys):
        raise ServiceError(
            f"Only {len(days)} of the {len(lesson_keys)} lessons fit on "
            + _weekday_list(weekdays)
            + f" before the last term entered ends ({long_date(calendar.last_day)}). "
            "Choose an earlier first date or another weekday, or ask your lead to add the "
            "next term's dates.",
            "first_day",
        )
    lessons = [
        PlannedLesson(position, key, day, starts_at, minutes)
        for position, (key, day) in enumerate(zip(lesson_keys, days, strict=True), start=1)
    ]
    warnings = []
    past = [lesson for lesson in lessons if lesson.day < today]
    if past:
        warnings.append(
            f"{len(past)} of these lessons are on days that have already passed "
            f"(before {long_date(today)})."
        )
    terms = []
    for lesson in lessons:
        term = calendar.term_for(lesson.day)
        if term and term not in terms:
            terms.append(term)
    if len(terms) > 1:
        warnings.append(
            "The plan runs over more than one term: " + ", ".join(t.name for t in terms) + "."
        )
    return SchedulePlan(lessons, warnings)


def weekday_list(weekdays: Iterable[int]) -> str:
    """ "Mondays", "Mondays and Thursdays"; empty for no weekdays."""
    names = [WEEKDAY_NAMES[day] + "s" for day in sorted(set(weekdays))]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


_weekday_list = weekday_list


def lessons_a_week(weekdays: Iterable[int]) -> str:
    """What the ticked weekdays mean, in words: "1 lesson a week, on Mondays", "2 lessons a
    week: Mondays and Thursdays"; empty when none is ticked."""
    # Only real school weekdays: a refused form still holds whatever was sent.
    days = sorted({day for day in weekdays if day in SCHOOL_WEEKDAYS})
    if not days:
        return ""
    if len(days) == 1:
        return f"1 lesson a week, on {weekday_list(days)}"
    return f"{count_of(len(days), 'lesson')} a week: {weekday_list(days)}"


class PlanChanged(ServiceError):
    """The plan to save is not the one the teacher saw in the preview."""


def preview_programme(
    school_class: SchoolClass,
    *,
    lesson_keys: Sequence[str],
    first_day: date,
    weekdays: Iterable[int],
    starts_at: time,
    minutes: int,
    today: date,
) -> SchedulePlan:
    """The plan `schedule_programme` would save, for the preview step. Saves nothing."""
    _refuse_replan_after_delivery(school_class)
    calendar = load_calendar(school_class_school(school_class))
    plan = lay_out_schedule(
        calendar,
        lesson_keys,
        first_day=first_day,
        weekdays=weekdays,
        starts_at=starts_at,
        minutes=minutes,
        today=today,
    )
    plan.warnings.extend(_teacher_clashes(school_class, plan.lessons))
    active = [o for o in school_class.occurrences if o.status in ACTIVE_STATUSES]
    if active:
        plan.warnings.insert(
            0,
            f"This replaces the {count_of(len(active), 'lesson')} planned now. Lessons kept in "
            "the new plan keep their place in calendar apps.",
        )
    return plan


def school_class_school(school_class: SchoolClass) -> School:
    return db.session.get(School, school_class.school_id)


def _refuse_replan_after_delivery(school_class: SchoolClass) -> None:
    if any(o.status == "delivered" for o in school_class.occurrences):
        raise ServiceError(
            "Some lessons of this class are recorded as taught, so the plan cannot be laid "
            "out again. Change it lesson by lesson: move, skip, or add a lesson.",
        )


def schedule_programme(
    school_class: SchoolClass,
    *,
    lesson_keys: Sequence[str],
    first_day: date,
    weekdays: Iterable[int],
    starts_at: time,
    minutes: int,
    today: date,
    user: User,
    expected_digest: str | None = None,
) -> SchedulePlan:
    """Lay out and save the class's programme, replacing its current plan. A lesson that
    was already planned keeps its row and iCalendar UID. With `expected_digest`, refuses
    if the plan differs from the one previewed. Commits."""
    begin_write()
    db.session.refresh(school_class)
    plan = preview_programme(
        school_class,
        lesson_keys=lesson_keys,
        first_day=first_day,
        weekdays=weekdays,
        starts_at=starts_at,
        minutes=minutes,
        today=today,
    )
    if expected_digest is not None and expected_digest != plan.digest:
        raise PlanChanged(
            "The plan has changed since the preview (the calendar or the form changed). "
            "Check the new preview and confirm again."
        )
    existing: dict[str, LessonOccurrence] = {}
    for occurrence in school_class.occurrences:
        existing.setdefault(occurrence.lesson_key, occurrence)
    kept: list[LessonOccurrence] = []
    for planned in plan.lessons:
        occurrence = existing.pop(planned.lesson_key, None)
        if occurrence is None:
            occurrence = LessonOccurrence(
                school_id=school_class.school_id, lesson_key=planned.lesson_key
            )
        else:
            occurrence.sequence += 1
        kept.append(occurrence)
        occurrence.position = planned.position
        occurrence.scheduled_on = planned.day
        occurrence.starts_at = planned.starts_at
        occurrence.minutes = planned.minutes
        occurrence.status = "scheduled"
    for occurrence in list(school_class.occurrences):
        if occurrence not in kept:
            school_class.occurrences.remove(occurrence)
    for occurrence in kept:
        if occurrence not in school_class.occurrences:
            school_class.occurrences.append(occurrence)
    school_class.lesson_weekdays = ",".join(str(d) for d in sorted(set(weekdays)))
    school_class.lesson_starts_at = plan.lessons[0].starts_at
    school_class.lesson_minutes = plan.lessons[0].minutes
    record_event(
        "schedule.saved",
        school_id=school_class.school_id,
        user_id=user.id,
        detail=(
            f"{school_class.name}: {count_of(len(plan.lessons), 'lesson')}, "
            f"{lessons_a_week(weekdays)}, from {long_date(plan.lessons[0].day)} "
            f"to {long_date(plan.lessons[-1].day)}"
        ),
    )
    db.session.commit()
    return plan


def _overlaps(a_day: date, a_start: time, a_minutes: int, b: LessonOccurrence) -> bool:
    if a_day != b.scheduled_on:
        return False
    a0 = datetime.combine(a_day, a_start)
    b0 = datetime.combine(b.scheduled_on, b.starts_at)
    return a0 < b0 + timedelta(minutes=b.minutes) and b0 < a0 + timedelta(minutes=a_minutes)


def _teacher_clashes(
    school_class: SchoolClass,
    lessons: Iterable[PlannedLesson],
    *,
    ignore_id: int | None = None,
) -> list[str]:
    """Warnings for lessons that overlap the same teacher's lessons with another class."""
    planned = list(lessons)
    if not planned:
        return []
    first = min(p.day for p in planned)
    last = max(p.day for p in planned)
    others = db.session.scalars(
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            SchoolClass.teacher_id == school_class.teacher_id,
            SchoolClass.id != school_class.id,
            SchoolClass.archived.is_(False),
            LessonOccurrence.status.in_(ACTIVE_STATUSES),
            LessonOccurrence.scheduled_on.between(first, last),
        )
    ).all()
    warnings = []
    for p in planned:
        for other in others:
            if other.id != ignore_id and _overlaps(p.day, p.starts_at, p.minutes, other):
                warnings.append(
                    f"On {long_date(p.day)} this overlaps {other.school_class.name}'s lesson "
                    f"at {other.starts_at:%H:%M} with the same teacher."
                )
    return warnings
