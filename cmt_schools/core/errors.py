"""Friendly error pages that reveal nothing of the internals."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
}


def render_error(status: int):
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status == 429:
        current_app.logger.warning("security: rate limit hit endpoint=%s", request.endpoint)
    return render_error(status if status in MESSAGES else 400 if status < 500 else 500)


def handle_csrf_error(error: CSRFError):
    current_app.logger.warning("security: CSRF failure endpoint=%s", request.endpoint)
    title = "This page had expired"
    message = "For your safety the form timed out. Please go back, reload the page and try again."
    return render_template("errors/error.html", status=400, title=title, message=message), 400


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error on %s", request.endpoint)
    return render_error(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
