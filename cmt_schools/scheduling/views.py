"""Classes, the lesson plan, calendars, term dates, the programme view and iCalendar feeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.views import form_errors_from
from ..cli import cmt
from ..core.access import LEAD, PUBLIC, STAFF, allow
from ..core.navigation import add_nav_item
from ..core.services import ServiceError
from ..core.tenancy import get_owned_or_404
from ..extensions import db
from . import services
from .cli import schedule as schedule_commands
from .forms import (
    AddLessonForm,
    ArchiveForm,
    ClassForm,
    ClosureForm,
    FeedForm,
    MoveForm,
    SchoolYearForm,
    StatusForm,
    TermForm,
    YearChoiceForm,
    schedule_form_class,
)
from .models import Closure, LessonOccurrence, SchoolClass, Term

bp = Blueprint("scheduling", __name__)
cmt.add_command(schedule_commands)  # flask --app app cmt schedule ...

add_nav_item("scheduling.classes", "Classes", ("teacher", "lead"), before="accounts.staff")
add_nav_item(
    "scheduling.teacher_calendar", "Calendar", ("teacher", "lead"), before="accounts.staff"
)
add_nav_item("scheduling.programme", "Programme", ("lead",), before="accounts.staff")
add_nav_item("scheduling.school_calendar", "Term dates", ("lead",), before="accounts.staff")


class _TemplateHelpers:
    """Date and lesson wording for templates, as `sched.format_day(...)` and so on."""

    format_day = staticmethod(services.format_day)
    format_short = staticmethod(services.format_short)
    lesson_label = staticmethod(services.lesson_label)
    school_year_label = staticmethod(services.school_year_label)

    @staticmethod
    def lesson_short(key: str) -> str:
        lesson = services.lesson_for(key)
        if lesson is None:
            return key
        return f"L{lesson.number} {lesson.title}" if lesson.kind == "core" else lesson.title

    @staticmethod
    def end_time(day, starts_at, minutes: int) -> str:
        return (datetime.combine(day, starts_at) + timedelta(minutes=minutes)).strftime("%H:%M")


bp.add_app_template_global(_TemplateHelpers, "sched")


def _now() -> datetime:
    return datetime.now(UTC)


def _today():
    return services.school_today(current_user.school)


def _user() -> User:
    return current_user._get_current_object()


def _class_or_404(class_id: int) -> SchoolClass:
    return get_owned_or_404(SchoolClass, class_id, teacher_owned=True)


def _occurrence_or_404(occurrence_id: int) -> LessonOccurrence:
    statement = (
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.id == occurrence_id,
            LessonOccurrence.school_id == current_user.school_id,
            SchoolClass.school_id == current_user.school_id,
        )
    )
    if current_user.role != "lead":
        statement = statement.where(SchoolClass.teacher_id == current_user.id)
    occurrence = db.session.scalars(statement).first()
    if occurrence is None:
        abort(404)
    return occurrence


def _term_id_arg() -> int | None:
    raw = request.args.get("term")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        abort(404)
    return int(raw)


def _status(method_failed: bool) -> int:
    return 400 if method_failed else 200


# ---------------------------------------------------------------- classes


@bp.route("/classes")
@allow(*STAFF)
def classes():
    user = _user()
    calendar = services.load_calendar(user.school)
    today = _today()
    active = services.classes_for(user)
    return render_template(
        "scheduling/classes.html",
        classes=[services.class_progress(c, calendar, today=today) for c in active],
        archived=services.classes_for(user, archived=True),
    )


def _class_form(school_class: SchoolClass | None = None) -> ClassForm:
    form = ClassForm(obj=school_class)
    if request.method == "GET" and school_class is not None:
        form.band_override.data = school_class.band_override or ""
    if current_user.role == "lead":
        form.teacher_id.choices = [
            (u.id, f"{u.name} ({u.role_label})")
            for u in services.staff_choices(current_user.school_id)
        ]
        if request.method == "GET" and school_class is None:
            form.teacher_id.data = current_user.id
    else:
        del form.teacher_id
    return form


@bp.route("/classes/new", methods=["GET", "POST"])
@allow(*STAFF)
def class_new():
    form = _class_form()
    if form.validate_on_submit():
        try:
            school_class = services.create_class(
                current_user.school,
                name=form.name.data,
                year_group=form.year_group.data,
                band_override=form.band_override.data,
                teacher_id=form.teacher_id.data if "teacher_id" in form else current_user.id,
                user=_user(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            flash(f"Class {school_class.name} added. Now schedule its lessons.", "success")
            return redirect(url_for("scheduling.schedule", class_id=school_class.id))
    return render_template("scheduling/class_form.html", form=form, school_class=None), _status(
        request.method == "POST"
    )


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def class_edit(class_id: int):
    school_class = _class_or_404(class_id)
    form = _class_form(school_class)
    if form.validate_on_submit():
        try:
            services.update_class(
                school_class,
                name=form.name.data,
                year_group=form.year_group.data,
                band_override=form.band_override.data,
                teacher_id=(
                    form.teacher_id.data if "teacher_id" in form else school_class.teacher_id
                ),
                user=_user(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            flash(f"Class {school_class.name} saved.", "success")
            return redirect(url_for("scheduling.class_detail", class_id=school_class.id))
    return render_template(
        "scheduling/class_form.html", form=form, school_class=school_class
    ), _status(request.method == "POST")


@bp.route("/classes/<int:class_id>/archive", methods=["POST"])
@allow(*STAFF)
def class_archive(class_id: int):
    school_class = _class_or_404(class_id)
    form = ArchiveForm()
    if not form.validate_on_submit():
        flash("Choose whether to archive the class or bring it back.", "error")
        return _render_class_detail(school_class, status=400)
    archived = form.archived.data == "1"
    try:
        services.set_class_archived(school_class, archived, user=_user())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_class_detail(school_class, status=400)
    flash(
        f"{school_class.name} is archived." if archived else f"{school_class.name} is back.",
        "success",
    )
    return redirect(url_for("scheduling.class_detail", class_id=school_class.id))


def _render_class_detail(school_class: SchoolClass, *, status: int = 200):
    db.session.rollback()
    calendar = services.load_calendar(current_user.school)
    today = _today()
    term = services.term_to_show(calendar, today, _term_id_arg())
    if term is None and _term_id_arg() is not None:
        abort(404)
    months = services.term_calendar(calendar, term, school_class.occurrences) if term else []
    return render_template(
        "scheduling/class_detail.html",
        school_class=school_class,
        rows=services.plan_rows(school_class, calendar),
        progress=services.class_progress(school_class, calendar, today=today),
        calendar=calendar,
        term=term,
        months=months,
        today=today,
        status_form=StatusForm(formdata=None),
        archive_form=ArchiveForm(formdata=None),
    ), status


@bp.route("/classes/<int:class_id>")
@allow(*STAFF)
def class_detail(class_id: int):
    return _render_class_detail(_class_or_404(class_id))


# ---------------------------------------------------------------- the plan


def _default_minutes(school_class: SchoolClass) -> int:
    core = [lesson for lesson in services.curriculum_lessons(school_class.band) if lesson.number]
    return core[0].minutes if core else 45


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
    today = _today()
    calendar = services.load_calendar(current_user.school)
    if request.method == "GET":
        form.core.data = [lesson.number for lesson in core]
        start = calendar.next_school_day(today) or today
        form.first_day.data = start
        form.weekdays.data = list(school_class.weekdays) or [start.weekday() % 5]
        form.starts_at.data = school_class.lesson_starts_at or time(9, 0)
        form.minutes.data = school_class.lesson_minutes or _default_minutes(school_class)
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
                        f"{len(saved.lessons)} lessons scheduled for {school_class.name}, "
                        f"from {services.format_day(first)} to {services.format_day(last)}.",
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
            today=_today(),
            user=_user(),
            confirmed=bool(form.confirm.data),
        ),
    )
    if outcome.done:
        flash(
            f"{services.lesson_label(occurrence.lesson_key)} moved to "
            f"{services.format_day(occurrence.scheduled_on)} at "
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
        moved = services.push_on_from(occurrence, today=_today(), user=_user())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_class_detail(school_class, status=400)
    flash(
        f"{services.lesson_label(occurrence.lesson_key)} and the {len(moved) - 1} lessons after "
        f"it moved on, in order: now {services.format_day(moved[0].scheduled_on)} to "
        f"{services.format_day(moved[-1].scheduled_on)}.",
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
            today=_today(),
            user=_user(),
            confirmed=bool(form.confirm.data),
        ),
    )
    if outcome.done:
        occurrence = outcome.result
        flash(
            f"{services.lesson_label(occurrence.lesson_key)} added on "
            f"{services.format_day(occurrence.scheduled_on)}.",
            "success",
        )
        return redirect(url_for("scheduling.class_detail", class_id=school_class.id))
    warnings, status = outcome.warnings, outcome.status
    return render_template(
        "scheduling/add_lesson.html", form=form, school_class=school_class, warnings=warnings
    ), status


# ---------------------------------------------------------------- calendars


@bp.route("/calendar")
@allow(*STAFF)
def teacher_calendar():
    teacher = _user()
    raw_teacher = request.args.get("teacher")
    if raw_teacher:
        if not raw_teacher.isdigit():
            abort(404)
        if current_user.role == "lead":
            teacher = get_owned_or_404(User, raw_teacher)
        elif int(raw_teacher) != current_user.id:
            abort(404)
    calendar = services.load_calendar(current_user.school)
    today = _today()
    term_id = _term_id_arg()
    term = services.term_to_show(calendar, today, term_id)
    if term is None and term_id is not None:
        abort(404)
    months = []
    if term:
        occurrences = services.lessons_between(teacher, term.first_day, term.last_day)
        months = services.term_calendar(calendar, term, occurrences)
    return render_template(
        "scheduling/teacher_calendar.html",
        teacher=teacher,
        calendar=calendar,
        term=term,
        months=months,
        today=today,
        staff=services.staff_choices(current_user.school_id) if current_user.is_lead else [],
    )


def _ics_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40]
    return cleaned or "class"


@bp.route("/classes/<int:class_id>/calendar.ics")
@allow(*STAFF)
def class_ics(class_id: int):
    school_class = _class_or_404(class_id)
    body = services.class_ics(school_class, now=_now())
    return _ics_response(body, f"cmt-lessons-{_safe_filename(school_class.name)}.ics")


@bp.route("/calendar/feed", methods=["GET", "POST"])
@allow(*STAFF)
def feed_settings():
    form = FeedForm()
    user = _user()
    new_url = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            flash("Choose to create, renew or turn off the feed.", "error")
            status = 400
        elif form.action.data == "create":
            token = services.issue_feed_token(user, now=_now())
            # Shown once, on this page only: only its hash is stored.
            new_url = url_for("scheduling.feed", token=token, _external=True)
        else:
            if services.revoke_feed(user):
                flash("Your calendar feed is turned off. Its address no longer works.", "success")
            return redirect(url_for("scheduling.feed_settings"))
    return render_template(
        "scheduling/feed_settings.html",
        feed=services.feed_of(user),
        new_url=new_url,
        form=FeedForm(formdata=None),
    ), status


@bp.route("/feeds/<token>.ics")
@allow(PUBLIC)
def feed(token: str):
    user = services.user_for_feed_token(token)
    if user is None:
        abort(404)
    return _ics_response(services.teacher_ics(user, now=_now()))


# ---------------------------------------------------------------- term dates (lead)


def _render_school_calendar(term_form=None, closure_form=None, status=200):
    school = current_user.school
    today = _today()
    calendar = services.load_calendar(school)
    term = services.term_to_show(calendar, today, None)
    return render_template(
        "scheduling/school_calendar.html",
        terms=services.terms_of(school.id),
        closures=services.closures_of(school.id),
        term_form=term_form or TermForm(formdata=None),
        closure_form=closure_form or ClosureForm(formdata=None),
        coming_year=services.coming_school_year(school.id, today),
        calendar=calendar,
        months=services.term_calendar(calendar, term, []) if term else [],
        term=term,
        today=today,
    ), status


@bp.route("/term-dates")
@allow(LEAD)
def school_calendar():
    return _render_school_calendar()


@bp.route("/term-dates/terms", methods=["POST"])
@allow(LEAD)
def term_add():
    form = TermForm()
    if form.validate_on_submit():
        try:
            term = services.add_term(
                current_user.school,
                name=form.name.data,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                user=_user(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            flash(f"{term.name} added.", "success")
            return redirect(url_for("scheduling.school_calendar"))
    return _render_school_calendar(term_form=form, status=400)


@bp.route("/term-dates/terms/<int:term_id>", methods=["GET", "POST"])
@allow(LEAD)
def term_edit(term_id: int):
    term = get_owned_or_404(Term, term_id)
    form = TermForm(obj=term)
    if form.validate_on_submit():
        try:
            services.update_term(
                term,
                name=form.name.data,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                user=_user(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            flash(f"{term.name} saved.", "success")
            return redirect(url_for("scheduling.school_calendar"))
    return render_template(
        "scheduling/period_form.html", form=form, what="term", period=term
    ), _status(request.method == "POST")


@bp.route("/term-dates/terms/<int:term_id>/delete", methods=["POST"])
@allow(LEAD)
def term_delete(term_id: int):
    term = get_owned_or_404(Term, term_id)
    name = term.name
    removed = services.delete_term(term, user=_user())
    extra = f" and its {removed} closures" if removed else ""
    flash(f"{name}{extra} deleted.", "success")
    return redirect(url_for("scheduling.school_calendar"))


def _closure_message(name: str, affected: int) -> None:
    if affected:
        flash(
            f"{name} saved. It falls on {affected} scheduled lessons: their teachers will see "
            "them marked to move.",
            "info",
        )
    else:
        flash(f"{name} saved.", "success")


@bp.route("/term-dates/closures", methods=["POST"])
@allow(LEAD)
def closure_add():
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            closure, affected = services.add_closure(
                current_user.school,
                name=form.name.data,
                kind=form.kind.data,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                user=_user(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            _closure_message(closure.name, affected)
            return redirect(url_for("scheduling.school_calendar"))
    return _render_school_calendar(closure_form=form, status=400)


@bp.route("/term-dates/closures/<int:closure_id>", methods=["GET", "POST"])
@allow(LEAD)
def closure_edit(closure_id: int):
    closure = get_owned_or_404(Closure, closure_id)
    form = ClosureForm(obj=closure)
    if form.validate_on_submit():
        try:
            affected = services.update_closure(
                closure,
                name=form.name.data,
                kind=form.kind.data,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                user=_user(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            _closure_message(closure.name, affected)
            return redirect(url_for("scheduling.school_calendar"))
    return render_template(
        "scheduling/period_form.html", form=form, what="closure", period=closure
    ), _status(request.method == "POST")


@bp.route("/term-dates/closures/<int:closure_id>/delete", methods=["POST"])
@allow(LEAD)
def closure_delete(closure_id: int):
    closure = get_owned_or_404(Closure, closure_id)
    name = closure.name
    services.delete_closure(closure, user=_user())
    flash(f"{name} deleted.", "success")
    return redirect(url_for("scheduling.school_calendar"))


@bp.route("/term-dates/usual-year", methods=["GET", "POST"])
@allow(LEAD)
def school_year():
    school = current_user.school
    choice = YearChoiceForm(request.args)
    if not choice.validate():
        abort(400)
    year = choice.year.data or services.coming_school_year(school.id, _today())
    suggestion = services.suggest_school_year(year, school.nation)
    form = SchoolYearForm()
    if request.method == "GET":
        for entry, period in zip(form.terms, suggestion.terms, strict=False):
            entry.form.name.data = period.name
            entry.form.first_day.data = period.first_day
            entry.form.last_day.data = period.last_day
        for entry, period in zip(form.closures, suggestion.closures, strict=False):
            entry.form.name.data = period.name
            entry.form.kind.data = period.kind
            entry.form.first_day.data = period.first_day
            entry.form.last_day.data = period.last_day
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            closures = []
            problem = None
            for index, entry in enumerate(form.closures):
                data = entry.form
                if not (data.name.data or "").strip() and not data.first_day.data:
                    continue  # an empty row: nothing to add
                if not (data.name.data or "").strip() or not data.first_day.data:
                    problem = (index, "Give each closure a name and a first day, or clear the row.")
                    break
                closures.append(
                    (data.name.data, data.kind.data, data.first_day.data, data.last_day.data)
                )
            if problem:
                form.closures[problem[0]].form.name.errors = [problem[1]]
            else:
                try:
                    added = services.save_school_year(
                        school,
                        terms=[
                            (e.form.name.data, e.form.first_day.data, e.form.last_day.data)
                            for e in form.terms
                        ],
                        closures=closures,
                        user=_user(),
                    )
                except ServiceError as error:
                    db.session.rollback()
                    _year_error(form, error)
                else:
                    flash(f"{added[0]} terms and {added[1]} closures added.", "success")
                    return redirect(url_for("scheduling.school_calendar"))
    return render_template(
        "scheduling/school_year.html", form=form, suggestion=suggestion, year=year
    ), status


def _year_error(form: SchoolYearForm, error: ServiceError) -> None:
    match = re.fullmatch(r"(terms|closures)-(\d+)-(\w+)", error.field or "")
    if match:
        entries = getattr(form, match.group(1))
        index = int(match.group(2))
        if index < len(entries) and match.group(3) in entries[index].form:
            field = entries[index].form[match.group(3)]
            field.errors = [*field.errors, error.message]
            return
    flash(error.message, "error")


# ---------------------------------------------------------------- the lead's programme view


@bp.route("/programme")
@allow(LEAD)
def programme():
    today = _today()
    rows = services.programme_progress(current_user.school, today=today)
    return render_template("scheduling/programme.html", rows=rows, today=today)
