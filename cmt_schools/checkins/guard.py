"""No staff request reads pupils' raw answers: a guard on every SQL statement the app runs.

Staff see released figures only (release.py). That is kept by construction, not by care:
during any request that is not a pupil's own (the pupil pages store and re-check answers),
a statement that reads or writes the answer columns of `answer_set` raises `RawAnswersRead`
before it reaches the database, unless it runs inside `releasing()`, which only the
finalise step (drawing a check-in's release) uses. Counting answer sets (the live count
while a check-in is open) and deleting them (retention, a school's deletion) touch no
answer column and pass. Commands run by the operator (the CLI) are not requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .models import NOW_ITEM, TERM_ITEMS

# Endpoints of the pupil pages, which store answers (and compare a resent form with it).
PUPIL_ENDPOINTS = frozenset({"checkins.join", "checkins.join_code"})
_TABLE = re.compile(r"\banswer_set\b", re.IGNORECASE)
_ANSWER_COLUMN = re.compile(
    r"\b(?:" + "|".join((*TERM_ITEMS, NOW_ITEM)) + r")\b|\*(?!\s*\))", re.IGNORECASE
)
_DELETE = re.compile(r"^\s*DELETE\b", re.IGNORECASE)


class RawAnswersRead(RuntimeError):
    """A staff request tried to read pupils' raw answers."""


@contextmanager
def releasing() -> Iterator[None]:
    """Let the statements inside read raw answers: finalising a check-in's release only."""
    outer = g.get("raw_answers_allowed", False) if has_request_context() else False
    if has_request_context():
        g.raw_answers_allowed = True
    try:
        yield
    finally:
        if has_request_context():
            g.raw_answers_allowed = outer


def touches_raw_answers(statement: str) -> bool:
    """A statement that reads or writes an answer column of answer_set (or all its columns)."""
    return bool(
        _TABLE.search(statement)
        and not _DELETE.match(statement)
        and _ANSWER_COLUMN.search(statement)
    )


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_raw_answers_in_staff_requests(
    connection, cursor, statement, parameters, context, executemany
) -> None:
    if not has_request_context() or g.get("raw_answers_allowed"):
        return
    if request.endpoint in PUPIL_ENDPOINTS:
        return
    if touches_raw_answers(statement):
        raise RawAnswersRead(
            f"a request to {request.endpoint or request.path!r} tried to read pupils' raw "
            "answers; staff see released figures only (checkins/release.py)"
        )
