"""The classes pages: the list, adding, editing, archiving, and a class's own page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.views import form_errors_from
from ...core.access import STAFF, allow
from ...core.dates import staff_today
from ...core.services import ServiceError
from ...extensions import db
from .. import services
from ..forms import (
    ArchiveForm,
    ClassForm,
    StatusForm,
)
from ..models import SchoolClass
from .common import _class_or_404, _status, _term_id_arg, _user, bp


@bp.route("/classes")
@allow(*STAFF)
def classes():
    user = _user()
    calendar = services.load_calendar(user.school)
    today = staff_today()
    own = None if user.role == "lead" else user.id  # a lead lists the whole school's
    listed = services.listed_classes(user.school_id, teacher_id=own)
    return render_template(
        "scheduling/classes.html",
        classes=services.classes_progress(listed, calendar, today=today),
        archived=services.listed_classes(user.school_id, archived=True, teacher_id=own),
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
    today = staff_today()
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
