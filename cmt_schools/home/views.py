"""The start page, the staff dashboard and the health check."""

from __future__ import annotations

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
    """The teacher's "this week and next": what to teach, when, and where to find it. A lead
    sees the whole school's lessons, as the programme page counts them."""
    user = current_user._get_current_object()
    today = school_today(user.school)
    first, last = scheduling.week_window(today)
    lessons = scheduling.lessons_between(user, first, last, own_only=not user.is_lead)
    calendar = scheduling.load_calendar(user.school)
    own_classes = scheduling.classes_taught_by(user)
    return render_template(
        "home/dashboard.html",
        today=today,
        weeks=scheduling.dashboard_weeks(calendar, lessons, today),
        whole_school=user.is_lead,
        lesson_count=len(lessons),
        has_classes=bool(own_classes),
        has_terms=bool(calendar.terms),
        unscheduled=scheduling.without_lessons(own_classes),
        setup_left=user.is_lead and setup_incomplete(user.school),
    )


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """Each dependency's state and one status for a load balancer (core/health.py, README)."""
    report, status = health()
    return jsonify(report), status
