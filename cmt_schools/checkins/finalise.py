"""Finalising a check-in: closing it for good and releasing its figures, once.

The release (release.py) is drawn from the answer sets with noise, inside the one scope
where the raw-answer guard lets a staff request read answers (guard.py), and stored; the
answer sets are then rewritten in a random order on PostgreSQL, so nothing keeps the order
in which pupils answered.
"""

from __future__ import annotations

import random
from datetime import date, datetime

from sqlalchemy import (
    delete,
    insert,
    or_,
    select,
)

from ..accounts.models import (
    School,
)
from ..core.dates import school_today
from ..database import begin_write, on_postgresql
from ..extensions import db
from . import guard, release
from .codes import aware
from .models import (
    NOW_ITEM,
    TERM_ITEMS,
    AnswerSet,
    CheckIn,
    CheckInRelease,
    ReleasedFigure,
)


def finalise_checkin(
    checkin: CheckIn, now: datetime, *, noise: release.NoiseSource = release.opendp_noise
) -> None:
    """Close the check-in if still open and release its figures, once. Commits. Idempotent.

    The release (release.py) is drawn from the answer sets with noise and stored as
    `ReleasedFigure` rows under a `CheckInRelease` that records the protection level and
    the school's threshold in force; `answer_count` is set. Nothing exact is kept. (Tests
    of what pages show may pass a known `noise`; the app always uses OpenDP's.)
    """
    begin_write()
    _finalise(checkin.id, now, noise=noise)
    db.session.commit()


def _finalise(
    check_in_id: int, now: datetime, *, noise: release.NoiseSource = release.opendp_noise
) -> None:
    # Lock and re-read: a second finalise (another worker, the purge) waits, then sees it done.
    locked = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.id == check_in_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.answer_count is not None:
        return
    if locked.closed_at is None:
        locked.closed_at = min(now, aware(locked.closes_at))
    columns = [AnswerSet.id, *(getattr(AnswerSet, item) for item in (*TERM_ITEMS, NOW_ITEM))]
    with guard.releasing():  # the one place staff requests may read raw answers
        rows = [
            dict(row._mapping)
            for row in db.session.execute(
                select(*columns).where(AnswerSet.check_in_id == locked.id)
            )
        ]
        school = db.session.get(School, locked.school_id)
        store_release(locked, school, rows, released_on=school_today(school, now), noise=noise)
        if rows and on_postgresql():
            _rewrite_in_random_order(locked.id, rows)
    locked.answer_count = len(rows)


def store_release(
    checkin: CheckIn,
    school: School,
    answer_sets: list[dict],
    *,
    released_on: date,
    noise: release.NoiseSource = release.opendp_noise,
) -> CheckInRelease:
    """Draw and store a check-in's released figures (in the caller's transaction)."""
    level = release.level_for(school.protection)
    figures = release.release(checkin.kind, answer_sets, level, noise=noise)
    return add_release(checkin, school, figures, level=level, released_on=released_on)


def add_release(
    checkin: CheckIn,
    school: School,
    figures: list[release.Figure],
    *,
    level: release.ProtectionLevel,
    released_on: date,
) -> CheckInRelease:
    stored = CheckInRelease(
        check_in_id=checkin.id,
        mechanism=release.MECHANISM,
        protection=level.key,
        threshold=int(school.suppression_threshold),
        released_on=released_on,
        figures=[
            ReleasedFigure(
                check_in_id=checkin.id,
                measure=figure.statistic.measure,
                statistic=figure.statistic.statistic,
                value=figure.statistic.value,
                numerator=figure.numerator,
                weight=figure.weight,
                noise_sd=figure.noise_sd,
            )
            for figure in figures
        ],
    )
    db.session.add(stored)
    return stored


def _rewrite_in_random_order(check_in_id: int, rows: list[dict]) -> None:
    # PostgreSQL keeps rows in its heap in the order they arrived, and each row's xmin says
    # which transaction wrote it: both follow submission order. Rewriting the answer sets in
    # a random order in this one transaction gives them one xmin and a shuffled heap order.
    # (The old row versions linger until autovacuum clears them; results and summaries never
    # read raw rows in any order anyway.) SQLite needs none of this: the table is WITHOUT
    # ROWID, stored in the order of its random keys.
    shuffled = rows[:]
    random.SystemRandom().shuffle(shuffled)
    db.session.execute(delete(AnswerSet).where(AnswerSet.check_in_id == check_in_id))
    db.session.execute(insert(AnswerSet), [{**row, "check_in_id": check_in_id} for row in shuffled])


def finalise_due_checkins(now: datetime, *, school_id: int | None = None) -> int:
    """Finalise every check-in past its closing time or closed but not yet tallied.

    Call before reading results (term summaries too). Returns how many were finalised.
    """
    statement = select(CheckIn.id).where(
        CheckIn.answer_count.is_(None),
        or_(CheckIn.closed_at.is_not(None), CheckIn.closes_at <= now),
    )
    if school_id is not None:
        statement = statement.where(CheckIn.school_id == school_id)
    due = list(db.session.scalars(statement))
    db.session.rollback()  # end the read before each finalise takes the write lock
    for check_in_id in due:
        begin_write()
        _finalise(check_in_id, now)
        db.session.commit()
    return len(due)
