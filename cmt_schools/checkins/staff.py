"""Check-ins, the staff side: opening one for a class, closing it, listing them, the count.

Opening takes the class's band (the wording pupils see) and caps the answers at the class
size plus a margin; closing finalises at once, which releases the figures (finalise.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    func,
    select,
)

from ..accounts.models import (
    School,
    User,
)
from ..audit.services import record_event
from ..core.dates import long_date, school_today
from ..core.services import ServiceError
from ..database import begin_write
from ..extensions import db
from ..scheduling.models import LessonOccurrence, SchoolClass
from .codes import is_open, new_join_code
from .finalise import _finalise
from .models import (
    KINDS,
    AnswerSet,
    CheckIn,
)

# How long a check-in stays open, in minutes, as the teacher chooses.
DURATIONS = {15: "15 minutes", 30: "30 minutes", 60: "1 hour", 1440: "1 day", 10080: "1 week"}
MAX_CLASS_SIZE = 60
# Answers allowed beyond the class size: a visiting pupil, a retake on a second device.
ANSWER_MARGIN = 5
INDICES = ("worry", "self_compassion")


def open_checkin(
    school_class: SchoolClass,
    *,
    kind: str,
    minutes: int,
    class_size: int,
    opened_by: User,
    now: datetime,
    occurrence_id: int | None = None,
) -> CheckIn:
    """Open a check-in for a class, with a fresh join code. Commits.

    The band is fixed now, so results are read against the wording pupils saw. Answers are
    capped at the class size plus a small margin.
    """
    begin_write()
    if school_class.school_id != opened_by.school_id or (
        opened_by.role != "lead" and school_class.teacher_id != opened_by.id
    ):
        raise ServiceError("Choose one of your classes.", "class_id")
    if kind not in KINDS:
        raise ServiceError("Choose what kind of check-in to open.", "kind")
    if minutes not in DURATIONS:
        raise ServiceError("Choose how long the check-in stays open.", "minutes")
    if not 1 <= class_size <= MAX_CLASS_SIZE:
        raise ServiceError(
            f"Give the number of pupils, between 1 and {MAX_CLASS_SIZE}.", "class_size"
        )
    if occurrence_id is not None:
        occurrence = db.session.get(LessonOccurrence, occurrence_id)
        if occurrence is None or occurrence.class_id != school_class.id:
            raise ServiceError("That lesson is not one of this class's lessons.", "occurrence_id")
    same_questions = CheckIn.kind == "now" if kind == "now" else CheckIn.kind != "now"
    already_open = db.session.scalar(
        select(CheckIn.id).where(
            CheckIn.class_id == school_class.id,
            same_questions,
            CheckIn.closed_at.is_(None),
            CheckIn.closes_at > now,
        )
    )
    if already_open is not None:
        # One at a time per class for the same questions (a "right now" check can run
        # during a week-long term check-in): two at once would split a class's answers,
        # and nothing a class needs takes two.
        what = "a \u201cright now\u201d check" if kind == "now" else "a term check-in"
        raise ServiceError(
            f"{school_class.name} already has {what} open. Close it first (from "
            "Check-ins), or wait until it closes.",
            "class_id",
        )
    school = db.session.get(School, school_class.school_id)
    code = _unused_join_code()
    checkin = CheckIn(
        school_id=school_class.school_id,
        class_id=school_class.id,
        occurrence_id=occurrence_id,
        kind=kind,
        band=school_class.band,
        join_code=code,
        opened_on=school_today(school, now),
        closes_at=now + timedelta(minutes=minutes),
        max_answers=class_size + ANSWER_MARGIN,
        opened_by_id=opened_by.id,
    )
    db.session.add(checkin)
    db.session.flush()
    record_event(
        "checkin.opened",
        school_id=checkin.school_id,
        user_id=opened_by.id,
        detail=f"{KINDS[kind]} check-in for {school_class.name}",
    )
    db.session.commit()
    return checkin


def _unused_join_code() -> str:
    # Codes stay unique for as long as their check-in exists (the column is unique), so a
    # closed check-in's code never opens another class's check-in.
    for _ in range(20):
        code = new_join_code()
        if db.session.scalar(select(CheckIn.id).where(CheckIn.join_code == code)) is None:
            return code
    raise ServiceError("Could not make a new join code just now. Please try again.")


def close_checkin(checkin: CheckIn, *, now: datetime, by: User) -> None:
    """Close a check-in now (no more answers) and write its tallies. Commits."""
    begin_write()
    _finalise(checkin.id, now)
    record_event(
        "checkin.closed",
        school_id=checkin.school_id,
        user_id=by.id,
        detail=(
            f"{KINDS.get(checkin.kind, checkin.kind)} check-in for {checkin.school_class.name}, "
            f"opened {long_date(checkin.opened_on)}"
        ),
    )
    db.session.commit()


@dataclass(frozen=True, slots=True)
class CheckInLine:
    """One check-in as the list of check-ins shows it."""

    id: int
    class_name: str
    teacher_name: str
    kind: str
    opened_on: date
    join_code: str
    still_open: bool
    answers: int  # the released count once finalised, the live count until then


def checkin_lines(user: User, *, now: datetime, limit: int = 200) -> list[CheckInLine]:
    """A teacher's check-ins (their classes), or the whole school's for a lead; newest
    first. Read as plain rows, with their classes' and teachers' names joined and the live
    counts of those not yet finalised in one more statement: a lead's list holds a row per
    check-in (two a class a term), and building a CheckIn, its class and teacher as ORM
    entities for each took most of the page's time at 60 classes."""
    statement = (
        select(
            CheckIn.id,
            CheckIn.kind,
            CheckIn.opened_on,
            CheckIn.join_code,
            CheckIn.closes_at,
            CheckIn.closed_at,
            CheckIn.answer_count,
            SchoolClass.name.label("class_name"),
            User.name.label("teacher_name"),
        )
        .join(SchoolClass, SchoolClass.id == CheckIn.class_id)
        .join(User, User.id == SchoolClass.teacher_id)
        .where(CheckIn.school_id == user.school_id)
        .order_by(CheckIn.opened_on.desc(), CheckIn.id.desc())
        .limit(limit)
    )
    if user.role != "lead":
        statement = statement.where(SchoolClass.teacher_id == user.id)
    rows = db.session.execute(statement).all()
    unfinalised = [row.id for row in rows if row.answer_count is None]
    live = {}
    if unfinalised:
        live = dict(
            db.session.execute(
                select(AnswerSet.check_in_id, func.count())
                .where(AnswerSet.check_in_id.in_(unfinalised))
                .group_by(AnswerSet.check_in_id)
            ).all()
        )
    return [
        CheckInLine(
            id=row.id,
            class_name=row.class_name,
            teacher_name=row.teacher_name,
            kind=row.kind,
            opened_on=row.opened_on,
            join_code=row.join_code,
            still_open=is_open(row, now),
            answers=row.answer_count if row.answer_count is not None else live.get(row.id, 0),
        )
        for row in rows
    ]


def live_count(checkin: CheckIn) -> int:
    """How many answer sets have arrived (the one thing shown while a check-in is open)."""
    if checkin.answer_count is not None:
        return checkin.answer_count
    return db.session.scalar(
        select(func.count()).select_from(AnswerSet).where(AnswerSet.check_in_id == checkin.id)
    )
