"""The lead's programme view: how far every class has come."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...core.access import LEAD, allow
from .. import services
from .common import _today, bp


@bp.route("/programme")
@allow(LEAD)
def programme():
    today = _today()
    rows = services.programme_progress(current_user.school, today=today)
    return render_template("scheduling/programme.html", rows=rows, today=today)
