"""Write to and read the audit log."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

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


def recent_events(school_id: int, limit: int = 200) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.school_id == school_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
