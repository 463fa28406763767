"""The store of rendered files: get one by its key, keep a new one, stay within limits.

The files live in the database (models.py), so every host of a deployment serves what any
worker rendered. Limits keep the table from growing without end: after each new file the
oldest beyond RENDER_STORE_MAX_BYTES or RENDER_STORE_MAX_FILES are deleted; the next
request for one of those simply renders it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..database import begin_write
from ..extensions import db
from .jobs import RenderJob
from .models import RenderedFile

logger = logging.getLogger("cmt_schools.renders")


def stored(key: str) -> bytes | None:
    """The file with this key, or None if it has not been rendered (or was pruned)."""
    return db.session.scalar(select(RenderedFile.content).where(RenderedFile.key == key))


def stored_for(job: RenderJob) -> bytes | None:
    """The job's file, only if it is its owner's (the school's or trust's the job names): a
    key is never enough on its own to reach another school's file."""
    return db.session.scalar(
        select(RenderedFile.content).where(
            RenderedFile.key == job.key,
            RenderedFile.school_id.is_(None)
            if job.school_id is None
            else RenderedFile.school_id == job.school_id,
            RenderedFile.trust_id.is_(None)
            if job.trust_id is None
            else RenderedFile.trust_id == job.trust_id,
        )
    )


def forget(key: str) -> None:
    """Delete a file from the store (a one-off, such as a data export, once sent). Commits."""
    begin_write()
    db.session.execute(delete(RenderedFile).where(RenderedFile.key == key))
    db.session.commit()


def is_stored(key: str) -> bool:
    return db.session.scalar(select(RenderedFile.key).where(RenderedFile.key == key)) is not None


def keep(
    key: str, *, kind: str, school_id: int | None, content: bytes, trust_id: int | None = None
) -> None:
    """Keep a rendered file under its key (a second copy of the same key is ignored). Commits.

    It belongs to a school (`school_id`) or, for a trust's summaries, to a trust."""
    if (school_id is None) == (trust_id is None):
        raise ValueError("a rendered file belongs to one school or to one trust")
    begin_write()
    if is_stored(key):
        db.session.commit()
        return
    db.session.add(
        RenderedFile(
            key=key,
            kind=kind,
            school_id=school_id,
            trust_id=trust_id,
            size=len(content),
            content=content,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # another host kept the same file a moment before
        db.session.rollback()
        return
    prune()


def prune() -> None:
    """Delete the oldest files until the store is within its size and count limits. Commits."""
    config = current_app.config
    max_bytes, max_files = config["RENDER_STORE_MAX_BYTES"], config["RENDER_STORE_MAX_FILES"]
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(RenderedFile.size), 0))
    ).one()
    if count <= max_files and total <= max_bytes:
        db.session.rollback()
        return
    begin_write()
    doomed = []
    # Newest first: keep files while they fit, and delete the rest.
    rows = db.session.execute(
        select(RenderedFile.key, RenderedFile.size).order_by(
            RenderedFile.created_at.desc(), RenderedFile.key
        )
    ).all()
    kept_bytes = kept_files = 0
    for key, size in rows:
        # The newest file is always kept, however large: it was rendered to be served.
        if not kept_files or (kept_files < max_files and kept_bytes + size <= max_bytes):
            kept_files += 1
            kept_bytes += size
        else:
            doomed.append(key)
    if doomed:
        db.session.execute(delete(RenderedFile).where(RenderedFile.key.in_(doomed)))
    db.session.commit()


def keep_job(job: RenderJob, content: bytes) -> None:
    """Keep a job's file, owned as the job says (a school's or a trust's). Commits."""
    keep(
        job.key,
        kind=job.kind,
        school_id=job.school_id,
        trust_id=job.trust_id,
        content=content,
    )


def stored_or_made(job: RenderJob, make: Callable[[], bytes]) -> bytes:
    """A page's part from the store (the worker renders it ahead), or made here and kept
    for the next reader. A part that cannot be kept (a read-only database, say) is still
    returned: the page is shown either way."""
    content = stored_for(job)
    if content is not None:
        return content
    content = make()
    try:
        keep_job(job, content)
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.warning("renders: %s could not be kept (%s)", job.what, error)
    return content
