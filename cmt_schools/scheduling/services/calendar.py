"""The school calendar: terms, closures and bank holidays, and "is this a school day?".

A *school day* is a weekday inside a term and outside every closure and every bank
holiday of the school's nation (from the `holidays` library).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from sqlalchemy import select

from ...accounts.models import School
from ...core.dates import long_date, short_date
from ...core.services import ServiceError
from ...extensions import db
from ..models import CLOSURE_KINDS, Closure, Term
from .common import NATION_SUBDIVISIONS


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
            return f"{self.name} ({short_date(self.first_day)})"
        return f"{self.name} ({short_date(self.first_day)} to {short_date(self.last_day)})"

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
            return f"{long_date(day)} is a weekend."
        if self.term_for(day) is None:
            return f"{long_date(day)} is not in any term."
        closure = self.closure_for(day)
        if closure is not None:
            return f"{long_date(day)} is a closure: {closure.label}."
        holiday = self.bank_holiday(day)
        if holiday:
            return f"{long_date(day)} is a bank holiday ({holiday})."
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


def terms_of(school_id: int, *, newest_first: bool) -> list[Term]:
    """The school's terms in date order: the term-dates page lists them oldest first, the
    term summary's choice newest first. Each caller says which it wants."""
    order = (Term.first_day.desc(), Term.id.desc()) if newest_first else (Term.first_day, Term.id)
    return list(
        db.session.scalars(select(Term).where(Term.school_id == school_id).order_by(*order))
    )


def closures_of(school_id: int) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure).where(Closure.school_id == school_id).order_by(Closure.first_day)
        )
    )
