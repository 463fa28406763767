"""Term summary downloads in the audit log, and the log's pages for the lead."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..audit.models import AuditEvent
from ..audit.services import record_event
from ..core.dates import long_date
from ..database import begin_write
from ..extensions import db
from .model import TermSummary


def record_download(user: User, summary: TermSummary, file_format: str) -> None:
    """Write one audit event for a downloaded term summary (who, what, when)."""
    record_term_download(user, summary.school_id, summary.term, file_format)


def record_term_download(user: User, school_id: int, term, file_format: str) -> None:
    """Write one audit event for a downloaded term summary of `term`. Commits."""
    term_name = " ".join(term.name.split())  # one line in the log, whatever it holds
    user_id = user.id
    begin_write()
    record_event(
        "report.download",
        school_id=school_id,
        user_id=user_id,
        detail=f"Term summary ({file_format.upper()}) for {term_name}, {_dates(term)}",
    )
    db.session.commit()


def _dates(term) -> str:
    # Two terms may share a name; their dates tell them apart without an id.
    return f"{long_date(term.first_day)} to {long_date(term.last_day)}"


def audit_page(school_id: int, page: int, size: int) -> tuple[list[AuditEvent], bool]:
    """One page of the school's audit log, newest first, and whether an older page exists."""
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.user))
            .where(AuditEvent.school_id == school_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    )
    return events[:size], len(events) > size
