"""Signed-in sessions: loading the user, and idle and absolute timeouts."""

from __future__ import annotations

from time import time

from flask import Flask, current_app, flash, session
from flask_login import current_user, logout_user

from ..extensions import login_manager
from .services import load_user_from_session


def has_signed_in_user() -> bool:
    """Whether this request's session is a signed-in one (Flask-Login keeps the user's id
    under "_user_id"). Read from the session alone, without loading the user: it answers
    on error pages too, when the database may be what failed, and costs no query."""
    return "_user_id" in session


@login_manager.user_loader
def _load_user(session_id: str):
    return load_user_from_session(session_id)


def expire_old_sessions() -> None:
    """End a session that has been idle too long or has lasted too long at all."""
    if not has_signed_in_user():
        return
    now = int(time())
    idle = current_app.config["IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["ABSOLUTE_TIMEOUT"].total_seconds()
    if now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > absolute:
        logout_user()
        session.clear()
        flash("Your session timed out. Please sign in again.", "info")
        return
    # Refresh at most once a minute so most requests do not rewrite the cookie.
    if now - session.get("seen_at", 0) > 60:
        session["seen_at"] = now
    # Touch current_user so a revoked session is found before the view runs.
    _ = current_user.is_authenticated


def init_sessions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = None  # sessions are revoked by session version instead
    app.before_request(expire_old_sessions)
