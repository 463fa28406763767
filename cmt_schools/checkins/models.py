"""Anonymous check-ins. An answer set holds its check-in and the answers: nothing else.

No name, account, address, user agent, device id or time is stored with an answer set, and
its key is a random UUID made for the submission (so a retried submit is idempotent) in a
table that does not keep submission order (WITHOUT ROWID on SQLite).

Results and term summaries read `CheckInTally` rows: counts per measure and value, written
when a check-in is finalised. They are what remains once raw answers pass the school's
retention period and are deleted.
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

    tallies: Mapped[list[CheckInTally]] = relationship(cascade="all, delete-orphan")
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


class CheckInTally(db.Model):
    """How many answer sets of a check-in gave `value` for `measure`.

    Measures: the items w1, w2, c1, c2, s1, g1 and right_now (values 1-5), and the indices
    worry and self_compassion (values on the 0-100 scale, see scoring.py). Means and SDs follow
    from sums over (value, n), so term summaries never need the raw answers.
    """

    __tablename__ = "check_in_tally"
    __table_args__ = (UniqueConstraint("check_in_id", "measure", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_in.id", ondelete="CASCADE"))
    measure: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
