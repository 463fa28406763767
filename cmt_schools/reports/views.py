"""Term summaries (page, PDF, CSV) and the audit log, for school leads."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from ..checkins.services import finalise_due_checkins
from ..core.access import LEAD, allow
from ..core.dates import staff_today
from ..core.navigation import add_nav_item
from ..renders.downloads import send_rendered
from ..scheduling.services import terms_of
from . import services
from .ahead import summary_body, summary_filename, summary_job
from .audit import record_term_download
from .forms import AuditPageForm, TermChoiceForm

bp = Blueprint("reports", __name__, url_prefix="/reports")

add_nav_item("reports.term_summary", "Term summary", ("lead",))
add_nav_item("reports.audit_log", "Audit log", ("lead",))

AUDIT_PAGE_SIZE = 50
UK = ZoneInfo("Europe/London")
# Every action any feature records, in words (tests/test_audit_log.py checks none is left
# out); the event's detail says which class, lesson, date or person it concerns.
AUDIT_ACTIONS = {
    "report.download": "Downloaded a term summary",
    "pack.download": "Downloaded a pack",
    "staff.invite_link": "Made an invitation link",
    "staff.reset_link": "Made a password reset link",
    "staff.invite_used": "Accepted an invitation",
    "staff.reset_used": "Reset their password",
    "staff.deactivated": "Deactivated a member of staff",
    "staff.reactivated": "Reactivated a member of staff",
    "account.password_changed": "Changed their password",
    "account.email_changed": "Changed their email address",
    "school.settings_changed": "Changed the school settings",
    "school.data_exported": "Downloaded the school's data",
    "setup.ticked": "Ticked a set-up step",
    "setup.unticked": "Unticked a set-up step",
    "class.created": "Added a class",
    "class.changed": "Changed a class",
    "class.reassigned": "Gave a class to another teacher",
    "class.archived": "Archived a class",
    "class.unarchived": "Brought back an archived class",
    "calendar.term_added": "Added a term",
    "calendar.term_changed": "Changed a term",
    "calendar.term_deleted": "Deleted a term",
    "calendar.closure_added": "Added a closure",
    "calendar.closure_changed": "Changed a closure",
    "calendar.closure_deleted": "Deleted a closure",
    "calendar.year_added": "Filled in a school year",
    "calendar_feed.created": "Made a calendar feed",
    "calendar_feed.renewed": "Renewed their calendar feed",
    "calendar_feed.revoked": "Turned off their calendar feed",
    "schedule.saved": "Scheduled a class's programme",
    "schedule.added": "Added a lesson to a plan",
    "schedule.moved": "Moved a lesson",
    "schedule.skip": "Skipped a lesson",
    "schedule.cancel": "Cancelled a lesson",
    "schedule.restore": "Put a lesson back",
    "schedule.pushed_on": "Pushed lessons on",
    "delivery.recorded": "Recorded a lesson as taught",
    "delivery.re-recorded": "Changed the record of a taught lesson",
    "checkin.opened": "Opened a check-in",
    "checkin.closed": "Closed a check-in",
    "checkin.answers_purged": "Deleted old check-in answers (automatically)",
}


@bp.app_template_filter("uk_time")
def uk_time(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(UK)
    return f"{local.day} {local:%b %Y, %H:%M}"


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    # An action recorded by a newer release reads as words too, never as its code.
    return AUDIT_ACTIONS.get(action) or action.replace("_", " ").replace(".", ": ").capitalize()


def _chosen_term(terms):
    """The term named by ?term=, or the default one. Unknown or another school's: 404."""
    raw = request.args.get("term")
    if raw is None or raw == "":
        return services.default_term(terms, staff_today())
    term = services.find_term(current_user.school_id, raw)
    if term is None:
        abort(404)
    return term


@bp.route("/term-summary")
@allow(LEAD)
def term_summary():
    terms = terms_of(current_user.school_id, newest_first=True)
    term = _chosen_term(terms)
    form = TermChoiceForm(terms, term)
    if term is None:
        return render_template("reports/term_summary.html", form=form, term=None)
    # Check-ins past their closing time get their release first, so the summary counts them.
    finalise_due_checkins(datetime.now(UTC), school_id=current_user.school_id)
    school = current_user.school
    body = summary_body(school, term, staff_today())
    return render_template(
        "reports/term_summary.html", form=form, term=term, school_name=school.name, body=body
    )


@bp.route("/term-summary.pdf")
@allow(LEAD)
def term_summary_pdf():
    return _summary_file("pdf", "application/pdf")


@bp.route("/term-summary.csv")
@allow(LEAD)
def term_summary_csv():
    return _summary_file("csv", "text/csv; charset=utf-8")


def _summary_file(file_format: str, mimetype: str):
    """The term's summary file from the store, or a page that waits for it (renders/)."""
    terms = terms_of(current_user.school_id, newest_first=True)
    term = _chosen_term(terms)
    if term is None:
        abort(404)
    # Check-ins past their closing time get their release first, so the summary counts them.
    finalise_due_checkins(datetime.now(UTC), school_id=current_user.school_id)
    job = summary_job(current_user.school, term, staff_today(), file_format)
    user = current_user._get_current_object()
    school_id = current_user.school_id
    return send_rendered(
        job,
        filename=summary_filename(term, file_format),
        mimetype=mimetype,
        on_sent=lambda: record_term_download(user, school_id, term, file_format),
        back=("Back to the term summary", url_for("reports.term_summary", term=term.id)),
    )


@bp.route("/audit-log")
@allow(LEAD)
def audit_log():
    form = AuditPageForm(request.args, meta={"csrf": False})
    if request.args and not form.validate():
        return render_template(
            "reports/audit_log.html", form=form, events=[], page=1, has_more=False
        ), 400
    page = form.page.data or 1
    events, has_more = services.audit_page(current_user.school_id, page, AUDIT_PAGE_SIZE)
    return render_template(
        "reports/audit_log.html", form=form, events=events, page=page, has_more=has_more
    )
