"""The start page, the staff dashboard and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from ..core.access import PUBLIC, STAFF, allow
from ..extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(PUBLIC)
def index():
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return redirect(url_for("accounts.login"))


@bp.route("/dashboard")
@allow(*STAFF)
def dashboard():
    return render_template("home/dashboard.html")


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
