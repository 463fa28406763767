"""The lead's programme view: how far every class has come."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...core.access import LEAD, allow
from ...core.dates import staff_today
from .. import services
from .common import bp


@bp.route("/programme")
@allow(LEAD)
def programme():
    today = staff_today()
    rows = services.programme_progress(current_user.school, today=today)
    return render_template("scheduling/programme.html", rows=rows, today=today)
