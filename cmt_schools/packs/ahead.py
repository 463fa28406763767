"""Packs as render jobs: how a pack becomes a job, and which packs to have ready.

Ready before anyone asks, for each active class: its term pack, and the lesson pack of each
lesson it has in the coming week. A change to a class, its lessons, or its school's name,
trusted adults or support contacts makes these due again (cmt_schools/renders/ahead.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import School, SupportContact
from ..core.dates import school_today, school_zone, utcnow
from ..curriculum.loader import load_curriculum
from ..extensions import db
from ..renders import RenderJob, each_day, plans_ahead, renderer, watch
from ..scheduling.models import LessonOccurrence, SchoolClass
from ..scheduling.services import describe_occurrence
from . import services

COMING_DAYS = 7


@renderer("pack")
def render(pack: services.PackInput) -> bytes:
    return services.render_pack(pack)


def pack_job(pack: services.PackInput, what: str) -> RenderJob:
    return RenderJob(
        kind="pack", key=pack.cache_key(), school_id=pack.school.id, spec=pack, what=what
    )


def term_pack_job(school: School, school_class: SchoolClass) -> RenderJob:
    pack = services.term_pack_input(school, school_class)
    return pack_job(pack, f"the term pack for {school_class.name}")


def occurrence_pack_job(school: School, occurrence: LessonOccurrence) -> RenderJob | None:
    lesson = load_curriculum().lesson(occurrence.lesson_key)
    if lesson is None:
        return None
    pack = services.lesson_pack_input(school, lesson, occurrence=occurrence)
    return pack_job(pack, f"the lesson pack for {describe_occurrence(occurrence)}")


@plans_ahead("class")
def class_packs(class_id: int) -> Iterator[RenderJob]:
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.archived:
        return
    school = db.session.get(School, school_class.school_id)
    # No lessons yet, or too many: the download says so; nothing to make ahead.
    with contextlib.suppress(services.PackRefused):
        yield term_pack_job(school, school_class)
    today = school_today(school)
    coming = db.session.scalars(
        select(LessonOccurrence)
        .where(
            LessonOccurrence.class_id == class_id,
            LessonOccurrence.status == "scheduled",
            LessonOccurrence.scheduled_on >= today,
            LessonOccurrence.scheduled_on < today + timedelta(days=COMING_DAYS),
        )
        .order_by(LessonOccurrence.scheduled_on)
    ).all()
    for occurrence in coming:
        try:
            job = occurrence_pack_job(school, occurrence)
        except services.PackRefused:
            continue
        if job is not None:
            yield job


@plans_ahead("school")
def school_packs(school_id: int) -> Iterator[RenderJob]:
    class_ids = db.session.scalars(
        select(SchoolClass.id).where(SchoolClass.school_id == school_id, ~SchoolClass.archived)
    ).all()
    for class_id in class_ids:
        yield from class_packs(class_id)


@each_day
def classes_teaching_soon() -> set[tuple[str, int]]:
    """Every active class with a lesson in the coming week (from today, in any time zone)."""
    today = utcnow().astimezone(school_zone(None)).date()
    class_ids = db.session.scalars(
        select(LessonOccurrence.class_id)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            ~SchoolClass.archived,
            LessonOccurrence.status == "scheduled",
            LessonOccurrence.scheduled_on >= today - timedelta(days=1),
            LessonOccurrence.scheduled_on < today + timedelta(days=COMING_DAYS),
        )
        .distinct()
    ).all()
    return {("class", class_id) for class_id in class_ids}


watch(LessonOccurrence, lambda occurrence: [("class", occurrence.class_id)])
watch(SchoolClass, lambda school_class: [("class", school_class.id)])
watch(School, lambda school: [("school", school.id)])
watch(SupportContact, lambda contact: [("school", contact.school_id)])
