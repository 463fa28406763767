"""A trust (a multi-academy trust or a local authority), the schools it holds, and its log.

A trust's staff (role "trust", accounts/models.py) belong to the trust and to no school. They
see released figures only, and only from the day a school joined the trust (`sees_from`):
what a school's check-ins gave before it joined stays the school's own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import School, User
from ..core.dates import utcnow
from ..extensions import db


class Trust(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list[TrustSchool]] = relationship(
        back_populates="trust", cascade="all, delete-orphan", order_by="TrustSchool.id"
    )


class TrustSchool(db.Model):
    """A school held by a trust. A school belongs to one trust at most."""

    __tablename__ = "trust_school"
    __table_args__ = (UniqueConstraint("school_id", name="uq_trust_school_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    # The trust sees figures of check-ins opened on or after this day.
    sees_from: Mapped[date] = mapped_column(Date)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    trust: Mapped[Trust] = relationship(back_populates="memberships")
    school: Mapped[School] = relationship()


class TrustEvent(db.Model):
    """The trust's own audit log: who downloaded what, when. Never pupil data."""

    __tablename__ = "trust_event"
    __table_args__ = (Index("ix_trust_event_trust_created", "trust_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()
