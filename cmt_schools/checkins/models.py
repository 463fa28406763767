"""Anonymous check-ins. An answer set holds its check-in and the answers: nothing else.

No name, account, address, user agent, device id or time is stored with an answer set, and
its key is a random UUID made for the submission (so a retried submit is idempotent) in a
table that does not keep submission order (WITHOUT ROWID on SQLite).

Results, term summaries and exports read only a check-in's released figures
(`CheckInRelease`, `ReleasedFigure`): drawn once, with noise, when it is finalised
(release.py says why and how). They are what remains once raw answers pass the school's
retention period and are deleted; no exact count of answers is ever kept beside them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..scheduling.models import SchoolClass

KINDS = {"baseline": "Start of term", "endpoint": "End of term", "now": "Right now"}
TERM_ITEMS = ("w1", "w2", "c1", "c2", "s1", "g1")
NOW_ITEM = "right_now"


class CheckIn(db.Model):
    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_school_opened_on", "school_id", "opened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_occurrence.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    band: Mapped[str] = mapped_column(String(3))  # the wording pupils saw, fixed at opening
    join_code: Mapped[str] = mapped_column(String(8), unique=True)
    opened_on: Mapped[date] = mapped_column(Date)  # the date alone: no exact times for pupils
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    max_answers: Mapped[int] = mapped_column(Integer, default=40)
    # Set when finalised: how many answer sets were received, and the tallies written.
    answer_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    release: Mapped[CheckInRelease | None] = relationship(
        cascade="all, delete-orphan", uselist=False, back_populates="check_in"
    )
    school_class: Mapped[SchoolClass] = relationship()


class AnswerSet(db.Model):
    """One pupil's answers to one check-in. Every item is optional (None: rather not say)."""

    __tablename__ = "answer_set"
    __table_args__ = (
        Index("ix_answer_set_check_in", "check_in_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID4
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_in.id", ondelete="CASCADE"))
    w1: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    w2: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    c1: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    c2: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    s1: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    g1: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    right_now: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class CheckInRelease(db.Model):
    """How a finalised check-in's figures were released: once, and never again."""

    __tablename__ = "check_in_release"

    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("check_in.id", ondelete="CASCADE"), primary_key=True
    )
    mechanism: Mapped[str] = mapped_column(String(40))
    protection: Mapped[str] = mapped_column(String(10))  # release.LEVELS key
    # The school's threshold when the figures were released: a floor for every view of
    # them, so lowering the threshold later never shows this check-in's small groups.
    threshold: Mapped[int] = mapped_column(Integer)
    released_on: Mapped[date] = mapped_column(Date)

    check_in: Mapped[CheckIn] = relationship(back_populates="release")
    figures: Mapped[list[ReleasedFigure]] = relationship(
        cascade="all, delete-orphan", order_by="ReleasedFigure.id"
    )


class ReleasedFigure(db.Model):
    """One released statistic of a check-in: numerator / weight, with its noise's SD.

    `measure` is an item (w1 ... g1, right_now), an index (worry, self_compassion) or "any";
    `statistic` is "count" (of answer sets giving `value`, 0 for skipped), "n", "sum" or
    "sum_sq" (release.py). Noise included: none of these is an exact count.
    """

    __tablename__ = "released_figure"
    __table_args__ = (UniqueConstraint("check_in_id", "measure", "statistic", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("check_in_release.check_in_id", ondelete="CASCADE")
    )
    measure: Mapped[str] = mapped_column(String(20))
    statistic: Mapped[str] = mapped_column(String(10))
    value: Mapped[int] = mapped_column(SmallInteger, default=0)
    numerator: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(SmallInteger)
    noise_sd: Mapped[float] = mapped_column(Float)
