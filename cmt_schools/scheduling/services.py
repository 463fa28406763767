"""Scheduling use cases: the school calendar, classes, laying out and changing the programme,
the views' calendars and the iCalendar feeds.

All date logic lives here. Every function that depends on the date takes `today` (or `now`)
as a value, so the CLI, the demo and the tests call these directly. Functions that change
rows call `begin_write()` first and commit once; refused input raises `ServiceError` and
saves nothing.

The calendar rule: a *school day* is a weekday inside a term and outside every closure and
every bank holiday of the school's nation (from the `holidays` library).
"""

from __future__ import annotations

import calendar as calendar_module
import functools
import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import icalendar
from sqlalchemy import func, select

from ..accounts.models import School, User
from ..audit.services import record_event
from ..core.services import ServiceError
from ..curriculum.loader import load_curriculum
from ..curriculum.schema import BAND_RULES, Lesson
from ..database import begin_write
from ..extensions import db
from .models import (
    CLOSURE_KINDS,
    YEAR_GROUPS,
    CalendarFeed,
    Closure,
    LessonOccurrence,
    SchoolClass,
    Term,
    band_for_year,
)

NATION_SUBDIVISIONS = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHOOL_WEEKDAYS = {n: WEEKDAY_NAMES[n] for n in range(5)}
BANDS = tuple(BAND_RULES)
# Lessons that take up their day: a skipped or cancelled lesson leaves the day free.
ACTIVE_STATUSES = ("scheduled", "delivered")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_TERM_DAYS = 190
MIN_MINUTES, MAX_MINUTES = 10, 120
MAX_NAME = {"term": 60, "closure": 80, "class": 40}


def format_day(day: date) -> str:
    """ "Monday 26 October 2026": how dates read in messages."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%B %Y}"


def format_short(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {day:%b}"


def school_today(school: School, now: datetime | None = None) -> date:
    """Today's date where the school is (the server may run in UTC)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(school.timezone or "Europe/London")).date()


# ================================================================ the school calendar


@dataclass(frozen=True)
class Period:
    """A term or a closure: a named run of days, first and last included."""

    name: str
    first_day: date
    last_day: date
    kind: str = "term"
    id: int | None = None

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def label(self) -> str:
        if self.first_day == self.last_day:
            return f"{self.name} ({format_short(self.first_day)})"
        return f"{self.name} ({format_short(self.first_day)} to {format_short(self.last_day)})"

    @property
    def kind_label(self) -> str:
        return "Term" if self.kind == "term" else CLOSURE_KINDS.get(self.kind, self.kind)


def bank_holidays(nation: str, year: int) -> dict[date, str]:
    """The UK bank holidays of one nation in one year (they differ: Scotland has 2 January,
    St Andrew's Day and an early August holiday; Northern Ireland St Patrick's Day...)."""
    if nation not in NATION_SUBDIVISIONS:
        raise ServiceError(f"Unknown nation: {nation}.", "nation")
    return _bank_holidays(nation, year)


@functools.lru_cache(maxsize=256)
def _bank_holidays(nation: str, year: int) -> dict[date, str]:
    found = holidays.country_holidays("GB", subdiv=NATION_SUBDIVISIONS[nation], years=year)
    return dict(found.items())


class SchoolCalendar:
    """Terms, closures and bank holidays of one school, answering "is this a school day?"."""

    def __init__(
        self,
        terms: Iterable[Period],
        closures: Iterable[Period] = (),
        nation: str = "england",
    ) -> None:
        self.terms = sorted(terms, key=lambda period: period.first_day)
        self.closures = sorted(closures, key=lambda period: period.first_day)
        if nation not in NATION_SUBDIVISIONS:
            raise ServiceError(f"Unknown nation: {nation}.", "nation")
        self.nation = nation

    @property
    def first_day(self) -> date | None:
        return self.terms[0].first_day if self.terms else None

    @property
    def last_day(self) -> date | None:
        return max((term.last_day for term in self.terms), default=None)

    def term_for(self, day: date) -> Period | None:
        return next((term for term in self.terms if term.contains(day)), None)

    def closure_for(self, day: date) -> Period | None:
        return next((closure for closure in self.closures if closure.contains(day)), None)

    def bank_holiday(self, day: date) -> str | None:
        return bank_holidays(self.nation, day.year).get(day)

    def why_not_school_day(self, day: date) -> str | None:
        """None for a school day; otherwise the reason, in words a teacher understands."""
        if day.weekday() >= 5:
            return f"{format_day(day)} is a weekend."
        if self.term_for(day) is None:
            return f"{format_day(day)} is not in any term."
        closure = self.closure_for(day)
        if closure is not None:
            return f"{format_day(day)} is a closure: {closure.label}."
        holiday = self.bank_holiday(day)
        if holiday:
            return f"{format_day(day)} is a bank holiday ({holiday})."
        return None

    def is_school_day(self, day: date) -> bool:
        return self.why_not_school_day(day) is None

    def school_days(self, first: date, last: date) -> Iterator[date]:
        day = first
        while day <= last:
            if self.is_school_day(day):
                yield day
            day += timedelta(days=1)

    def next_school_day(self, day: date) -> date | None:
        """`day` itself if it is a school day, else the next one, or None past the last term."""
        last = self.last_day
        while last is not None and day <= last:
            if self.is_school_day(day):
                return day
            day += timedelta(days=1)
        return None


def is_school_day(day: date, calendar: SchoolCalendar) -> bool:
    return calendar.is_school_day(day)


def load_calendar(school: School) -> SchoolCalendar:
    terms = db.session.scalars(
        select(Term).where(Term.school_id == school.id).order_by(Term.first_day)
    )
    closures = db.session.scalars(
        select(Closure).where(Closure.school_id == school.id).order_by(Closure.first_day)
    )
    return SchoolCalendar(
        [Period(t.name, t.first_day, t.last_day, "term", t.id) for t in terms],
        [Period(c.name, c.first_day, c.last_day, c.kind, c.id) for c in closures],
        school.nation,
    )


def terms_of(school_id: int) -> list[Term]:
    return list(
        db.session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.first_day))
    )


def closures_of(school_id: int) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure).where(Closure.school_id == school_id).order_by(Closure.first_day)
        )
    )


def _check_name(name: str | None, what: str, limit: int) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(f"Give the {what} a name.", "name")
    if len(name) > limit:
        raise ServiceError(f"Keep the {what}'s name to {limit} characters or fewer.", "name")
    return name


def _check_span(first_day: date | None, last_day: date | None) -> tuple[date, date]:
    if not isinstance(first_day, date):
        raise ServiceError("Enter the first day.", "first_day")
    if not isinstance(last_day, date):
        raise ServiceError("Enter the last day.", "last_day")
    for value, name in ((first_day, "first_day"), (last_day, "last_day")):
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ServiceError(f"Use a date between {EARLIEST_YEAR} and {LATEST_YEAR}.", name)
    if last_day < first_day:
        raise ServiceError(
            f"The last day ({format_day(last_day)}) is before the first day "
            f"({format_day(first_day)}).",
            "last_day",
        )
    return first_day, last_day


def _check_term(
    school_id: int, name: str, first_day: date, last_day: date, *, term_id: int | None = None
) -> tuple[str, date, date]:
    name = _check_name(name, "term", MAX_NAME["term"])
    first_day, last_day = _check_span(first_day, last_day)
    if (last_day - first_day).days > MAX_TERM_DAYS:
        raise ServiceError(
            "A term can be at most about six months long; enter each term separately.",
            "last_day",
        )
    statement = select(Term).where(
        Term.school_id == school_id, Term.first_day <= last_day, Term.last_day >= first_day
    )
    if term_id is not None:
        statement = statement.where(Term.id != term_id)
    other = db.session.scalars(statement).first()
    if other is not None:
        raise ServiceError(
            f"These dates overlap {other.name} ({format_short(other.first_day)} to "
            f"{format_short(other.last_day)}). Terms cannot overlap.",
            "first_day",
        )
    return name, first_day, last_day


def add_term(school: School, *, name: str, first_day: date, last_day: date, user: User) -> Term:
    """A new term. Refuses overlapping terms and an end before the start. Commits."""
    begin_write()
    name, first_day, last_day = _check_term(school.id, name, first_day, last_day)
    term = Term(school_id=school.id, name=name, first_day=first_day, last_day=last_day)
    db.session.add(term)
    record_event("calendar.term_added", school_id=school.id, user_id=user.id, detail=name)
    db.session.commit()
    return term


def update_term(term: Term, *, name: str, first_day: date, last_day: date, user: User) -> None:
    """Change a term's name or dates; its closures must still fit inside it. Commits."""
    begin_write()
    name, first_day, last_day = _check_term(
        term.school_id, name, first_day, last_day, term_id=term.id
    )
    outside = [
        closure
        for closure in _closures_within(term.school_id, term.first_day, term.last_day)
        if closure.first_day < first_day or closure.last_day > last_day
    ]
    if outside:
        names = ", ".join(closure.name for closure in outside)
        raise ServiceError(
            f"These closures would fall outside the term: {names}. Move or delete them first.",
            "first_day",
        )
    term.name, term.first_day, term.last_day = name, first_day, last_day
    record_event("calendar.term_changed", school_id=term.school_id, user_id=user.id, detail=name)
    db.session.commit()


def delete_term(term: Term, *, user: User) -> int:
    """Delete a term and the closures inside it; returns how many closures went. Commits."""
    begin_write()
    closures = _closures_within(term.school_id, term.first_day, term.last_day)
    for closure in closures:
        db.session.delete(closure)
    record_event(
        "calendar.term_deleted", school_id=term.school_id, user_id=user.id, detail=term.name
    )
    db.session.delete(term)
    db.session.commit()
    return len(closures)


def _closures_within(school_id: int, first_day: date, last_day: date) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure).where(
                Closure.school_id == school_id,
                Closure.first_day <= last_day,
                Closure.last_day >= first_day,
            )
        )
    )


def _check_closure(
    school_id: int, name: str, kind: str, first_day: date, last_day: date | None
) -> tuple[str, str, date, date]:
    name = _check_name(name, "closure", MAX_NAME["closure"])
    if kind not in CLOSURE_KINDS:
        raise ServiceError("Choose what kind of closure this is.", "kind")
    first_day, last_day = _check_span(first_day, last_day or first_day)
    term = db.session.scalars(
        select(Term).where(
            Term.school_id == school_id, Term.first_day <= first_day, Term.last_day >= last_day
        )
    ).first()
    if term is None:
        raise ServiceError(
            "A closure must fall inside one term: enter the term first, or check the dates "
            f"({format_day(first_day)} to {format_day(last_day)}).",
            "first_day",
        )
    return name, kind, first_day, last_day


def add_closure(
    school: School,
    *,
    name: str,
    kind: str,
    first_day: date,
    last_day: date | None,
    user: User,
) -> tuple[Closure, int]:
    """A new closure inside a term. Returns it and how many scheduled lessons it now
    falls on (they stay put for their teachers to move). Commits."""
    begin_write()
    name, kind, first_day, last_day = _check_closure(school.id, name, kind, first_day, last_day)
    closure = Closure(
        school_id=school.id, name=name, kind=kind, first_day=first_day, last_day=last_day
    )
    db.session.add(closure)
    record_event("calendar.closure_added", school_id=school.id, user_id=user.id, detail=name)
    affected = _scheduled_between(school.id, first_day, last_day)
    db.session.commit()
    return closure, affected


def update_closure(
    closure: Closure,
    *,
    name: str,
    kind: str,
    first_day: date,
    last_day: date | None,
    user: User,
) -> int:
    """Change a closure. Returns how many scheduled lessons fall on it now. Commits."""
    begin_write()
    name, kind, first_day, last_day = _check_closure(
        closure.school_id, name, kind, first_day, last_day
    )
    closure.name, closure.kind = name, kind
    closure.first_day, closure.last_day = first_day, last_day
    record_event(
        "calendar.closure_changed", school_id=closure.school_id, user_id=user.id, detail=name
    )
    affected = _scheduled_between(closure.school_id, first_day, last_day)
    db.session.commit()
    return affected


def delete_closure(closure: Closure, *, user: User) -> None:
    begin_write()
    record_event(
        "calendar.closure_deleted",
        school_id=closure.school_id,
        user_id=user.id,
        detail=closure.name,
    )
    db.session.delete(closure)
    db.session.commit()


def _scheduled_between(school_id: int, first_day: date, last_day: date) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.school_id == school_id,
            LessonOccurrence.status == "scheduled",
            LessonOccurrence.scheduled_on.between(first_day, last_day),
            SchoolClass.archived.is_(False),
        )
    )


# ---------------------------------------------------------------- the usual school year


@dataclass(frozen=True)
class SuggestedYear:
    start_year: int
    terms: list[Period]
    closures: list[Period]

    @property
    def label(self) -> str:
        return school_year_label(self.start_year)


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def school_year_of(day: date) -> int:
    """The year the school year containing `day` began (it runs from August or September)."""
    return day.year if day.month >= 8 else day.year - 1


def _weekday_on_or_after(day: date, weekday: int | None = None) -> date:
    """The first weekday (or the given weekday) on or after `day`."""
    while (weekday is None and day.weekday() >= 5) or (
        weekday is not None and day.weekday() != weekday
    ):
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date, weekday: int | None = None) -> date:
    while (weekday is None and day.weekday() >= 5) or (
        weekday is not None and day.weekday() != weekday
    ):
        day -= timedelta(days=1)
    return day


def _nth_monday(year: int, month: int, n: int) -> date:
    return _weekday_on_or_after(date(year, month, 1), 0) + timedelta(weeks=n - 1)


def _last_monday(year: int, month: int) -> date:
    last = date(year, month, calendar_module.monthrange(year, month)[1])
    return _weekday_on_or_before(last, 0)


def _good_friday(year: int) -> date:
    return next(
        day for day, name in bank_holidays("england", year).items() if name == "Good Friday"
    )


def _week_from(monday: date, days: int = 5) -> tuple[date, date]:
    return monday, monday + timedelta(days=days - 1)


def suggest_school_year(start_year: int, nation: str) -> SuggestedYear:
    """The usual three-term shape of a school year, with its half-terms, for the lead to
    correct. Local authorities set their own dates: these are typical, not official."""
    if not EARLIEST_YEAR <= start_year < LATEST_YEAR:
        raise ServiceError("Choose a school year between 2000 and 2100.", "year")
    if nation not in NATION_SUBDIVISIONS:
        raise ServiceError(f"Unknown nation: {nation}.", "nation")
    y, n = start_year, start_year + 1
    good_friday = _good_friday(n)
    spring_last = good_friday - timedelta(days=7)  # two weeks' Easter break round Easter
    summer_first = spring_last + timedelta(days=17)
    if nation == "scotland":
        autumn = (_weekday_on_or_after(date(y, 8, 15), 2), _weekday_on_or_before(date(y, 12, 20)))
        autumn_break = ("October holiday", *_week_from(_nth_monday(y, 10, 2)))
        spring = (_weekday_on_or_after(date(n, 1, 6)), spring_last)
        spring_break = ("February mid-term", *_week_from(_nth_monday(n, 2, 2), 2))
        summer = (summer_first, _weekday_on_or_before(date(n, 6, 26)))
        summer_break = ("May holiday", *_week_from(_last_monday(n, 5), 1))
    else:
        summer_end = date(n, 6, 30) if nation == "northern_ireland" else date(n, 7, 22)
        autumn = (_weekday_on_or_after(date(y, 9, 1)), _weekday_on_or_before(date(y, 12, 20), 4))
        autumn_break = ("Autumn half-term", *_week_from(_last_monday(y, 10)))
        spring = (_weekday_on_or_after(date(n, 1, 3)), spring_last)
        spring_break = ("Spring half-term", *_week_from(_nth_monday(n, 2, 3)))
        summer = (summer_first, _weekday_on_or_before(summer_end))
        summer_break = ("Summer half-term", *_week_from(_last_monday(n, 5)))
    terms = [
        Period(f"Autumn {y}", *autumn),
        Period(f"Spring {n}", *spring),
        Period(f"Summer {n}", *summer),
    ]
    closures = [
        Period(name, first, last, "half_term")
        for name, first, last in (autumn_break, spring_break, summer_break)
    ]
    return SuggestedYear(start_year, terms, closures)


def coming_school_year(school_id: int, today: date) -> int:
    """The first school year from this one on that has no term entered yet."""
    year = school_year_of(today)
    taken = {school_year_of(term.first_day) for term in terms_of(school_id)}
    while year in taken:
        year += 1
    return year


def save_school_year(
    school: School,
    *,
    terms: Sequence[tuple[str, date, date]],
    closures: Sequence[tuple[str, str, date, date | None]],
    user: User,
) -> tuple[int, int]:
    """Save several terms and closures at once: all of them, or (on any error) none. Commits.

    The error names the entry: ("Term 2: ...", field "terms-1-first_day").
    """
    begin_write()
    try:
        for index, (name, first_day, last_day) in enumerate(terms):
            try:
                name, first_day, last_day = _check_term(school.id, name, first_day, last_day)
            except ServiceError as error:
                raise ServiceError(
                    f"Term {index + 1}: {error.message}", f"terms-{index}-{error.field}"
                ) from error
            db.session.add(
                Term(school_id=school.id, name=name, first_day=first_day, last_day=last_day)
            )
            db.session.flush()
        for index, (name, kind, first_day, last_day) in enumerate(closures):
            try:
                checked = _check_closure(school.id, name, kind, first_day, last_day)
            except ServiceError as error:
                raise ServiceError(
                    f"Closure {index + 1}: {error.message}", f"closures-{index}-{error.field}"
                ) from error
            name, kind, first_day, last_day = checked
            db.session.add(
                Closure(
                    school_id=school.id,
                    name=name,
                    kind=kind,
                    first_day=first_day,
                    last_day=last_day,
                )
            )
            db.session.flush()
    except ServiceError:
        db.session.rollback()
        raise
    record_event(
        "calendar.year_added",
        school_id=school.id,
        user_id=user.id,
        detail=f"{len(terms)} terms, {len(closures)} closures",
    )
    db.session.commit()
    return len(terms), len(closures)


# ================================================================ classes


def curriculum_lessons(band: str) -> tuple[Lesson, ...]:
    return load_curriculum().band(band).lessons


def lesson_for(key: str) -> Lesson | None:
    return load_curriculum().lesson(key)


def lesson_label(key: str) -> str:
    lesson = lesson_for(key)
    if lesson is None:
        return key
    if lesson.kind == "core":
        return f"Lesson {lesson.number}: {lesson.title}"
    return f"Extra: {lesson.title}"


def staff_choices(school_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.school_id == school_id, User.active.is_(True))
            .order_by(func.lower(User.name))
        )
    )


def _check_class(
    school_id: int,
    *,
    name: str,
    year_group: int,
    band_override: str | None,
    teacher_id: int,
    user: User,
    class_id: int | None = None,
) -> tuple[str, int, str | None, User]:
    name = _check_name(name, "class", MAX_NAME["class"])
    if not isinstance(year_group, int) or year_group not in YEAR_GROUPS:
        raise ServiceError("Choose a year group from Reception to Year 13.", "year_group")
    band_override = band_override or None
    if band_override is not None and band_override not in BANDS:
        raise ServiceError("Choose KS2, KS3 or KS4, or the year group's own band.", "band_override")
    if band_override == band_for_year(year_group):
        band_override = None  # the same as the year group's: nothing to override
    if user.role != "lead" and teacher_id != user.id:
        raise ServiceError(
            "Only the school lead can give a class to another teacher.", "teacher_id"
        )
    teacher = db.session.get(User, teacher_id) if isinstance(teacher_id, int) else None
    if teacher is None or teacher.school_id != school_id or not teacher.active:
        raise ServiceError("Choose a member of staff at this school.", "teacher_id")
    same_name = select(SchoolClass).where(
        SchoolClass.school_id == school_id,
        SchoolClass.archived.is_(False),
        func.lower(SchoolClass.name) == name.lower(),
    )
    if class_id is not None:
        same_name = same_name.where(SchoolClass.id != class_id)
    if db.session.scalars(same_name).first() is not None:
        raise ServiceError(f"There is already a class called {name}.", "name")
    return name, year_group, band_override, teacher


def create_class(
    school: School,
    *,
    name: str,
    year_group: int,
    band_override: str | None,
    teacher_id: int,
    user: User,
) -> SchoolClass:
    """A new class. A teacher's classes are their own; a lead may give one to anyone. Commits."""
    begin_write()
    name, year_group, band_override, teacher = _check_class(
        school.id,
        name=name,
        year_group=year_group,
        band_override=band_override,
        teacher_id=teacher_id,
        user=user,
    )
    school_class = SchoolClass(
        school_id=school.id,
        teacher_id=teacher.id,
        name=name,
        year_group=year_group,
        band_override=band_override,
    )
    db.session.add(school_class)
    db.session.flush()
    record_event(
        "class.created", school_id=school.id, user_id=user.id, detail=f"class {school_class.id}"
    )
    db.session.commit()
    return school_class


def update_class(
    school_class: SchoolClass,
    *,
    name: str,
    year_group: int,
    band_override: str | None,
    teacher_id: int,
    user: User,
) -> None:
    """Rename, change year or band, or (a lead) reassign a class. A change of band moves
    the lessons still to teach to the new band's version of each lesson. Commits."""
    begin_write()
    name, year_group, band_override, teacher = _check_class(
        school_class.school_id,
        name=name,
        year_group=year_group,
        band_override=band_override,
        teacher_id=teacher_id,
        user=user,
        class_id=school_class.id,
    )
    new_band = band_override or band_for_year(year_group)
    if new_band != school_class.band:
        curriculum = load_curriculum()
        for occurrence in school_class.occurrences:
            if occurrence.status != "scheduled":
                continue
            lesson = curriculum.lesson(occurrence.lesson_key)
            counterpart = curriculum.counterpart(lesson, new_band) if lesson else None
            if counterpart is None:
                raise ServiceError(
                    f"The {new_band.upper()} programme has no version of "
                    f"“{lesson.title if lesson else occurrence.lesson_key}”. "
                    "Remove it from the plan (skip or cancel it) before changing the band.",
                    "band_override",
                )
            occurrence.lesson_key = counterpart.key
            occurrence.sequence += 1
    school_class.name, school_class.year_group = name, year_group
    school_class.band_override = band_override
    if school_class.teacher_id != teacher.id:
        record_event(
            "class.reassigned",
            school_id=school_class.school_id,
            user_id=user.id,
            detail=f"class {school_class.id} to user {teacher.id}",
        )
    school_class.teacher_id = teacher.id
    record_event(
        "class.changed",
        school_id=school_class.school_id,
        user_id=user.id,
        detail=f"class {school_class.id}",
    )
    db.session.commit()


def set_class_archived(school_class: SchoolClass, archived: bool, *, user: User) -> None:
    """Archive a class (it leaves the dashboard, calendars and feed) or bring it back. Commits."""
    begin_write()
    if not archived:
        same_name = db.session.scalars(
            select(SchoolClass).where(
                SchoolClass.school_id == school_class.school_id,
                SchoolClass.archived.is_(False),
                SchoolClass.id != school_class.id,
                func.lower(SchoolClass.name) == school_class.name.lower(),
            )
        ).first()
        if same_name is not None:
            raise ServiceError(
                f"There is already a class called {school_class.name}: rename one of them first."
            )
    school_class.archived = archived
    record_event(
        "class.archived" if archived else "class.unarchived",
        school_id=school_class.school_id,
        user_id=user.id,
        detail=f"class {school_class.id}",
    )
    db.session.commit()


def classes_for(user: User, *, archived: bool = False) -> list[SchoolClass]:
    """A teacher's own classes; every class of the school for a lead."""
    statement = select(SchoolClass).where(
        SchoolClass.school_id == user.school_id, SchoolClass.archived.is_(archived)
    )
    if user.role != "lead":
        statement = statement.where(SchoolClass.teacher_id == user.id)
    return list(db.session.scalars(statement.order_by(SchoolClass.year_group, SchoolClass.name)))


# ================================================================ laying out the programme


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
            f"{format_day(first_day)} is not in any term. Choose a date in "
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
            + f" before the last term entered ends ({format_day(calendar.last_day)}). "
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
            f"(before {format_day(today)})."
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


def _weekday_list(weekdays: Iterable[int]) -> str:
    names = [WEEKDAY_NAMES[day] + "s" for day in sorted(weekdays)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
            f"This replaces the {len(active)} lessons planned now. Lessons kept in the new "
            "plan keep their place in calendar apps.",
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
        detail=f"class {school_class.id}: {len(plan.lessons)} lessons",
    )
    db.session.commit()
    return plan


# ================================================================ changing the plan


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
                f"This class already has {lesson_label(other.lesson_key)} on {format_day(day)}. "
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
                f"({format_short(other.scheduled_on)}), which comes first in the programme."
            )
        elif other.position > position and other.scheduled_on < day:
            warnings.append(
                f"This puts it after {lesson_label(other.lesson_key)} "
                f"({format_short(other.scheduled_on)}), which comes later in the programme."
            )
    return warnings[:3]


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
                    f"On {format_day(p.day)} this overlaps {other.school_class.name}'s lesson "
                    f"at {other.starts_at:%H:%M} with the same teacher."
                )
    return warnings


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
        warnings.append(f"{format_day(day)} has already passed.")
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
        detail=f"occurrence {occurrence.id}: {old_day.isoformat()} to {day.isoformat()}",
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
        detail=f"occurrence {occurrence.id}",
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
            f"entered for these {len(moving)} lessons. Ask your lead to add the next term's "
            "dates, or move lessons one by one."
        )
    for o, day in zip(moving, slots, strict=True):
        if o.scheduled_on != day:
            o.scheduled_on = day
            o.sequence += 1
    record_event(
        "schedule.pushed_on",
        school_id=occurrence.school_id,
        user_id=user.id,
        detail=f"class {school_class.id} from position {occurrence.position}",
    )
    db.session.commit()
    return moving


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
    for other in active:
        if other.lesson_key == lesson.key:
            raise ServiceError(
                f"{lesson_label(lesson.key)} is already in the plan on "
                f"{format_day(other.scheduled_on)}. Move it instead.",
                "lesson_key",
            )
    earlier = [o.position for o in school_class.occurrences if o.scheduled_on <= day]
    position = max(earlier, default=0) + 1
    warnings = []
    if day < today:
        warnings.append(f"{format_day(day)} has already passed.")
    if lesson.kind == "core":
        for other in active:
            other_lesson = lesson_for(other.lesson_key)
            if other_lesson is None or other_lesson.kind != "core":
                continue
            if other_lesson.number < lesson.number and other.scheduled_on > day:
                warnings.append(
                    f"This puts it before {lesson_label(other.lesson_key)} "
                    f"({format_short(other.scheduled_on)}), which comes first in the programme."
                )
            elif other_lesson.number > lesson.number and other.scheduled_on < day:
                warnings.append(
                    f"This puts it after {lesson_label(other.lesson_key)} "
                    f"({format_short(other.scheduled_on)}), which comes later in the programme."
                )
        warnings = warnings[:4]
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
        detail=f"class {school_class.id}: {lesson.key} on {day.isoformat()}",
    )
    db.session.commit()
    return occurrence


# ================================================================ what the views show


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


def week_window(today: date) -> tuple[date, date]:
    """Monday of this week to Sunday of next week."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=13)


def lessons_between(
    user: User, first: date, last: date, *, class_id: int | None = None, own_only: bool = True
) -> list[LessonOccurrence]:
    """The user's lessons (or, for `own_only=False`, the school's) from `first` to `last`,
    in date and time order, archived classes left out."""
    statement = (
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
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


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


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
        .order_by(SchoolClass.year_group, SchoolClass.name)
    )
    return [class_progress(c, calendar, today=today) for c in classes]


# ================================================================ iCalendar


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id)).first()


def issue_feed_token(user: User, *, now: datetime) -> str:
    """A new secret feed address for the user, replacing any earlier one (which stops
    working). Only the token's hash is stored. Commits."""
    begin_write()
    raw = secrets.token_urlsafe(32)
    feed = feed_of(user)
    renewed = feed is not None
    if feed is None:
        feed = CalendarFeed(school_id=user.school_id, user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _hash_token(raw)
    feed.created_at = now
    record_event(
        "calendar_feed.renewed" if renewed else "calendar_feed.created",
        school_id=user.school_id,
        user_id=user.id,
    )
    db.session.commit()
    return raw


def revoke_feed(user: User) -> bool:
    """Stop the user's feed address working. Commits."""
    begin_write()
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    record_event("calendar_feed.revoked", school_id=user.school_id, user_id=user.id)
    db.session.commit()
    return True


def user_for_feed_token(raw: str) -> User | None:
    """The active user whose feed this token opens, or None."""
    if not raw or len(raw) > 100:
        return None
    feed = db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.token_hash == _hash_token(raw))
    ).first()
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active or user.school_id != feed.school_id:
        return None
    return user


def build_ics(
    occurrences: Iterable[LessonOccurrence], *, timezone: str, name: str, now: datetime
) -> bytes:
    """An iCalendar file: one event per lesson, with its stable UID, local times in the
    school's time zone (with a VTIMEZONE), and skipped or cancelled lessons marked
    STATUS:CANCELLED rather than left out."""
    zone = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CMT Schools//Lesson calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    days = []
    for occurrence in occurrences:
        school_class = occurrence.school_class
        lesson = lesson_for(occurrence.lesson_key)
        start = datetime.combine(occurrence.scheduled_on, occurrence.starts_at, tzinfo=zone)
        title = lesson_label(occurrence.lesson_key)
        prefix = {"cancelled": "Cancelled: ", "skipped": "Skipped: "}.get(occurrence.status, "")
        event = icalendar.Event()
        event.add("uid", occurrence.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=occurrence.minutes))
        event.add("summary", f"{prefix}{school_class.name} CMT: {title}")
        description = [
            f"Class: {school_class.name} ({school_class.year_label}, {school_class.band.upper()})",
            f"Lesson: {title}",
        ]
        if lesson is not None:
            description.append(lesson.summary)
        event.add("description", "\n".join(description))
        event.add("sequence", occurrence.sequence)
        event.add(
            "status", "CANCELLED" if occurrence.status in ("cancelled", "skipped") else "CONFIRMED"
        )
        event.add("transp", "OPAQUE")
        if occurrence.updated_at is not None:
            updated = occurrence.updated_at
            updated = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
            event.add("last-modified", updated.astimezone(UTC).replace(microsecond=0))
        cal.add_component(event)
        days.append(occurrence.scheduled_on)
    if days:
        cal.add_missing_timezones(
            first_date=min(days) - timedelta(days=1), last_date=max(days) + timedelta(days=2)
        )
    return cal.to_ical()


def teacher_ics(user: User, *, now: datetime) -> bytes:
    """The teacher's own timetable: lessons of their active classes."""
    occurrences = db.session.scalars(
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.school_id == user.school_id,
            SchoolClass.teacher_id == user.id,
            SchoolClass.archived.is_(False),
        )
        .order_by(LessonOccurrence.scheduled_on, LessonOccurrence.starts_at)
    )
    school = db.session.get(School, user.school_id)
    return build_ics(occurrences, timezone=school.timezone, name="CMT lessons", now=now)


def class_ics(school_class: SchoolClass, *, now: datetime) -> bytes:
    school = school_class_school(school_class)
    return build_ics(
        school_class.occurrences,
        timezone=school.timezone,
        name=f"CMT lessons: {school_class.name}",
        now=now,
    )
