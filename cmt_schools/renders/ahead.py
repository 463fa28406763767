"""Rendering ahead: a committed change to a watched row queues its scopes' renders.

A listener on every session collects, after each flush, the scopes (jobs.watch) of the rows
it inserts, changes or deletes; once the transaction commits, the scopes are handed to the
queue, which renders what they plan a few seconds later, in a worker. A rollback forgets
them. Pupils' answers are not watched (no file shows them), so the busiest write of all
costs nothing here.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .jobs import scopes_of

logger = logging.getLogger("cmt_schools.renders")
PENDING = "cmt_render_scopes"
_listening = False


def listen() -> None:
    """Attach the listeners to every session (once per process)."""
    global _listening
    if _listening:
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "after_commit", _hand_over)
    event.listen(Session, "after_soft_rollback", _forget)
    _listening = True


def _collect(session: Session, _context) -> None:
    # After the flush new rows have their ids, and the session still lists what it flushed.
    if not has_app_context() or not current_app.config["RENDER_AHEAD"]:
        return
    pending = session.info.setdefault(PENDING, set())
    for instance in (*session.new, *session.deleted):
        pending.update(scopes_of(instance))
    for instance in session.dirty:
        if session.is_modified(instance, include_collections=False):
            pending.update(scopes_of(instance))


def _hand_over(session: Session) -> None:
    scopes = session.info.pop(PENDING, None)
    if not scopes or not has_app_context():
        return
    try:
        current_app.extensions["cmt_renders"].schedule_ahead(scopes)
    except Exception as error:  # the change is committed; a missed render is only slower
        logger.warning("renders: could not queue renders ahead (%s)", error)


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(PENDING, None)
