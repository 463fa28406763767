"""Check-in pages: the teacher's list, opening, board and results; the pupils' join pages.

Pupil pages (`PUPIL_ENDPOINTS`) need no login and write nothing about the request anywhere:
no address or user agent in the app log (this module's error handlers log only the kind of
failure), nothing in rate-limit storage but a keyed hash (see throttle.py).
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from datetime import UTC, datetime

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from ..accounts.models import School
from ..core import errors, health
from ..core.access import PUBLIC, STAFF, allow
from ..core.dates import school_zone
from ..core.inputs import body_limit
from ..core.navigation import add_nav_item
from ..core.services import ServiceError
from ..core.tenancy import get_owned_or_404
from ..extensions import csrf, db
from ..scheduling.services import classes_for
from . import device, questions, services, throttle
from .forms import JoinForm, OpenCheckInForm, SentAnswers, choices, read_sent_answers
from .guard import PUPIL_ENDPOINTS
from .help import contact_links
from .models import KINDS, CheckIn

bp = Blueprint("checkins", __name__)
bp.add_app_template_filter(contact_links)
add_nav_item("checkins.index", "Check-ins", ("teacher", "lead"))

# The pupil form is tiny: refuse anything bigger before parsing it.
PUPIL_MAX_BODY = 16 * 1024


def _form_token_secret(code: str, submission_id: str) -> str:
    # A form token is signed for its code and its form's submission id: it works only on
    # the code whose page gave it out, and only for that one answer set, so one loaded page
    # can send one answer set, not sixty (Flask-WTF's tokens are otherwise good for any
    # form, and a submission id is made by the page, so anyone could make more).
    return f"{current_app.secret_key}:join:{code}:{submission_id}"


def _form_token_is_valid(code: str) -> bool:
    """The submitted form's CSRF token is good, and was given out for this code and form."""
    submission_id = request.form.get("submission_id", "")
    if not services.is_submission_id(submission_id):
        return False
    try:
        validate_csrf(
            request.form.get("csrf_token"),
            secret_key=_form_token_secret(code, submission_id),
        )
    except ValidationError:
        return False
    return True


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- staff pages


def _checkin_or_404(checkin_id: int) -> CheckIn:
    """A check-in of the user's school; a teacher's own classes only. Else 404."""
    checkin = get_owned_or_404(CheckIn, checkin_id)
    if current_user.role != "lead" and checkin.school_class.teacher_id != current_user.id:
        abort(404)
    return checkin


def _local_time(checkin: CheckIn, moment: datetime) -> str:
    school = db.session.get(School, checkin.school_id)
    local = services.aware(moment).astimezone(school_zone(school.timezone))
    return local.strftime("%-d %b %Y, %H:%M")


def _finalise_if_due(checkin: CheckIn) -> CheckIn:
    if checkin.answer_count is None and not services.is_open(checkin, _now()):
        services.finalise_checkin(checkin, _now())
        db.session.refresh(checkin)
    return checkin


@bp.route("/checkins")
@allow(*STAFF)
def index():
    return render_template(
        "checkins/index.html",
        checkins=services.checkin_lines(current_user, now=_now()),
        kinds=KINDS,
    )


@bp.route("/checkins/open", methods=["GET", "POST"], endpoint="open")
@allow(*STAFF)
def open_checkin():
    classes = classes_for(current_user, with_teacher=False)  # names only
    form = OpenCheckInForm()
    form.class_id.choices = choices(
        (c.id, f"{c.name} ({c.year_label}, {c.band.upper()})") for c in classes
    )
    if request.method == "GET":
        if request.args.get("class_id", "").isdigit():
            form.class_id.data = int(request.args["class_id"])
        if request.args.get("kind") in KINDS:
            form.kind.data = request.args["kind"]
        if request.args.get("occurrence_id", "").isdigit():
            # Opened from a lesson: the one-item "right now" check, unless asked otherwise.
            form.occurrence_id.data = request.args["occurrence_id"]
            if request.args.get("kind") not in KINDS:
                form.kind.data = "now"
    if classes and form.validate_on_submit():
        chosen = next(c for c in classes if c.id == form.class_id.data)
        try:
            checkin = services.open_checkin(
                chosen,
                kind=form.kind.data,
                minutes=form.minutes.data,
                class_size=form.class_size.data,
                opened_by=current_user,
                now=_now(),
                occurrence_id=int(form.occurrence_id.data) if form.occurrence_id.data else None,
            )
        except ServiceError as error:
            db.session.rollback()
            field = getattr(form, error.field, None) if error.field else None
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                flash(error.message, "error")
        else:
            return redirect(url_for("checkins.board", checkin_id=checkin.id))
    status = 400 if request.method == "POST" else 200
    return render_template("checkins/open.html", form=form, classes=classes), status


def _join_link(checkin: CheckIn) -> str:
    return url_for("checkins.join_code", code=checkin.join_code, _external=True)


@bp.route("/checkins/<int:checkin_id>/board")
@allow(*STAFF)
def board(checkin_id: int):
    checkin = _finalise_if_due(_checkin_or_404(checkin_id))
    return render_template(
        "checkins/board.html",
        checkin=checkin,
        open=services.is_open(checkin, _now()),
        count=services.live_count(checkin),
        link=_join_link(checkin),
        join_page=url_for("checkins.join", _external=True).split("://", 1)[-1],
        closes=_local_time(checkin, checkin.closes_at),
        kinds=KINDS,
    )


@bp.route("/checkins/<int:checkin_id>/qr.svg")
@allow(*STAFF)
def qr(checkin_id: int):
    checkin = _checkin_or_404(checkin_id)
    buffer = io.BytesIO()
    segno.make(_join_link(checkin), error="m").save(
        buffer, kind="svg", border=2, omitsize=True, dark="#000", light="#fff", xmldecl=False
    )
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.route("/checkins/<int:checkin_id>/count.json")
@allow(*STAFF)
def count(checkin_id: int):
    checkin = _checkin_or_404(checkin_id)
    return jsonify(count=services.live_count(checkin), open=services.is_open(checkin, _now()))


@bp.route("/checkins/<int:checkin_id>/close", methods=["POST"])
@allow(*STAFF)
def close(checkin_id: int):
    checkin = _checkin_or_404(checkin_id)
    services.close_checkin(checkin, now=_now(), by=current_user)
    flash("The check-in is closed. No more answers can be sent.", "success")
    return redirect(url_for("checkins.results", checkin_id=checkin_id))


@bp.route("/checkins/<int:checkin_id>/results")
@allow(*STAFF)
def results(checkin_id: int):
    checkin = _finalise_if_due(_checkin_or_404(checkin_id))
    is_open = services.is_open(checkin, _now())
    school = db.session.get(School, checkin.school_id)
    found = None if is_open else services.results_for(checkin, school.suppression_threshold)
    return render_template(
        "checkins/results.html",
        checkin=checkin,
        open=is_open,
        count=services.live_count(checkin),
        results=found,
        threshold=school.suppression_threshold,
        kinds=KINDS,
        closes=_local_time(checkin, checkin.closes_at),
        lead_in=questions.lead_in_for(checkin.kind, checkin.band),
    )


# ---------------------------------------------------------------- pupil pages


def _pupil_page(template: str, status: int = 200, **context) -> tuple[str, int]:
    return render_template(f"checkins/{template}", **context), status


def _help(checkin: services.PupilCheckIn) -> services.HelpContacts:
    return checkin.help


def _unknown_code(code_typed: str = "") -> tuple[str, int]:
    form = JoinForm(formdata=None, meta={"csrf": False})
    form.code.data = code_typed
    form.code.errors = [
        "We could not find a check-in with that code. Check it against the board and try again."
    ]
    # 404: and the join throttle counts it as a wrong code.
    return _pupil_page("join.html", 404, form=form)


@bp.route("/join")
@allow(PUBLIC)
def join():
    form = JoinForm(request.args, meta={"csrf": False})
    if "code" not in request.args:
        return _pupil_page("join.html", form=form)
    code = services.normalise_code(form.code.data)
    if not code:
        form.code.errors = ["Type the code you can see on the board."]
        return _pupil_page("join.html", 400, form=form)
    checkin = services.find_for_pupil(code, _now())
    throttle.check_code(checkin.school_id if checkin else None)
    if checkin is None:
        return _unknown_code(code[:12])
    return redirect(url_for("checkins.join_code", code=checkin.join_code))


def _questions_page(
    checkin: services.PupilCheckIn,
    *,
    submission_id: str | None = None,
    kept: dict[str, str] | None = None,
    status: int = 200,
    problem: str | None = None,
):
    # Made when the form is first shown on the device, it becomes the answer set's key, so
    # sending the same form twice stores it once; the device's cookie keeps it until the
    # answers are saved, so every tab of the device shows the same form (device.py). A
    # form shown again keeps the id it was sent with.
    answered = device.read_answered(request)
    submission_id = submission_id or answered.pending_for(checkin.join_code) or str(uuid.uuid4())
    page, status = _pupil_page(
        "questions.html",
        status,
        checkin=checkin,
        questions=questions.questions_for(checkin.kind, checkin.band),
        submission_id=submission_id,
        kept=kept or {},
        form_token=(
            generate_csrf(secret_key=_form_token_secret(checkin.join_code, submission_id))
            if current_app.config["WTF_CSRF_ENABLED"]
            else None
        ),
        problem=problem,
        introduction=questions.introduction_for(checkin.band),
        lead_in=questions.lead_in_for(checkin.kind, checkin.band),
        rather_not_say=questions.RATHER_NOT_SAY,
        skip_value=questions.SKIP_VALUE,
    )
    response = current_app.make_response((page, status))
    if not answered.tampered:
        device.remember_pending(response, answered, checkin.join_code, submission_id)
    return response


@bp.route("/join/<code>", methods=["GET", "POST"])
@allow(PUBLIC)
@body_limit(PUPIL_MAX_BODY)
@csrf.exempt  # the form checks its own token, so an expired one keeps the answers (below)
def join_code(code: str):
    code = services.normalise_code(code)
    if (
        request.method == "POST"
        and current_app.config["WTF_CSRF_ENABLED"]
        and _form_token_is_valid(code)
    ):
        # A form this code's page gave out cannot be a guess: its sender opened the
        # page, which the throttle guards. So it is not throttled, and a school whose
        # shared address ran into the limit can still send the forms its pupils have open.
        return _submit(code, _now(), token_is_valid=True)
    return _look_up_code(code)


def _look_up_code(code: str):
    """A code's page, or a submit without its form token: both say whether the code exists,
    so both pass the join throttle (throttle.py) once the code is looked up."""
    now = _now()
    checkin = services.find_for_pupil(code, now)
    throttle.check_code(checkin.school_id if checkin else None)
    if request.method == "POST":
        return _submit(code, now, token_is_valid=not current_app.config["WTF_CSRF_ENABLED"])
    if checkin is None:
        return _unknown_code()
    if not checkin.open:
        return _closed(checkin)
    answered = device.read_answered(request)
    if checkin.id in answered.ids:
        return _pupil_page("already.html", 200, help=_help(checkin), band=checkin.band)
    if services.answered_one_still_open(answered.ids, checkin, now):
        return _pupil_page("another.html", 200, help=_help(checkin), band=checkin.band)
    return _questions_page(checkin)


OTHER_TAB = (
    "This check-in is open in another tab or window on this device too. Your answers are "
    "still here: check them and press Send once, here."
)


def _problem_with_the_form(
    token_is_valid: bool, sent: SentAnswers, submission_id: str, answered: device.AnsweredList
) -> str | None:
    """What is wrong with a submitted form, in words for the pupil, or None."""
    if not token_is_valid:
        current_app.logger.warning("security: CSRF failure endpoint=%s", request.endpoint)
        return (
            "This page was open for a long time, so for safety it needs one more tap. "
            "Your answers are still here: check them and press Send again."
        )
    if not services.is_submission_id(submission_id):
        return "Something went wrong with this page. Please check your answers and send."
    if not sent.all_valid:
        return "Some answers were not ones we expected. Please choose them again."
    if answered.tampered:
        return (
            "Something on this device got muddled, so nothing was saved yet. "
            "Your answers are still here: please press Send again."
        )
    return None


def _submit(code: str, now: datetime, *, token_is_valid: bool):
    sent = read_sent_answers(request.form)
    submission_id = sent_id = request.form.get("submission_id", "")
    answered = device.read_answered(request)

    def again(
        status: int,
        problem: str,
        checkin: services.PupilCheckIn | None = None,
        keep_id: bool = True,
        submission_id: str | None = None,
    ):
        """The form once more, with the pupil's valid answers still ticked and, unless
        `keep_id` is False, the same submission id, so a resend stays idempotent."""
        checkin = checkin or services.find_for_pupil(code, now)
        if checkin is None:
            return _unknown_code()
        if not checkin.open:
            return _closed(checkin)
        keep_id = keep_id and services.is_submission_id(sent_id)
        return _questions_page(
            checkin,
            submission_id=sent_id if keep_id else submission_id,
            kept=sent.kept,
            status=status,
            problem=problem,
        )

    problem = _problem_with_the_form(token_is_valid, sent, submission_id, answered)
    pending = answered.pending_for(code)
    if not problem and pending and pending != submission_id:
        # An older tab: the device's newest form for this check-in has another id. Shown
        # again as that form, answers kept, so the device sends one answer set in all.
        return again(409, OTHER_TAB, keep_id=False, submission_id=pending)
    if problem:
        response = current_app.make_response(again(400, problem))
        if answered.tampered:
            device.forget_tampered(response)
        return response
    try:
        submitted = services.submit_from_pupil(
            code,
            submission_id=submission_id,
            answers=sent.answers,
            answered_ids=answered.ids,
            now=now,
        )
    except SQLAlchemyError as error:
        db.session.rollback()
        # The kind of failure only: the exception's text would quote the answers.
        current_app.logger.error("checkins: an answer set was not saved (%s)", type(error).__name__)
        return again(
            503, "Not saved, please try again. Your answers are still here: press Send again."
        )
    except ServiceError as error:  # the service's own check of the answers
        return again(400, error.message)
    checkin = submitted.checkin
    if checkin is None:
        return _unknown_code()
    if submitted.outcome == services.SAVED:
        return _saved(checkin, answered)
    if submitted.outcome == services.UNCHANGED:
        response = current_app.make_response(
            _pupil_page("unchanged.html", 409, help=_help(checkin), band=checkin.band)
        )
        device.remember_answered(response, answered, checkin.id, checkin.join_code)
        return response
    if submitted.outcome == services.ALREADY_ANSWERED:
        return _pupil_page("already.html", 409, help=_help(checkin), band=checkin.band)
    if submitted.outcome == services.ANSWERING_ANOTHER:
        return _pupil_page("another.html", 409, help=_help(checkin), band=checkin.band)
    if submitted.outcome == "closed":
        return _closed(checkin)
    if submitted.outcome == "full":
        return _pupil_page("full.html", 409, help=_help(checkin), band=checkin.band)
    # "conflict": the submission id is another check-in's, so the form gets a new one.
    message = "Something went wrong with this page. Please check your answers and send."
    return again(400, message, checkin, keep_id=False)


def _closed(checkin: services.PupilCheckIn):
    return _pupil_page("closed.html", 410, help=_help(checkin), band=checkin.band)


# Every pupil of a school and band sees the very same closing screen (docs/privacy.md), and a
# whole school can finish within a minute, so each one is rendered once and kept. The key
# holds the help contacts themselves: a lead's edit shows on the next pupil's screen.
CLOSING_PAGES_KEPT = 256


def _closing_page(checkin: services.PupilCheckIn) -> str:
    kept: dict = current_app.extensions.setdefault("cmt_closing_pages", {})
    key = (checkin.band, checkin.help)
    page = kept.get(key)
    if page is None:
        if len(kept) >= CLOSING_PAGES_KEPT:
            kept.clear()
        page = kept[key] = render_template(
            "checkins/closing.html", help=_help(checkin), band=checkin.band
        )
    return page


def _saved(checkin: services.PupilCheckIn, answered: device.AnsweredList):
    response = current_app.make_response(_closing_page(checkin))
    device.remember_answered(response, answered, checkin.id, checkin.join_code)
    return response


# ---------------------------------------------------------------- errors on pupil pages

PUPIL_ERRORS = {
    400: ("Something was not quite right", "Please go back to the code page and try again."),
    404: ("We could not find that page", "Check the code on the board and type it again."),
    405: ("We could not find that page", "Check the code on the board and type it again."),
    413: (
        "That was too much to send",
        "A check-in only needs your choices. Please go back and try again.",
    ),
    429: (
        "Please wait a few minutes",
        "Lots of codes have been tried on this network just now. Please wait a few minutes "
        "and try again, or ask your teacher to show the QR code.",
    ),
    500: ("Sorry, something went wrong", "It was not your fault. Please try again in a moment."),
    503: (
        "Check-ins are not working just now",
        "It was not your fault. Please tell your teacher, and try again later.",
    ),
}


def _pupil_error(status: int):
    title, message = PUPIL_ERRORS.get(status, PUPIL_ERRORS[500 if status >= 500 else 400])
    return _pupil_page("problem.html", status, title=title, message=message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    if request.endpoint not in PUPIL_ENDPOINTS:
        if isinstance(error, CSRFError):
            return errors.handle_csrf_error(error)
        return errors.handle_http_exception(error)
    status = error.code or 500
    if status == 429:
        current_app.logger.warning("security: rate limit hit endpoint=%s", request.endpoint)
    return _pupil_error(status)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    if request.endpoint not in PUPIL_ENDPOINTS:
        return errors.handle_unexpected(error)
    errors.rollback_quietly()
    if health.is_storage_unwritable(error):  # the operator is told what to fix, in the log
        health.report_unwritable(error)
        return _pupil_error(503)
    # No traceback or message for pupil pages: either could quote what the pupil sent.
    current_app.logger.error("checkins: unexpected %s on a pupil page", type(error).__name__)
    return _pupil_error(500)


# ---------------------------------------------------------------- set-up

# The development server (`make run`) logs every request with the client's address. Pupil
# requests are dropped from that log; gunicorn runs without an access log (README).
_PUPIL_REQUEST_LINE = re.compile(r'"[A-Z]+ /join(?:[/?]|\s|")')


class _DropPupilRequests(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        return not _PUPIL_REQUEST_LINE.search(message)


@bp.record_once
def _set_up(state) -> None:
    state.app.after_request(throttle.remember_where_staff_are)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, _DropPupilRequests) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(_DropPupilRequests())
    if state.app.config.get("BENCHMARK_ENDPOINTS"):
        from .benchmark import add_benchmark_endpoints

        add_benchmark_endpoints(state)
