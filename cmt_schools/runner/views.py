"""The presenter (teacher's view), the pupils' screen and the delivery record."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..core.access import STAFF, allow
from ..core.dates import staff_today
from ..core.services import ServiceError
from ..curriculum.loader import load_curriculum
from ..curriculum.schema import Lesson
from ..scheduling.models import LessonOccurrence
from . import services
from .forms import RecordDeliveryForm

bp = Blueprint("runner", __name__)


def _viewer() -> services.Viewer:
    return services.Viewer(
        user_id=current_user.id, school_id=current_user.school_id, role=current_user.role
    )


def _occurrence_or_404(occurrence_id: int) -> tuple[LessonOccurrence, Lesson]:
    occurrence = services.find_occurrence(occurrence_id, _viewer())
    if occurrence is None:
        abort(404)
    lesson = load_curriculum().lesson(occurrence.lesson_key)
    if lesson is None:
        abort(404)
    return occurrence, lesson


def _lesson_or_404(band: str, slug: str) -> Lesson:
    lesson = services.find_lesson(band, slug)
    if lesson is None:
        abort(404)
    return lesson


def _run_key(lesson: Lesson, occurrence: LessonOccurrence | None) -> str:
    # Kept per user, so two staff sharing a browser never pick up each other's place.
    target = f"occurrence-{occurrence.id}" if occurrence else f"practice-{lesson.key}"
    return f"u{current_user.id}:{target}"


def _record_form(occurrence: LessonOccurrence, lesson: Lesson) -> RecordDeliveryForm:
    delivery = services.delivery_for(occurrence)
    if delivery is not None:
        outcomes = {step.step_index: step.outcome for step in delivery.steps}
        data = {
            "delivered_on": delivery.delivered_on,
            "minutes_taken": delivery.minutes_taken,
            "note": delivery.note,
            "outcomes": [outcomes.get(i, "taught") for i in range(len(lesson.steps))],
        }
    else:
        data = {
            "delivered_on": min(occurrence.scheduled_on, staff_today()),
            "minutes_taken": occurrence.minutes,
            "outcomes": ["taught"] * len(lesson.steps),
        }
    return RecordDeliveryForm(formdata=None, data=data)


def _render_presenter(
    lesson: Lesson,
    occurrence: LessonOccurrence | None,
    form: RecordDeliveryForm | None = None,
    status: int = 200,
):
    run_key = _run_key(lesson, occurrence)
    if occurrence is not None:
        pupil_url = url_for("runner.pupil_screen", occurrence_id=occurrence.id)
        leave_url = url_for("scheduling.class_detail", class_id=occurrence.class_id)
        if form is None:
            form = _record_form(occurrence, lesson)
        delivery = services.delivery_for(occurrence)
    else:
        pupil_url = url_for("runner.pupil_screen", band=lesson.band, slug=lesson.slug)
        leave_url = url_for("curriculum.lesson", band=lesson.band, slug=lesson.slug)
        delivery = None
    return render_template(
        "runner/present.html",
        lesson=lesson,
        occurrence=occurrence,
        delivery=delivery,
        form=form,
        run=services.run_data(lesson, run_key=run_key, for_teacher=True),
        pupil_url=pupil_url,
        leave_url=leave_url,
        plan_url=url_for("curriculum.lesson", band=lesson.band, slug=lesson.slug),
        today=staff_today(),
    ), status


@bp.route("/teach/<int:occurrence_id>")
@allow(*STAFF)
def present(occurrence_id: int):
    occurrence, lesson = _occurrence_or_404(occurrence_id)
    return _render_presenter(lesson, occurrence)


@bp.route("/teach/practice/<band>/<slug>")
@allow(*STAFF)
def practise(band: str, slug: str):
    return _render_presenter(_lesson_or_404(band, slug), None)


@bp.route("/teach/<int:occurrence_id>/pupils")
@bp.route("/teach/practice/<band>/<slug>/pupils")
@allow(*STAFF)
def pupil_screen(occurrence_id: int | None = None, band: str = "", slug: str = ""):
    if occurrence_id is not None:
        occurrence, lesson = _occurrence_or_404(occurrence_id)
    else:
        occurrence, lesson = None, _lesson_or_404(band, slug)
    return render_template(
        "runner/pupil_screen.html",
        lesson=lesson,
        run=services.run_data(lesson, run_key=_run_key(lesson, occurrence), for_teacher=False),
        school_help=services.school_help(current_user.school, lesson.band),
    )


@bp.route("/teach/<int:occurrence_id>/record", methods=["POST"])
@allow(*STAFF)
def record(occurrence_id: int):
    occurrence, lesson = _occurrence_or_404(occurrence_id)
    form = RecordDeliveryForm()
    if form.validate_on_submit():
        try:
            services.record_delivery(
                occurrence.id,
                _viewer(),
                delivered_on=form.delivered_on.data,
                minutes_taken=form.minutes_taken.data,
                outcomes=[entry.data for entry in form.outcomes],
                note=form.note.data,
                today=staff_today(),
            )
        except LookupError:
            abort(404)
        except ServiceError as error:
            _show_error(form, error)
        else:
            flash("Thank you. What you delivered is recorded.", "success")
            return redirect(url_for("runner.present", occurrence_id=occurrence.id) + "#record")
    occurrence, lesson = _occurrence_or_404(occurrence_id)  # reloaded after any rollback
    form.fit_steps(len(lesson.steps))
    return _render_presenter(lesson, occurrence, form, status=400)


def _show_error(form: RecordDeliveryForm, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
