"""PDF downloads: a lesson pack (for a band, or for one class's lesson), and a term pack."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from ..core.access import STAFF, allow
from ..core.tenancy import get_owned_or_404
from ..curriculum.loader import load_curriculum
from ..curriculum.schema import BAND_RULES
from ..extensions import db
from ..renders.downloads import send_rendered
from ..scheduling.models import LessonOccurrence, SchoolClass
from ..scheduling.services import describe_occurrence, lesson_label
from . import services
from .ahead import pack_job
from .audit import record_pack_download

bp = Blueprint("packs", __name__, url_prefix="/packs")


@bp.route("/lesson/<band>/<slug>.pdf")
@allow(*STAFF)
def lesson_pack(band: str, slug: str):
    lesson = load_curriculum().lesson(f"{band}/{slug}") if band in BAND_RULES else None
    if lesson is None:
        abort(404)
    return _download(
        lambda: services.lesson_pack_input(current_user.school, lesson),
        f"Lesson pack (PDF) for {band.upper()} {lesson_label(lesson.key)}",
        f"the {band.upper()} lesson pack for {lesson_label(lesson.key)}",
    )


@bp.route("/occurrence/<int:occurrence_id>.pdf")
@allow(*STAFF)
def occurrence_pack(occurrence_id: int):
    statement = (
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.id == occurrence_id,
            LessonOccurrence.school_id == current_user.school_id,
            SchoolClass.school_id == current_user.school_id,
        )
    )
    if not current_user.is_lead:
        statement = statement.where(SchoolClass.teacher_id == current_user.id)
    occurrence = db.session.scalars(statement).first()
    lesson = load_curriculum().lesson(occurrence.lesson_key) if occurrence else None
    if lesson is None:
        abort(404)
    return _download(
        lambda: services.lesson_pack_input(current_user.school, lesson, occurrence=occurrence),
        f"Lesson pack (PDF) for {describe_occurrence(occurrence)}",
        f"the lesson pack for {describe_occurrence(occurrence)}",
    )


@bp.route("/class/<int:class_id>/term.pdf")
@allow(*STAFF)
def term_pack(class_id: int):
    school_class = get_owned_or_404(SchoolClass, class_id, teacher_owned=True)
    return _download(
        lambda: services.term_pack_input(current_user.school, school_class),
        f"Term pack (PDF) for {school_class.name}",
        f"the term pack for {school_class.name}",
    )


def _download(
    read_input: Callable[[], services.PackInput], what: str, title: str
) -> Response | tuple:
    """The pack, or a page that waits for it. `what` is for the audit log, `title` for
    the page: "the term pack for 8B"."""
    try:
        pack = read_input()
    except services.PackRefused as refused:
        return (
            render_template(
                "errors/error.html",
                status=400,
                title="This pack cannot be made",
                message=refused.message,
            ),
            400,
        )
    school_id, user_id = current_user.school_id, current_user.id
    return send_rendered(
        pack_job(pack, title),
        filename=services.pack_filename(pack),  # letters, digits and hyphens only: safe to quote
        mimetype="application/pdf",
        on_sent=lambda: record_pack_download(school_id=school_id, user_id=user_id, what=what),
    )
