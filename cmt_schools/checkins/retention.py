"""Retention: pupils' raw answers are deleted after the school's retention period.

Each check-in is finalised first, so its released figures (and so results and summaries)
remain. The deleted bytes are overwritten or vacuumed, not left in free pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    delete,
    or_,
    select,
    text,
)

from ..accounts.models import (
    School,
)
from ..audit.services import record_event
from ..core.dates import long_date, months_before
from ..core.wording import count_of
from ..database import begin_write
from ..extensions import db
from .finalise import _finalise, finalise_due_checkins
from .models import (
    AnswerSet,
    CheckIn,
)


@dataclass(frozen=True)
class PurgeReport:
    school_id: int
    school_name: str
    retention_months: int
    cutoff: date
    checkins: int
    answer_sets_deleted: int


def purge_expired_answers(*, today: date, now: datetime) -> list[PurgeReport]:
    """Delete the raw answers of check-ins opened before each school's retention period.

    Each such check-in is finalised first, so its tallies (and so results and summaries)
    remain. Commits per school. Returns what was done, per school with anything to purge.
    """
    finalise_due_checkins(now)
    reports = []
    schools = list(db.session.execute(select(School.id, School.name, School.retention_months)))
    db.session.rollback()
    for school_id, name, months in schools:
        cutoff = months_before(today, months)
        has_answers = select(AnswerSet.id).where(AnswerSet.check_in_id == CheckIn.id).exists()
        old = list(
            db.session.scalars(
                select(CheckIn.id).where(
                    CheckIn.school_id == school_id,
                    CheckIn.opened_on < cutoff,
                    or_(CheckIn.answer_count.is_(None), has_answers),
                )
            )
        )
        db.session.rollback()
        if not old:
            continue
        begin_write()
        for check_in_id in old:
            _finalise(check_in_id, now)
        if db.session.get_bind().dialect.name == "sqlite":
            # Overwrite the deleted answers' bytes in the file rather than leave them in
            # free pages.
            db.session.execute(text("PRAGMA secure_delete = ON"))
        result = db.session.execute(delete(AnswerSet).where(AnswerSet.check_in_id.in_(old)))
        deleted = result.rowcount or 0
        if deleted:
            record_event(
                "checkin.answers_purged",
                school_id=school_id,
                user_id=None,
                detail=(
                    f"{count_of(deleted, 'answer set')} of {count_of(len(old), 'check-in')} "
                    f"opened before {long_date(cutoff)}"
                ),
            )
        db.session.commit()
        reports.append(PurgeReport(school_id, name, months, cutoff, len(old), deleted))
    if any(report.answer_sets_deleted for report in reports):
        _reclaim_deleted_space()
    return reports


def _reclaim_deleted_space() -> None:
    """Let the database drop deleted answers from its files now, not at some later time."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        # The deleted rows' old pages live on in the write-ahead log until a checkpoint.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM answer_set")
