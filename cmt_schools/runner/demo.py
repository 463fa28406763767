"""Delivery records for the demo school's past lessons.

Runs after scheduling's demo has laid the classes' lessons. Most past lessons are recorded
with every step taught; a few have a step shortened or skipped and a short note. The most
recent past lesson of one class is left unrecorded, so "behind schedule" has something to
show.
"""

from __future__ import annotations

from sqlalchemy import select

from ..curriculum.loader import load_curriculum
from ..demo import DemoSchool
from ..extensions import db
from ..scheduling.models import LessonOccurrence, SchoolClass
from .services import write_delivery

NOTES = (
    "",
    "Ran the practice with eyes open for everyone after a noisy lunchtime; it settled well.",
    "Fire drill cut the lesson short, so the reflection became a quick thumbs check.",
    "Two pupils used the feet-and-hands anchor instead of the breathing. Worked fine.",
    "",
    "Shortened the explore activity: the class wanted more time to talk in pairs.",
    "",
    "Skipped try-this-week and set it as a quiet reminder on the board instead.",
)


def seed(demo: DemoSchool) -> None:
    """Record the demo's past lessons as delivered (inside seed_demo's write transaction)."""
    curriculum = load_curriculum()
    past = _past_scheduled(demo)
    if not past:
        return
    left_undelivered = _latest_of_first_class(past)
    for number, (occurrence, teacher_id) in enumerate(past):
        if occurrence.id == left_undelivered:
            continue
        lesson = curriculum.lesson(occurrence.lesson_key)
        if lesson is None:
            continue
        outcomes = ["taught"] * len(lesson.steps)
        stages = [step.stage for step in lesson.steps]
        if number % 4 == 1 and "practise" in stages:
            outcomes[stages.index("practise")] = "shortened"
        if number % 4 == 3 and "explore" in stages:
            outcomes[stages.index("explore")] = "shortened"
        if number % 7 == 6 and "try_this_week" in stages:
            outcomes[stages.index("try_this_week")] = "skipped"
        shortened = outcomes.count("shortened")
        write_delivery(
            occurrence,
            lesson,
            delivered_on=occurrence.scheduled_on,
            minutes_taken=max(1, occurrence.minutes - 5 * shortened),
            outcomes=outcomes,
            note=NOTES[number % len(NOTES)],
            recorded_by_id=teacher_id,
        )


def _past_scheduled(demo: DemoSchool) -> list[tuple[LessonOccurrence, int]]:
    rows = db.session.execute(
        select(LessonOccurrence, SchoolClass.teacher_id)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.school_id == demo.school.id,
            LessonOccurrence.scheduled_on < demo.today,
            LessonOccurrence.status == "scheduled",
        )
        .order_by(LessonOccurrence.scheduled_on, LessonOccurrence.class_id, LessonOccurrence.id)
    )
    return [(occurrence, teacher_id) for occurrence, teacher_id in rows]


def _latest_of_first_class(past: list[tuple[LessonOccurrence, int]]) -> int:
    first_class = min(occurrence.class_id for occurrence, _ in past)
    return max(
        (occurrence for occurrence, _ in past if occurrence.class_id == first_class),
        key=lambda occurrence: (occurrence.scheduled_on, occurrence.position),
    ).id
