"""The usual school year: a suggested set of terms and half-terms, saved all at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ...accounts.models import School, User
from ...audit.services import record_event
from ...core.dates import nth_weekday, weekday_on_or_after, weekday_on_or_before
from ...core.services import ServiceError
from ...core.wording import count_of
from ...database import begin_write
from ...extensions import db
from ..models import Closure, Term
from .calendar import Period, bank_holidays, terms_of
from .common import EARLIEST_YEAR, LATEST_YEAR, NATION_SUBDIVISIONS
from .terms import _check_closure, _check_term

MONDAY = 0


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
        autumn = (weekday_on_or_after(date(y, 8, 15), 2), weekday_on_or_before(date(y, 12, 20)))
        autumn_break = ("October holiday", *_week_from(nth_weekday(y, 10, MONDAY, 2)))
        spring = (weekday_on_or_after(date(n, 1, 6)), spring_last)
        spring_break = ("February mid-term", *_week_from(nth_weekday(n, 2, MONDAY, 2), 2))
        summer = (summer_first, weekday_on_or_before(date(n, 6, 26)))
        summer_break = ("May holiday", *_week_from(nth_weekday(n, 5, MONDAY, -1), 1))
    else:
        summer_end = date(n, 6, 30) if nation == "northern_ireland" else date(n, 7, 22)
        autumn = (weekday_on_or_after(date(y, 9, 1)), weekday_on_or_before(date(y, 12, 20), 4))
        autumn_break = ("Autumn half-term", *_week_from(nth_weekday(y, 10, MONDAY, -1)))
        spring = (weekday_on_or_after(date(n, 1, 3)), spring_last)
        spring_break = ("Spring half-term", *_week_from(nth_weekday(n, 2, MONDAY, 3)))
        summer = (summer_first, weekday_on_or_before(summer_end))
        summer_break = ("Summer half-term", *_week_from(nth_weekday(n, 5, MONDAY, -1)))
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
    taken = {school_year_of(term.first_day) for term in terms_of(school_id, newest_first=False)}
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
        detail=f"{count_of(len(terms), 'term')} and {count_of(len(closures), 'closure')}",
    )
    db.session.commit()
    return len(terms), len(closures)
