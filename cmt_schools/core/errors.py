"""Friendly error pages that reveal nothing of the internals, and never fail themselves.

Every handler rolls the database session back before rendering: a failed statement leaves
the session unusable (PendingRollbackError), and the page itself reads the signed-in user.
If the page still cannot be rendered, a plain page that touches nothing is sent instead,
so the response still goes out through the security headers.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from . import health

MESSAGES = {
    400: (
        "Something was not quite right",
        "The request could not be understood. Please go back and try again.",
    ),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: (
        "Not available to you",
        "Your account cannot open this page. If you think it should, ask your school's lead.",
    ),
    404: (
        "Page not found",
        "We could not find that page. Check the address, or go back to the start.",
    ),
    405: ("Not available like that", "That page cannot be used in that way."),
    413: (
        "Too much at once",
        "That was more than we can take in one go. Please try something smaller.",
    ),
    429: (
        "Please wait a moment",
        "There were too many tries in a short time. Please wait a minute, then try again.",
    ),
    500: ("Sorry, something went wrong", "It was not your fault. Please try again in a moment."),
    503: (
        "We cannot open or save your school's records just now",
        "Nothing you did caused this, and nothing you sent was saved. The server this app "
        "runs on cannot store anything at the moment. Please try again later, and if it "
        "keeps happening, tell whoever looks after this app for your school.",
    ),
}


def rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # a connection already gone: nothing left to roll back
        current_app.logger.warning("could not roll back after an error")


def for_a_pupil() -> bool:
    """Pupils' pages live under /join. An error met there (a form too large, the database
    down while answers are sent, an address mistyped) is styled by base.css alone: the
    pupil's browser downloads no staff stylesheet for it."""
    return request.path == "/join" or request.path.startswith("/join/")


def render_error(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    title, message = title or default_title, message or default_message
    pupil = for_a_pupil()
    rollback_quietly()
    try:
        page = render_template(
            "errors/error.html", status=status, title=title, message=message, pupil=pupil
        )
    except Exception as error:
        # The page reads the signed-in user, and so the database: when that is what failed,
        # a plain page still tells the user what happened.
        current_app.logger.warning("error page fell back to plain (%s)", type(error).__name__)
        rollback_quietly()
        # Straight from Jinja: render_template's context processors would load the user too.
        plain = current_app.jinja_env.get_template("errors/plain.html")
        page = plain.render(status=status, title=title, message=message, pupil=pupil)
    return page, status


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status == 429:
        current_app.logger.warning("security: rate limit hit endpoint=%s", request.endpoint)
    if getattr(error, "title", None):  # the app's own refusals say what was wrong
        return render_error(status, error.title, error.description)
    return render_error(status if status in MESSAGES else 400 if status < 500 else 500)


def handle_csrf_error(error: CSRFError):
    current_app.logger.warning("security: CSRF failure endpoint=%s", request.endpoint)
    title = "This page had expired"
    message = "For your safety the form timed out. Please go back, reload the page and try again."
    return render_error(400, title, message)


def handle_unexpected(error: Exception):
    if health.is_storage_unwritable(error):
        health.report_unwritable(error)
        return render_error(503)
    current_app.logger.exception("unhandled error on %s", request.endpoint)
    return render_error(500)


def init_errors(app: Flask) -> None:
    health.init_health()
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
