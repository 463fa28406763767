"""The set-up checklist's manual items: the steps only the lead can say are done."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.dates import utcnow
from ..extensions import db


class SetupTick(db.Model):
    """A manual checklist item the lead has ticked (e.g. "DSL briefed"), with when and who.

    Unticking deletes the row; the audit log keeps the history.
    """

    __tablename__ = "setup_tick"
    __table_args__ = (UniqueConstraint("school_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(30))
    done_on: Mapped[date] = mapped_column(Date)
    ticked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    ticked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticked_by: Mapped[User | None] = relationship()
