"""The lead enters terms and closures: checked, saved and audited here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ...accounts.models import School, User
from ...audit.services import record_event
from ...core.dates import long_date, short_date
from ...core.services import ServiceError
from ...core.wording import count_of
from ...database import begin_write
from ...extensions import db
from ..models import CLOSURE_KINDS, Closure, LessonOccurrence, SchoolClass, Term
from .common import EARLIEST_YEAR, LATEST_YEAR, MAX_NAME, MAX_TERM_DAYS, _check_name


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
            f"The last day ({long_date(last_day)}) is before the first day "
            f"({long_date(first_day)}).",
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
            f"These dates overlap {other.name} ({short_date(other.first_day)} to "
            f"{short_date(other.last_day)}). Terms cannot overlap.",
            "first_day",
        )
    return name, first_day, last_day


def add_term(school: School, *, name: str, first_day: date, last_day: date, user: User) -> Term:
    """A new term. Refuses overlapping terms and an end before the start. Commits."""
    begin_write()
    name, first_day, last_day = _check_term(school.id, name, first_day, last_day)
    term = Term(school_id=school.id, name=name, first_day=first_day, last_day=last_day)
    db.session.add(term)
    record_event(
        "calendar.term_added",
        school_id=school.id,
        user_id=user.id,
        detail=_period_words(name, first_day, last_day),
    )
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
    record_event(
        "calendar.term_changed",
        school_id=term.school_id,
        user_id=user.id,
        detail=_period_words(name, first_day, last_day),
    )
    db.session.commit()


def delete_term(term: Term, *, user: User) -> int:
    """Delete a term and the closures inside it; returns how many closures went. Commits."""
    begin_write()
    closures = _closures_within(term.school_id, term.first_day, term.last_day)
    for closure in closures:
        db.session.delete(closure)
    record_event(
        "calendar.term_deleted",
        school_id=term.school_id,
        user_id=user.id,
        detail=_period_words(term.name, term.first_day, term.last_day)
        + (f", with {count_of(len(closures), 'closure')} inside it" if closures else ""),
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
            f"({long_date(first_day)} to {long_date(last_day)}).",
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
    affected = _scheduled_between(school.id, first_day, last_day)
    record_event(
        "calendar.closure_added",
        school_id=school.id,
        user_id=user.id,
        detail=_closure_words(closure, affected),
    )
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
    affected = _scheduled_between(closure.school_id, first_day, last_day)
    record_event(
        "calendar.closure_changed",
        school_id=closure.school_id,
        user_id=user.id,
        detail=_closure_words(closure, affected),
    )
    db.session.commit()
    return affected


def delete_closure(closure: Closure, *, user: User) -> None:
    begin_write()
    record_event(
        "calendar.closure_deleted",
        school_id=closure.school_id,
        user_id=user.id,
        detail=_closure_words(closure, 0),
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


def _period_words(name: str, first_day: date, last_day: date) -> str:
    """ "Autumn 2026, Wednesday 2 September 2026 to Friday 18 December 2026"."""
    if first_day == last_day:
        return f"{name}, {long_date(first_day)}"
    return f"{name}, {long_date(first_day)} to {long_date(last_day)}"


def _closure_words(closure: Closure, affected: int) -> str:
    """A closure as the audit log says it, with the lessons it falls on, if any."""
    words = (
        f"{_period_words(closure.name, closure.first_day, closure.last_day)} ({closure.kind_label})"
    )
    if affected:
        words += f"; it falls on {count_of(affected, 'scheduled lesson')}"
    return words
