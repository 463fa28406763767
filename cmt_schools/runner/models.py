"""What was delivered: one record per taught lesson, with the fate of each step."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.dates import utcnow
from ..extensions import db

STEP_OUTCOMES = ("taught", "shortened", "skipped")


class Delivery(db.Model):
    __table_args__ = (Index("ix_delivery_school_delivered_on", "school_id", "delivered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("lesson_occurrence.id", ondelete="CASCADE"), unique=True
    )
    delivered_on: Mapped[date] = mapped_column(Date)
    minutes_taken: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")  # plain text, length-limited by the form
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    steps: Mapped[list[DeliveryStep]] = relationship(
        back_populates="delivery", order_by="DeliveryStep.step_index", cascade="all, delete-orphan"
    )


class DeliveryStep(db.Model):
    """How one step of the lesson went: taught, shortened or skipped."""

    __table_args__ = (Index("ix_delivery_step_delivery", "delivery_id", "step_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"))
    step_index: Mapped[int] = mapped_column(Integer)  # 0-based index into the lesson's steps
    stage: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))
    # Minutes of practice actually done in this step (0 when none or skipped).
    practice_minutes: Mapped[int] = mapped_column(Integer, default=0)

    delivery: Mapped[Delivery] = relationship(back_populates="steps")
