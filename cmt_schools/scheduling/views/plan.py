"""The plan of a class: laying out the programme, then changing it lesson by lesson."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.views import form_errors_from
from ...core.access import STAFF, allow
from ...core.dates import long_date, staff_today
from ...core.services import ServiceError
from ...core.wording import count_of
from ...extensions import db
from .. import services
from ..forms import (
    AddLessonForm,
    MoveForm,
    StatusForm,
    schedule_form_class,
)
from ..models import SchoolClass
from .classes import _render_class_detail
from .common import _class_or_404, _occurrence_or_404, _user, bp


def _default_minutes(school_class: SchoolClass) -> int:
    core = [lesson for lesson in services.curriculum_lessons(school_class.band) if lesson.number]
    return core[0].minutes if core else 45


def _fill_schedule_form(form, school_class: SchoolClass, core, start) -> None:
    """What the schedule form offers first: every core lesson from the next school day, at
    the class's usual time, or the band's usual lesson length. No weekday is ticked: one
    ticked for the teacher, who then ticks their own, would give two lessons a week."""
    form.core.data = [lesson.number for lesson in core]
    form.first_day.data = start
    form.weekdays.data = []
    form.starts_at.data = school_class.lesson_starts_at or time(9, 0)
    form.minutes.data = school_class.lesson_minutes or _default_minutes(school_class)


@bp.route("/classes/<int:class_id>/schedule", methods=["GET", "POST"])
@allow(*STAFF)
def schedule(class_id: int):
    school_class = _class_or_404(class_id)
    band = school_class.band
    lessons = services.curriculum_lessons(band)
    core = [lesson for lesson in lessons if lesson.kind == "core"]
    extras = [lesson for lesson in lessons if lesson.kind == "extra"]
    form = schedule_form_class(extras)()
    form.core.choices = [(lesson.number, f"{lesson.number}. {lesson.title}") for lesson in core]
    today = staff_today()
    calendar = services.load_calendar(current_user.school)
    if request.method == "GET":
        _fill_schedule_form(form, school_class, core, calendar.next_school_day(today) or today)
    plan = None
    status = 200
    step = request.form.get("step", "preview")
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            values = {}
            try:
                keys = services.programme_lessons(
                    band,
                    core_numbers=form.core.data,
                    extras={
                        lesson.slug: int(form[f"extra_{i}"].data)
                        for i, lesson in enumerate(extras)
                        if form[f"extra_{i}"].data
                    },
                )
                values = {
                    "lesson_keys": keys,
                    "first_day": form.first_day.data,
                    "weekdays": form.weekdays.data,
                    "starts_at": form.starts_at.data,
                    "minutes": form.minutes.data,
                    "today": today,
                }
                if step == "confirm":
                    saved = services.schedule_programme(
                        school_class,
                        user=_user(),
                        expected_digest=form.plan_digest.data or "",
                        **values,
                    )
                    first, last = saved.lessons[0].day, saved.lessons[-1].day
                    flash(
                        f"{count_of(len(saved.lessons), 'lesson')} scheduled for "
                        f"{school_class.name}, from {long_date(first)} to {long_date(last)}.",
                        "success",
                    )
                    return redirect(url_for("scheduling.class_detail", class_id=school_class.id))
                plan = services.preview_programme(school_class, **values)
                form.plan_digest.data = plan.digest
                status = 200
            except services.PlanChanged as error:
                db.session.rollback()
                flash(error.message, "error")
                plan = services.preview_programme(school_class, **values)
                form.plan_digest.data = plan.digest
                status = 409
            except ServiceError as error:
                db.session.rollback()
                plan = None
                _schedule_error(form, error, extras)
    return render_template(
        "scheduling/schedule.html",
        form=form,
        school_class=school_class,
        extras=[(form[f"extra_{i}"], lesson) for i, lesson in enumerate(extras)],
        plan=plan,
        calendar=calendar,
        weekly=services.lessons_a_week(form.weekdays.data or []),
        usual_weekdays=services.weekday_list(school_class.weekdays),
    ), status


def _schedule_error(form, error: ServiceError, extras) -> None:
    slugs = {lesson.slug: i for i, lesson in enumerate(extras)}
    if error.field in slugs:
        error = ServiceError(error.message, f"extra_{slugs[error.field]}")
    form_errors_from(form, error)


@dataclass
class ChangeOutcome:
    done: bool = False
    result: object = None
    warnings: list[str] = field(default_factory=list)
    status: int = 200


def _confirmable(form, change: Callable[[], object]) -> ChangeOutcome:
    """Run a change to the plan that the teacher may have to confirm.

    Warnings (NeedsConfirmation) come back for the teacher to tick and resubmit; a refusal
    (ServiceError) shows on the form with status 400; nothing is half-saved either way.
    """
    if request.method != "POST":
        return ChangeOutcome()
    if not form.validate_on_submit():
        return ChangeOutcome(status=400)
    try:
        result = change()
    except services.NeedsConfirmation as warning:
        db.session.rollback()
        return ChangeOutcome(warnings=warning.warnings)
    except ServiceError as error:
        db.session.rollback()
        form_errors_from(form, error)
        return ChangeOutcome(status=400)
    return ChangeOutcome(done=True, result=result)


@bp.route("/lessons/<int:occurrence_id>/move", methods=["GET", "POST"])
@allow(*STAFF)
def lesson_move(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = MoveForm()
    if request.method == "GET":
        form.day.data = occurrence.scheduled_on
        form.starts_at.data = occurrence.starts_at
    outcome = _confirmable(
        form,
        lambda: services.move_occurrence(
            occurrence,
            day=form.day.data,
            starts_at=form.starts_at.data,
            today=staff_today(),
            user=_user(),
            confirmed=bool(form.confirm.data),
        ),
    )
    if outcome.done:
        flash(
            f"{services.lesson_label(occurrence.lesson_key)} moved to "
            f"{long_date(occurrence.scheduled_on)} at "
            f"{occurrence.starts_at:%H:%M}.",
            "success",
        )
        return redirect(url_for("scheduling.class_detail", class_id=occurrence.class_id))
    warnings, status = outcome.warnings, outcome.status
    return render_template(
        "scheduling/move.html",
        form=form,
        occurrence=occurrence,
        label=services.lesson_label(occurrence.lesson_key),
        warnings=warnings,
    ), status


@bp.route("/lessons/<int:occurrence_id>/status", methods=["POST"])
@allow(*STAFF)
def lesson_status(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = StatusForm()
    school_class = occurrence.school_class
    if not form.validate_on_submit():
        flash("Choose skip, cancel or put back.", "error")
        return _render_class_detail(school_class, status=400)
    try:
        services.set_occurrence_status(occurrence, form.action.data, user=_user())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_class_detail(school_class, status=400)
    done = {"skip": "skipped", "cancel": "cancelled", "restore": "back in the plan"}
    flash(f"{services.lesson_label(occurrence.lesson_key)} is {done[form.action.data]}.", "success")
    return redirect(url_for("scheduling.class_detail", class_id=school_class.id))


@bp.route("/lessons/<int:occurrence_id>/missed", methods=["POST"])
@allow(*STAFF)
def lesson_missed(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    school_class = occurrence.school_class
    try:
        moved = services.push_on_from(occurrence, today=staff_today(), user=_user())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_class_detail(school_class, status=400)
    flash(
        f"{services.lesson_label(occurrence.lesson_key)} and the "
        f"{count_of(len(moved) - 1, 'lesson')} after "
        f"it moved on, in order: now {long_date(moved[0].scheduled_on)} to "
        f"{long_date(moved[-1].scheduled_on)}.",
        "success",
    )
    return redirect(url_for("scheduling.class_detail", class_id=school_class.id))


@bp.route("/classes/<int:class_id>/lessons/new", methods=["GET", "POST"])
@allow(*STAFF)
def lesson_add(class_id: int):
    school_class = _class_or_404(class_id)
    form = AddLessonForm()
    lessons = services.curriculum_lessons(school_class.band)
    form.lesson_key.choices = [
        (lesson.key, services.lesson_label(lesson.key)) for lesson in lessons
    ]
    if request.method == "GET":
        form.starts_at.data = school_class.lesson_starts_at or time(9, 0)
        form.minutes.data = school_class.lesson_minutes or _default_minutes(school_class)
        extras = [lesson.key for lesson in lessons if lesson.kind == "extra"]
        form.lesson_key.data = extras[0] if extras else None
    outcome = _confirmable(
        form,
        lambda: services.add_lesson(
            school_class,
            lesson_key=form.lesson_key.data,
            day=form.day.data,
            starts_at=form.starts_at.data,
            minutes=form.minutes.data,
            today=staff_today(),
            user=_user(),
            confirmed=bool(form.confirm.data),
        ),
    )
    if outcome.done:
        occurrence = outcome.result
        flash(
            f"{services.lesson_label(occurrence.lesson_key)} added on "
            f"{long_date(occurrence.scheduled_on)}.",
            "success",
        )
        return redirect(url_for("scheduling.class_detail", class_id=school_class.id))
    warnings, status = outcome.warnings, outcome.status
    return render_template(
        "scheduling/add_lesson.html", form=form, school_class=school_class, warnings=warnings
    ), status
