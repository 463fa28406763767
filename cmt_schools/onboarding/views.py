"""The set-up checklist, printable documents, privacy notices, help pages and the lead's
data page (export and deletion)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user

from ..accounts.models import School
from ..accounts.views import form_errors_from
from ..core.access import LEAD, PUBLIC, STAFF, allow, require_recent_login
from ..core.dates import staff_today
from ..core.inputs import parse_id
from ..core.navigation import add_nav_item
from ..core.services import ServiceError
from ..extensions import db
from ..packs.rendering import render_pdf
from ..renders.downloads import send_rendered
from ..renders.store import forget
from . import data, exports, services
from .forms import DeleteSchoolDataForm, TickForm
from .notices import NEVER_STORED_ADULTS, answer_set_fields

bp = Blueprint("onboarding", __name__)

add_nav_item("onboarding.setup", "Set-up", ("lead",))
add_nav_item("onboarding.help_index", "Help", ("teacher", "lead"))


@bp.context_processor
def _links() -> dict:
    return {
        "months_in_words": services.months_in_words,
    }


# ---------------------------------------------------------------- the checklist


def _tick_forms(errors_for: str | None = None, form: TickForm | None = None) -> dict:
    forms = {}
    for item, (_title, label) in services.MANUAL_ITEMS.items():
        if item == errors_for and form is not None:
            tick_form = form
        else:
            tick_form = TickForm(prefix=item, formdata=None, data={"done_on": staff_today()})
        tick_form.done_on.label.text = label
        forms[item] = tick_form
    return forms


def _render_setup(forms: dict, status: int = 200):
    school = current_user.school
    return render_template(
        "onboarding/setup.html",
        school=school,
        checklist=services.build_checklist(school),
        forms=forms,
        defaults=services.privacy_defaults(),
    ), status


@bp.route("/setup")
@allow(LEAD)
def setup():
    return _render_setup(_tick_forms())


@bp.route("/setup/ticks/<item>", methods=["POST"])
@allow(LEAD)
def tick(item: str):
    if item not in services.MANUAL_ITEMS:
        abort(404)
    form = TickForm(prefix=item)
    if form.validate_on_submit():
        try:
            services.tick_item(
                current_user.school,
                item,
                done_on=form.done_on.data,
                lead=current_user,
                today=staff_today(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            flash("Marked as done.", "success")
            return redirect(url_for("onboarding.setup") + f"#item-{item}")
    return _render_setup(_tick_forms(item, form), 400)


@bp.route("/setup/ticks/<item>/untick", methods=["POST"])
@allow(LEAD)
def untick(item: str):
    if item not in services.MANUAL_ITEMS:
        abort(404)
    services.untick_item(current_user.school, item, lead=current_user)
    flash("Marked as not done.", "info")
    return redirect(url_for("onboarding.setup") + f"#item-{item}")


# ---------------------------------------------------------------- printed documents

DOCUMENTS = {
    "parent_letter": ("onboarding/print/parent_letter.html", "parent-and-carer-letter"),
    "dsl_briefing": ("onboarding/print/dsl_briefing.html", "dsl-briefing"),
    "staff_briefing": ("onboarding/print/staff_briefing.html", "staff-briefing"),
}


def _document(kind: str) -> Response:
    template, filename = DOCUMENTS[kind]
    school = current_user.school
    html = render_template(
        template,
        school=school,
        today=staff_today(),
        author=current_user,
        questions=services.letter_questions(),
        scales=services.letter_answer_scales(),
        programme=services.programme_outline(),
        protection=services.protection_for(school),
        privacy_url=url_for("onboarding.privacy", school=school.id, _external=True),
        pupil_privacy_url=url_for("onboarding.privacy_pupils", school=school.id, _external=True),
    )
    response = Response(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@bp.route("/documents/parent-letter.pdf")
@allow(*STAFF)
def parent_letter():
    return _document("parent_letter")


@bp.route("/documents/dsl-briefing.pdf")
@allow(*STAFF)
def dsl_briefing():
    return _document("dsl_briefing")


@bp.route("/documents/staff-briefing.pdf")
@allow(*STAFF)
def staff_briefing():
    return _document("staff_briefing")


# ---------------------------------------------------------------- privacy notices


def _school_from_query() -> School | None:
    """The school named by ?school=<id>, None without one; an unknown id is a 404."""
    raw = request.args.get("school")
    if raw is None:
        return None
    school_id = parse_id(raw)
    if school_id is None:
        abort(404)
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    return school


def _notice_context() -> dict:
    school = _school_from_query()
    defaults = services.privacy_defaults()
    return {
        "contacts_younger": services.support_contacts_for(school, "ks2"),
        "contacts_older": services.support_contacts_for(school, "ks3"),
        "school": school,
        "threshold": school.suppression_threshold if school else defaults["suppression_threshold"],
        "min_wave": school.min_wave_size if school else defaults["min_wave_size"],
        "retention": school.retention_months if school else defaults["retention_months"],
        "defaults": defaults,
        "protection": services.protection_for(school),
        "fields": answer_set_fields(),
        "never_stored": NEVER_STORED_ADULTS,
        "school_arg": {"school": school.id} if school else {},
    }


@bp.route("/privacy")
@allow(PUBLIC)
def privacy():
    return render_template("onboarding/privacy.html", **_notice_context())


@bp.route("/privacy/pupils")
@allow(PUBLIC)
def privacy_pupils():
    return render_template("onboarding/privacy_pupils.html", **_notice_context())


# ---------------------------------------------------------------- help

HELP_TOPICS = {
    "first-lesson": ("Teaching your first lesson", "onboarding/help/first_lesson.html"),
    "running-a-check-in": ("Running a check-in in class", "onboarding/help/check_in.html"),
    "reading-the-term-summary": (
        "Reading the term summary",
        "onboarding/help/term_summary.html",
    ),
}


@bp.route("/help")
@allow(PUBLIC)
def help_index():
    return render_template("onboarding/help/index.html", topics=HELP_TOPICS)


@bp.route("/help/<topic>")
@allow(PUBLIC)
def help_topic(topic: str):
    if topic not in HELP_TOPICS:
        abort(404)
    title, template = HELP_TOPICS[topic]
    return render_template(template, title=title, topics=HELP_TOPICS, topic=topic)


# ---------------------------------------------------------------- the school's data


@bp.route("/school/data")
@allow(LEAD)
def data_privacy():
    school = current_user.school
    return render_template(
        "onboarding/data_privacy.html",
        school=school,
        counts=data.data_counts(school.id),
        retention=data.retention_status(school, today=staff_today()),
        defaults=services.privacy_defaults(),
    )


@bp.route("/school/data/export.zip")
@allow(LEAD)
@require_recent_login
def export_data():
    """A new export: a link of its own (`?request=`), whose file the worker makes."""
    requested = request.args.get("request")
    if requested is None:
        return redirect(url_for("onboarding.export_data", request=exports.new_request_key()))
    if not exports.is_request_key(requested):
        abort(404)
    school = current_user.school
    today = staff_today()
    job = exports.export_job(school, current_user, today, requested)
    return send_rendered(
        job,
        filename=data.export_filename(school, today),
        mimetype="application/zip",
        on_sent=lambda: forget(job.key),
        back=("Back to your school's data", url_for("onboarding.data_privacy")),
        kept=exports.WHILE_AWAY,
    )


@bp.route("/school/data/delete", methods=["GET", "POST"])
@allow(LEAD)
@require_recent_login
def delete_data():
    school = current_user.school
    form = DeleteSchoolDataForm()
    if form.validate_on_submit():
        try:
            data.delete_school_data(
                school, lead=current_user._get_current_object(), confirmation=form.confirmation.data
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            # The lead's account went with the school: end this session too.
            logout_user()
            session.clear()
            flash("The school's data has been deleted from CMT Schools.", "success")
            return redirect(url_for("accounts.login"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "onboarding/delete_data.html",
        school=school,
        form=form,
        counts=data.data_counts(school.id),
    ), status
