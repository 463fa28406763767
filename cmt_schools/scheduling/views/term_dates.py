"""Term dates (the lead): terms, closures and the usual school year."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.views import form_errors_from
from ...core.access import LEAD, allow
from ...core.dates import staff_today
from ...core.services import ServiceError
from ...core.tenancy import get_owned_or_404
from ...core.wording import count_of
from ...extensions import db
from .. import services
from ..forms import (
    ClosureForm,
    SchoolYearForm,
    TermForm,
    YearChoiceForm,
)
from ..models import Closure, Term
from .common import _status, _user, bp

# The page holds two forms; their prefixes keep every id (and each label's target) apart.
TERM_PREFIX = "term"
CLOSURE_PREFIX = "closure"


def _render_school_calendar(term_form=None, closure_form=None, status=200):
    school = current_user.school
    today = staff_today()
    calendar = services.load_calendar(school)
    term = services.term_to_show(calendar, today, None)
    return render_template(
        "scheduling/school_calendar.html",
        terms=services.terms_of(school.id, newest_first=False),
        closures=services.closures_of(school.id),
        term_form=term_form or TermForm(formdata=None, prefix=TERM_PREFIX),
        closure_form=closure_form or ClosureForm(formdata=None, prefix=CLOSURE_PREFIX),
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
    form = TermForm(prefix=TERM_PREFIX)
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
    extra = f" and its {count_of(removed, 'closure')}" if removed else ""
    flash(f"{name}{extra} deleted.", "success")
    return redirect(url_for("scheduling.school_calendar"))


def _closure_message(name: str, affected: int) -> None:
    if affected:
        flash(
            f"{name} saved. It falls on {count_of(affected, 'scheduled lesson')}: their "
            f"teachers will see {'it' if affected == 1 else 'them'} marked to move.",
            "info",
        )
    else:
        flash(f"{name} saved.", "success")


@bp.route("/term-dates/closures", methods=["POST"])
@allow(LEAD)
def closure_add():
    form = ClosureForm(prefix=CLOSURE_PREFIX)
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
    year = choice.year.data or services.coming_school_year(school.id, staff_today())
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
                    flash(
                        f"{count_of(added[0], 'term')} and {count_of(added[1], 'closure')} added.",
                        "success",
                    )
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
