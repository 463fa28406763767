"""Rendered files (PDF packs and term summaries), kept in the database.

The database is what every web host and worker of a deployment already shares, so a file
one worker renders is served by every host, with no shared folder to set up. A file is
named by its key: a hash of everything that went into it, so an unchanged pack or summary
is found again and a changed one is simply a new key (old ones are pruned, store.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.dates import utcnow
from ..extensions import db


class RenderedFile(db.Model):
    __tablename__ = "rendered_file"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "pack", "summary", ...
    # Whose data it shows: a school's (deleting a school's data deletes its files:
    # onboarding/data.py deletes every row with the school's id; the foreign key cascades
    # too), or a trust's (its summaries show each member school's released figures, so they
    # go when any of those schools' data is deleted, and with the trust).
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), index=True
    )
    trust_id: Mapped[int | None] = mapped_column(
        ForeignKey("trust.id", ondelete="CASCADE"), index=True
    )
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
