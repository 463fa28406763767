"""A trust's pages: the dashboard, the term summary (page, PDF, CSV) and the trust's log.

Only a trust's own staff reach them (core/access.py gives everyone else 404), and only for
their own trust: another trust's id is 404 too. Every figure about pupils comes from
released figures (trusts/summary.py); nothing here reads a school's raw answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..checkins.services import finalise_due_checkins
from ..core.access import TRUST, allow
from ..core.navigation import add_nav_item
from ..renders.downloads import send_rendered
from ..reports.forms import AuditPageForm
from . import exports, services
from .ahead import trust_summary_body, trust_summary_job, trust_today
from .context import summary_context
from .models import TrustSchool
from .terms import default_trust_term, find_trust_term, school_years

bp = Blueprint("trusts", __name__)

add_nav_item("trusts.home", "Trust dashboard", (TRUST,))
LOG_PAGE_SIZE = 50
LOG_ACTIONS = {
    "trust.report_download": "Downloaded a trust summary",
    "trust.school_added": "A school joined the trust",
}


@bp.app_template_global("trust_membership")
def trust_membership(school_id: int):
    """For a school lead's data page: the trust that sees the school's released figures."""
    return services.membership_of(school_id)


@bp.app_template_filter("trust_action")
def trust_action(action: str) -> str:
    return LOG_ACTIONS.get(action, action)


def _own_trust_or_404(trust_id: int):
    trust = services.trust_for_user(current_user, trust_id)
    if trust is None:
        abort(404)
    return trust


def _chosen_term(trust_id: int, *, required: bool):
    """The trust term named by ?term= (a slug such as autumn-2026), or the default one."""
    terms = services.terms_of_trust(trust_id)
    raw = request.args.get("term", "")
    if raw:
        term = find_trust_term(terms, raw)
        if term is None:
            abort(404)
        return terms, term
    term = default_trust_term(terms, trust_today())
    if term is None and required:
        abort(404)
    return terms, term


def _summary(trust, term):
    _finalise_due(trust)
    return services.summary_for(trust, term, today=trust_today())


def _finalise_due(trust) -> list[TrustSchool]:
    """The trust's memberships, each school's check-ins past their closing time released
    first, so the trust counts them."""
    now = datetime.now(UTC)
    memberships = services.members(trust.id)
    for membership in memberships:
        finalise_due_checkins(now, school_id=membership.school_id)
    return memberships


@bp.route("/trust")
@allow(TRUST)
def home():
    return redirect(url_for("trusts.dashboard", trust_id=current_user.trust_id))


@bp.route("/trusts/<int:trust_id>/")
@allow(TRUST)
def dashboard(trust_id: int):
    trust = _own_trust_or_404(trust_id)
    terms, term = _chosen_term(trust.id, required=False)
    if term is None:
        return render_template("trusts/dashboard.html", trust=trust, terms=[], summary=None)
    summary = _summary(trust, term)
    return render_template(
        "trusts/dashboard.html",
        trust=trust,
        terms=terms,
        years=school_years(terms),
        rows=services.dashboard_rows(summary),
        **summary_context(summary),
    )


@bp.route("/trusts/<int:trust_id>/summary")
@allow(TRUST)
def summary(trust_id: int):
    trust = _own_trust_or_404(trust_id)
    terms, term = _chosen_term(trust.id, required=True)
    memberships = _finalise_due(trust)
    return render_template(
        "trusts/summary.html",
        trust=trust,
        terms=terms,
        term=term,
        school_count=len(memberships),
        body=trust_summary_body(trust, term, trust_today()),
    )


@bp.route("/trusts/<int:trust_id>/summary.pdf")
@allow(TRUST)
def summary_pdf(trust_id: int):
    return _summary_file(trust_id, "pdf", "application/pdf")


@bp.route("/trusts/<int:trust_id>/summary.csv")
@allow(TRUST)
def summary_csv(trust_id: int):
    return _summary_file(trust_id, "csv", "text/csv; charset=utf-8")


def _summary_file(trust_id: int, file_format: str, mimetype: str):
    """The trust summary's file from the store, or a page that waits for it (renders/)."""
    trust = _own_trust_or_404(trust_id)
    _terms, term = _chosen_term(trust.id, required=True)
    _finalise_due(trust)
    job = trust_summary_job(trust, term, trust_today(), file_format)
    user = current_user._get_current_object()
    return send_rendered(
        job,
        filename=exports.download_name(trust.name, trust.id, term, file_format),
        mimetype=mimetype,
        on_sent=lambda: services.record_download(user, trust_id, term, file_format),
        back=(
            "Back to the trust summary",
            url_for("trusts.summary", trust_id=trust_id, term=term.slug),
        ),
    )


@bp.route("/trusts/<int:trust_id>/log")
@allow(TRUST)
def log(trust_id: int):
    trust = _own_trust_or_404(trust_id)
    form = AuditPageForm(request.args, meta={"csrf": False})
    if request.args and not form.validate():
        return render_template(
            "trusts/log.html", trust=trust, form=form, events=[], page=1, has_more=False
        ), 400
    page = form.page.data or 1
    events, has_more = services.trust_log(trust.id, page, LOG_PAGE_SIZE)
    return render_template(
        "trusts/log.html", trust=trust, form=form, events=events, page=page, has_more=has_more
    )
