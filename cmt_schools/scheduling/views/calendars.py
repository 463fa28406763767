"""The calendar pages, .ics downloads and the secret calendar feeds."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.models import User
from ...core.access import PUBLIC, STAFF, allow
from ...core.dates import staff_today
from ...core.tenancy import get_owned_or_404
from .. import services
from ..forms import (
    FeedForm,
)
from .common import _class_or_404, _now, _term_id_arg, _user, bp


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
    today = staff_today()
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
