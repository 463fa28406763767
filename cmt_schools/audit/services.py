"""Write to the audit log (the lead reads it on the reports pages)."""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from .models import AuditEvent


def record_event(
    action: str, *, school_id: int | None, user_id: int | None, detail: str = ""
) -> AuditEvent:
    """Add an audit event to the session (the caller's commit saves it) and log it."""
    event = AuditEvent(school_id=school_id, user_id=user_id, action=action, detail=detail[:300])
    db.session.add(event)
    current_app.logger.info(
        "audit: action=%s school=%s user=%s %s", action, school_id, user_id, detail[:300]
    )
    return event
