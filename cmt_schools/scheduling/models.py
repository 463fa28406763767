"""The school calendar, classes and the lessons laid on it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.dates import utcnow
from ..extensions import db

CLOSURE_KINDS = {
    "half_term": "Half-term",
    "inset": "INSET day",
    "trip": "Trip or event",
    "snow": "Snow or emergency closure",
    "other": "Other closure",
}
YEAR_GROUPS = {0: "Reception", **{n: f"Year {n}" for n in range(1, 14)}}
OCCURRENCE_STATUSES = ("scheduled", "delivered", "skipped", "cancelled")


def band_for_year(year_group: int) -> str:
    """Years 1-6 use KS2 (Reception to Year 2 too: it is the youngest version), 7-9 KS3, 10+ KS4."""
    if year_group <= 6:
        return "ks2"
    if year_group <= 9:
        return "ks3"
    return "ks4"


class Term(db.Model):
    __table_args__ = (Index("ix_term_school_first_day", "school_id", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class Closure(db.Model):
    """A day or run of days inside a term when no lessons happen."""

    __table_args__ = (Index("ix_closure_school_first_day", "school_id", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)

    @property
    def kind_label(self) -> str:
        return CLOSURE_KINDS.get(self.kind, self.kind)


class SchoolClass(db.Model):
    """A teaching group, e.g. "8B" in Year 8, owned by one teacher."""

    __tablename__ = "school_class"
    __table_args__ = (Index("ix_school_class_school_teacher", "school_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(40))
    year_group: Mapped[int] = mapped_column(Integer)  # 0 = Reception, 1-13
    # A teacher may choose another band's version, e.g. KS2 for a Year 8 SEND group.
    band_override: Mapped[str | None] = mapped_column(String(3), nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The weekly pattern the programme was laid on ("0,3" = Monday and Thursday), its
    # usual start time and length: "we missed it" and "add a lesson" reuse them.
    lesson_weekdays: Mapped[str | None] = mapped_column(String(20), nullable=True)
    lesson_starts_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    lesson_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    teacher: Mapped[User] = relationship()
    occurrences: Mapped[list[LessonOccurrence]] = relationship(
        back_populates="school_class",
        order_by="LessonOccurrence.position",
        cascade="all, delete-orphan",
    )

    @property
    def band(self) -> str:
        return self.band_override or band_for_year(self.year_group)

    @property
    def year_label(self) -> str:
        return YEAR_GROUPS.get(self.year_group, str(self.year_group))

    @property
    def weekdays(self) -> tuple[int, ...]:
        if not self.lesson_weekdays:
            return ()
        return tuple(int(part) for part in self.lesson_weekdays.split(",") if part.isdigit())


class LessonOccurrence(db.Model):
    """One lesson of the programme for one class, in its place in the order.

    `position` keeps the programme's order (moving or pushing lessons on never reorders
    them); `uid` stays the same for the life of the lesson so calendar apps update, not
    duplicate, the event.
    """

    __tablename__ = "lesson_occurrence"
    __table_args__ = (
        Index("ix_lesson_occurrence_school_date", "school_id", "scheduled_on"),
        Index("ix_lesson_occurrence_class_position", "class_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    lesson_key: Mapped[str] = mapped_column(String(80))  # e.g. "ks3/03-soothing-breathing"
    position: Mapped[int] = mapped_column(Integer)
    scheduled_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    # Bumped on every change of date, time or status: iCalendar's SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    school_class: Mapped[SchoolClass] = relationship(back_populates="occurrences")


class CalendarFeed(db.Model):
    """A teacher's secret iCalendar feed. Only the token's hash is kept; renewing replaces it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
