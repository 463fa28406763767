"""The start page, the staff dashboard and the health check."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..core.access import PUBLIC, STAFF, allow
from ..core.dates import school_today
from ..core.health import health
from ..onboarding.services import setup_incomplete
from ..scheduling import services as scheduling

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(PUBLIC)
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    if current_user.trust_id is not None:  # a trust's staff have the trust's pages only
        return redirect(url_for("trusts.dashboard", trust_id=current_user.trust_id))
    # A lead lands on the set-up checklist until the school is ready to start.
    if current_user.is_lead and setup_incomplete(current_user.school):
        return redirect(url_for("onboarding.setup"))
    return redirect(url_for("home.dashboard"))


@bp.route("/dashboard")
@allow(*STAFF)
def dashboard():
    """The teacher's "this week and next": what to teach, when, and where to find it."""
    user = current_user._get_current_object()
    today = school_today(user.school)
    first, last = scheduling.week_window(today)
    lessons = scheduling.lessons_between(user, first, last)
    calendar = scheduling.load_calendar(user.school)
    weeks = []
    for label, start in (("This week", first), ("Next week", first + timedelta(days=7))):
        days = []
        for offset in range(7):
            day = start + timedelta(days=offset)
            todays = [o for o in lessons if o.scheduled_on == day]
            if day.weekday() < 5 or todays:
                days.append(
                    (day, todays, _day_note(calendar, day), calendar.why_not_school_day(day))
                )
        weeks.append((label, days))
    own_classes = [c for c in scheduling.classes_for(user) if c.teacher_id == user.id]
    return render_template(
        "home/dashboard.html",
        today=today,
        weeks=weeks,
        lesson_count=len(lessons),
        has_classes=bool(own_classes),
        has_terms=bool(calendar.terms),
        unscheduled=[c for c in own_classes if not c.occurrences],
        setup_left=user.is_lead and setup_incomplete(user.school),
    )


def _day_note(calendar: scheduling.SchoolCalendar, day) -> str | None:
    """Why a weekday has no school, in a few words, or None."""
    if not calendar.terms or day.weekday() >= 5:
        return None
    if calendar.term_for(day) is None:
        return "no term"
    closure = calendar.closure_for(day)
    if closure is not None:
        return closure.name
    holiday = calendar.bank_holiday(day)
    return f"bank holiday ({holiday})" if holiday else None


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """Each dependency's state and one status for a load balancer (core/health.py, README)."""
    report, status = health()
    return jsonify(report), status
