"""The lesson runner's use cases: find a lesson to teach, and record what was delivered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from ..accounts.models import School
from ..audit.services import record_event
from ..core.dates import long_date
from ..core.services import ServiceError
from ..core.wording import count_of
from ..curriculum.loader import load_curriculum
from ..curriculum.schema import STAGE_LABELS, Lesson, Step
from ..database import begin_write
from ..extensions import db
from ..scheduling.models import LessonOccurrence
from ..scheduling.services import describe_occurrence, occurrence_for_staff
from .models import STEP_OUTCOMES, Delivery, DeliveryStep

NOTE_MAX_LENGTH = 1000
MINUTES_TAKEN_RANGE = (1, 180)
# A record may be caught up on later, but not for a lesson more than a year ago.
OLDEST_RECORD_DAYS = 366
# Control characters other than tab and newline have no place in a note (and PostgreSQL
# refuses NUL in text).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a plain value so services need no request."""

    user_id: int
    school_id: int
    role: str


@dataclass(frozen=True)
class SchoolHelp:
    """Who pupils can turn to, as the school set it: shown with every calm close."""

    trusted_adults: str
    contacts: tuple[tuple[str, str], ...]  # (name, how to reach them) for the band


def school_help(school: School, band: str) -> SchoolHelp:
    return SchoolHelp(
        trusted_adults=(school.trusted_adults or "").strip(),
        contacts=tuple(
            (contact.name, contact.detail)
            for contact in school.support_contacts
            if contact.shown_to(band)
        ),
    )


def find_lesson(band: str, slug: str) -> Lesson | None:
    """A lesson of the curriculum by band and slug, or None when there is none."""
    if band not in ("ks2", "ks3", "ks4"):
        return None
    return load_curriculum().lesson(f"{band}/{slug}")


def find_occurrence(occurrence_id: int, viewer: Viewer) -> LessonOccurrence | None:
    """An occurrence the viewer may teach: a lead any of their school's, a teacher their own.

    Anything else (another school's, another teacher's, or no such id) is None, so views
    answer all of them with the same 404.
    """
    return occurrence_for_staff(
        occurrence_id,
        school_id=viewer.school_id,
        user_id=viewer.user_id,
        is_lead=viewer.role == "lead",
    )


def delivery_for(occurrence: LessonOccurrence) -> Delivery | None:
    return db.session.scalars(
        select(Delivery).where(Delivery.occurrence_id == occurrence.id)
    ).first()


def practice_minutes_for(step: Step, outcome: str) -> int:
    """Minutes of practice a step gave: all if taught, half (rounded up) if shortened, else 0."""
    if step.practice is None or outcome == "skipped":
        return 0
    if outcome == "shortened":
        return (step.practice.minutes + 1) // 2
    return step.practice.minutes


def clean_note(note: str | None) -> str:
    """The note as plain text: control characters removed, line endings unified, trimmed."""
    text = (note or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARACTERS.sub("", text).strip()


def check_delivery(
    lesson: Lesson,
    *,
    status: str,
    delivered_on: date | None,
    minutes_taken: int | None,
    outcomes: list[str],
    note: str,
    today: date,
) -> None:
    """Refuse a record that cannot be right, naming the field; nothing is written."""
    if status == "cancelled":
        raise ServiceError(
            "This lesson was cancelled, so it cannot be recorded as delivered. "
            "Restore it in the class's plan first."
        )
    if delivered_on is None:
        raise ServiceError("Enter the date the lesson was taught.", "delivered_on")
    if delivered_on > today:
        raise ServiceError(
            "The date the lesson was taught cannot be in the future.", "delivered_on"
        )
    if delivered_on < today - timedelta(days=OLDEST_RECORD_DAYS):
        raise ServiceError(
            "That date is more than a year ago. Check the date the lesson was taught.",
            "delivered_on",
        )
    low, high = MINUTES_TAKEN_RANGE
    if minutes_taken is None or not low <= minutes_taken <= high:
        raise ServiceError(f"Enter the minutes the lesson took, {low} to {high}.", "minutes_taken")
    if len(outcomes) != len(lesson.steps):
        raise ServiceError(
            f"Say how each of the lesson's {len(lesson.steps)} steps went.", "outcomes"
        )
    if any(outcome not in STEP_OUTCOMES for outcome in outcomes):
        raise ServiceError("Choose taught, shortened or skipped for every step.", "outcomes")
    if len(note) > NOTE_MAX_LENGTH:
        raise ServiceError(f"Keep the note to {NOTE_MAX_LENGTH} characters or fewer.", "note")


def write_delivery(
    occurrence: LessonOccurrence,
    lesson: Lesson,
    *,
    delivered_on: date,
    minutes_taken: int,
    outcomes: list[str],
    note: str,
    recorded_by_id: int | None,
) -> Delivery:
    """Add or replace the occurrence's delivery record in the open write transaction."""
    delivery = delivery_for(occurrence)
    if delivery is None:
        delivery = Delivery(school_id=occurrence.school_id, occurrence_id=occurrence.id)
        db.session.add(delivery)
    delivery.delivered_on = delivered_on
    delivery.minutes_taken = minutes_taken
    delivery.note = note
    delivery.recorded_by_id = recorded_by_id
    # Replacing the list deletes the earlier record's steps (delete-orphan): one record
    # per occurrence, and re-recording replaces it.
    delivery.steps = [
        DeliveryStep(
            step_index=index,
            stage=step.stage,
            outcome=outcome,
            practice_minutes=practice_minutes_for(step, outcome),
        )
        for index, (step, outcome) in enumerate(zip(lesson.steps, outcomes, strict=True))
    ]
    occurrence.status = "delivered"
    return delivery


def record_delivery(
    occurrence_id: int,
    viewer: Viewer,
    *,
    delivered_on: date | None,
    minutes_taken: int | None,
    outcomes: list[str],
    note: str | None,
    today: date,
) -> Delivery:
    """Record (or re-record) what was delivered of a lesson, and mark it delivered.

    Refused with a ServiceError, and nothing saved, for a cancelled lesson, a date in the
    future, minutes out of range, a missing or unknown step outcome or an over-long note.
    Raises LookupError when the viewer may not see the occurrence.
    """
    begin_write()
    occurrence = find_occurrence(occurrence_id, viewer)
    if occurrence is None:
        db.session.rollback()
        raise LookupError(occurrence_id)
    # Two people recording the same lesson at once queue here rather than both inserting.
    db.session.execute(
        select(LessonOccurrence.id).where(LessonOccurrence.id == occurrence.id).with_for_update()
    )
    lesson = load_curriculum().lesson(occurrence.lesson_key)
    if lesson is None:
        db.session.rollback()
        raise LookupError(occurrence.lesson_key)
    cleaned = clean_note(note)
    try:
        check_delivery(
            lesson,
            status=occurrence.status,
            delivered_on=delivered_on,
            minutes_taken=minutes_taken,
            outcomes=outcomes,
            note=cleaned,
            today=today,
        )
    except ServiceError:
        db.session.rollback()
        raise
    replacing = delivery_for(occurrence) is not None
    delivery = write_delivery(
        occurrence,
        lesson,
        delivered_on=delivered_on,  # type: ignore[arg-type]
        minutes_taken=minutes_taken,  # type: ignore[arg-type]
        outcomes=outcomes,
        note=cleaned,
        recorded_by_id=viewer.user_id,
    )
    taught = sum(1 for outcome in outcomes if outcome != "skipped")
    record_event(
        "delivery.re-recorded" if replacing else "delivery.recorded",
        school_id=viewer.school_id,
        user_id=viewer.user_id,
        detail=(
            f"{describe_occurrence(occurrence)}: taught on {long_date(delivered_on)}, "
            f"{taught} of {count_of(len(outcomes), 'step')} done"
        ),
    )
    db.session.commit()
    return delivery


# ---------------------------------------------------------------- what the pages embed


def practice_data(step: Step, *, for_teacher: bool) -> dict | None:
    practice = step.practice
    if practice is None:
        return None
    data = {
        "kind": practice.kind,
        "name": practice.name,
        "minutes": practice.minutes,
        "breatheIn": practice.breathe_in,
        "hold": practice.hold,
        "breatheOut": practice.breathe_out,
    }
    if for_teacher:
        data |= {"passOption": practice.pass_option, "alternative": practice.alternative}
    return data


def timer_seconds(step: Step) -> int:
    """The step's timer: its practice's length, or the whole step when it has no practice."""
    return (step.practice.minutes if step.practice else step.minutes) * 60


def run_data(lesson: Lesson, *, run_key: str, for_teacher: bool) -> dict:
    """The lesson as the runner's JavaScript needs it, embedded in the page as JSON.

    The pupils' version holds only what may go on the projector: never the teacher's
    script, SEND notes, safeguarding notes or the practices' pass and alternative.
    """
    steps = []
    for step in lesson.steps:
        item = {
            "stage": step.stage,
            "stageLabel": STAGE_LABELS[step.stage],
            "title": step.title,
            "minutes": step.minutes,
            "timerSeconds": timer_seconds(step),
            "practice": practice_data(step, for_teacher=for_teacher),
        }
        steps.append(item)
    return {
        "runKey": run_key,
        "lessonKey": lesson.key,
        "title": lesson.title,
        "minutes": lesson.minutes,
        "steps": steps,
    }
