"""What a term summary reads: the school's terms, and three statements for one term.

Each statement is the same SQL on SQLite and PostgreSQL and bounded through an index by the
school (and the term's dates), so a summary's cost grows with the school's own rows for the
term, never with the size of the tables: the term's finalised check-ins with their released
figures, lessons per class and status with their delivery steps, and the school's classes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, bindparam, case, func, select

from ..accounts.models import User
from ..checkins.figures import ReleasedCheckIn
from ..checkins.models import CheckIn, CheckInRelease, ReleasedFigure
from ..checkins.release import Figure as ReleasedValue
from ..checkins.release import Statistic
from ..checkins.staff import ANSWER_MARGIN
from ..extensions import db
from ..runner.models import Delivery, DeliveryStep
from ..scheduling.models import LessonOccurrence, SchoolClass, Term
from .model import ANY_MEASURE, MEASURES, NOW_MEASURE, CheckInRow


def default_term(terms: list[Term], today: date) -> Term | None:
    """The term today falls in; else the most recent that has started; else the next."""
    for term in terms:
        if term.first_day <= today <= term.last_day:
            return term
    started = [term for term in terms if term.first_day <= today]
    if started:
        return max(started, key=lambda term: term.first_day)
    return min(terms, key=lambda term: term.first_day) if terms else None


def find_term(school_id: int, term_id: object) -> Term | None:
    """A term of this school by id, or None (unknown, malformed or another school's)."""
    try:
        key = int(str(term_id))
    except (TypeError, ValueError):
        return None
    if key < 1 or key > 2**31 - 1:
        return None
    return db.session.scalars(
        select(Term).where(Term.id == key, Term.school_id == school_id)
    ).first()


# Built once, with bound parameters, so each summary only binds values and runs them:
# the same SQL on SQLite and PostgreSQL, each bounded through an index by the school and
# the term's dates (check_in, lesson_occurrence), then by key (tallies, deliveries, steps).
_SCHOOL = bindparam("school_id")
_FIRST = bindparam("first_day")
_LAST = bindparam("last_day")
_TODAY = bindparam("today")

_TERM_CHECKINS = and_(
    CheckIn.school_id == _SCHOOL,
    CheckIn.opened_on >= _FIRST,
    CheckIn.opened_on <= _LAST,
    CheckIn.answer_count.is_not(None),  # finalised only: open check-ins have no results
)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


CLASS_QUERY = (
    select(
        SchoolClass.id,
        SchoolClass.name,
        SchoolClass.year_group,
        SchoolClass.band_override,
        SchoolClass.archived,
        User.name.label("teacher_name"),
    )
    .join(User, User.id == SchoolClass.teacher_id)
    .where(SchoolClass.school_id == _SCHOOL)
)

# The term's finalised check-ins, each with its released figures for the measures a summary
# shows (a check-in without a release gives one row, measure NULL).
ANSWER_QUERY = (
    select(
        CheckIn.id,
        CheckIn.class_id,
        CheckIn.kind,
        CheckIn.opened_on,
        CheckIn.answer_count,
        CheckIn.band,
        CheckIn.max_answers,
        CheckInRelease.threshold,
        ReleasedFigure.measure,
        ReleasedFigure.statistic,
        ReleasedFigure.value,
        ReleasedFigure.numerator,
        ReleasedFigure.weight,
        ReleasedFigure.noise_sd,
    )
    .select_from(CheckIn)
    .outerjoin(CheckInRelease, CheckInRelease.check_in_id == CheckIn.id)
    .outerjoin(
        ReleasedFigure,
        and_(
            ReleasedFigure.check_in_id == CheckIn.id,
            ReleasedFigure.measure.in_((*MEASURES, NOW_MEASURE, ANY_MEASURE)),
        ),
    )
    .where(_TERM_CHECKINS)
)


def _distinct_lessons_if(condition):
    return func.count(func.distinct(case((condition, LessonOccurrence.id))))


# Per class: lessons by status ("overdue": still scheduled before today), and the recorded
# steps of delivered lessons (how they went, minutes of practice).
DELIVERY_QUERY = (
    select(
        LessonOccurrence.class_id,
        func.count(func.distinct(LessonOccurrence.id)),
        _distinct_lessons_if(LessonOccurrence.status == "delivered"),
        _distinct_lessons_if(LessonOccurrence.status == "skipped"),
        _distinct_lessons_if(LessonOccurrence.status == "cancelled"),
        _distinct_lessons_if(
            and_(LessonOccurrence.status == "scheduled", LessonOccurrence.scheduled_on >= _TODAY)
        ),
        _distinct_lessons_if(
            and_(LessonOccurrence.status == "scheduled", LessonOccurrence.scheduled_on < _TODAY)
        ),
        func.count(DeliveryStep.id),
        _count_if(DeliveryStep.outcome == "taught"),
        _count_if(DeliveryStep.outcome == "shortened"),
        _count_if(DeliveryStep.outcome == "skipped"),
        func.coalesce(func.sum(DeliveryStep.practice_minutes), 0),
    )
    .select_from(LessonOccurrence)
    # The school condition is implied, but lets the planner bound the join by the school
    # (an index) instead of hashing the whole delivery table when it is small.
    .outerjoin(
        Delivery,
        and_(Delivery.occurrence_id == LessonOccurrence.id, Delivery.school_id == _SCHOOL),
    )
    .outerjoin(DeliveryStep, DeliveryStep.delivery_id == Delivery.id)
    .where(
        LessonOccurrence.school_id == _SCHOOL,
        LessonOccurrence.scheduled_on >= _FIRST,
        LessonOccurrence.scheduled_on <= _LAST,
    )
    .group_by(LessonOccurrence.class_id)
)

SUMMARY_QUERIES = {
    "classes": (CLASS_QUERY, ("school_id",)),
    "answers": (ANSWER_QUERY, ("school_id", "first_day", "last_day")),
    "delivery": (DELIVERY_QUERY, ("school_id", "first_day", "last_day", "today")),
}


def query_params(school_id: int, term: Term, today: date) -> dict:
    return {
        "school_id": school_id,
        "first_day": term.first_day,
        "last_day": term.last_day,
        "today": today,
    }


def fetch_term_rows(school_id: int, term: Term, today: date) -> dict[str, list]:
    """Run the summary's statements (plain Core execution: they return plain rows)."""
    params = query_params(school_id, term, today)
    connection = db.session.connection()
    return {
        name: connection.execute(statement, {key: params[key] for key in keys}).all()
        for name, (statement, keys) in SUMMARY_QUERIES.items()
    }


def read_released(rows) -> tuple[dict[int, CheckInRow], dict[int, ReleasedCheckIn], list[int]]:
    """The term's check-ins, their released figures, and the thresholds they were released
    under, from the answer query's rows."""
    checkins: dict[int, CheckInRow] = {}
    figures: dict[int, list[ReleasedValue]] = defaultdict(list)
    floors: set[int] = set()
    for row in rows:
        # One row per released figure: the check-in's own columns repeat on each of them.
        if row.id not in checkins:
            checkins[row.id] = CheckInRow(
                row.id,
                row.class_id,
                row.kind,
                row.opened_on,
                row.answer_count,
                band=row.band,
                class_size=max(0, int(row.max_answers) - ANSWER_MARGIN),
            )
            if row.threshold is not None:
                floors.add(int(row.threshold))
        if row.measure is not None:
            statistic = Statistic(row.measure, row.statistic, row.value)
            figures[row.id].append(
                ReleasedValue(statistic, row.numerator, row.weight, row.noise_sd)
            )
    released = {
        check_in_id: ReleasedCheckIn.of(
            checkins[check_in_id].kind, checkins[check_in_id].answer_count, found
        )
        for check_in_id, found in figures.items()
    }
    return checkins, released, sorted(floors)
