"""Check-ins, the pupils' side: finding a check-in by its code and storing one answer set.

An answer set holds its check-in and the answers, nothing else. Its key is the submission id
the pupil's form carried (a random UUID made when the form was first shown on the device),
so a retried submit stores nothing new. Both databases keep one contract
(`submit_from_pupil`): on PostgreSQL one statement finds and stores, on SQLite a read finds
and a short write transaction stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    column,
    select,
    text,
)

from ..core.services import ServiceError
from ..database import autocommit_connection, begin_write, on_postgresql
from ..extensions import db
from . import questions
from .codes import aware, is_open, is_plausible_code, is_submission_id
from .help import HelpContacts, help_for
from .models import (
    NOW_ITEM,
    TERM_ITEMS,
    AnswerSet,
    CheckIn,
)


@dataclass(frozen=True)
class PupilCheckIn:
    """What the pupil pages need of a check-in, as plain values (nothing about the class)."""

    id: int
    school_id: int
    kind: str
    band: str
    join_code: str
    open: bool
    help: HelpContacts


class AnswerRefused(ServiceError):
    """An answer set was not stored. `reason`: unknown, closed, full or conflict."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# The pupil path runs for every answer of a burst, so its statements are written once here
# as plain SQL (portable between SQLite and PostgreSQL) rather than built per request, and
# run on the session's connection: they load no ORM objects, so the ORM's execution layer
# would only add work (about half the cost of each statement). The check-in comes with its
# school's help stamp, which says whether the help contacts kept in this process are current.
_FIND_FOR_PUPIL_SQL = (
    "SELECT check_in.id, check_in.school_id, check_in.kind, check_in.band,"
    " check_in.join_code, check_in.closes_at, check_in.closed_at, school.help_stamp"
    " FROM check_in JOIN school ON school.id = check_in.school_id"
    " WHERE check_in.join_code = :code"
)
# Every column, in the statement's order: SQLAlchemy then matches them by position and
# keeps the result's column map with the compiled statement, instead of matching them by
# name again on every execution, as it does when only some columns are named.
_PUPIL_COLUMNS = (
    column("id", Integer),
    column("school_id", Integer),
    column("kind", String),
    column("band", String),
    column("join_code", String),
    column("closes_at", DateTime(timezone=True)),
    column("closed_at", DateTime(timezone=True)),
    column("help_stamp", String),
)
_FIND_FOR_PUPIL = text(_FIND_FOR_PUPIL_SQL).columns(*_PUPIL_COLUMNS)


def find_for_pupil(code: str, now: datetime) -> PupilCheckIn | None:
    """The check-in with this join code (already normalised), or None."""
    if not is_plausible_code(code):
        return None
    row = db.session.connection().execute(_FIND_FOR_PUPIL, {"code": code}).first()
    return _pupil_check_in(row, now)


def _pupil_check_in(row, now: datetime) -> PupilCheckIn | None:
    """A PupilCheckIn from a row of _FIND_FOR_PUPIL's columns."""
    if row is None:
        return None
    is_still_open = row.closed_at is None and now < aware(row.closes_at)
    return PupilCheckIn(
        row.id,
        row.school_id,
        row.kind,
        row.band,
        row.join_code,
        is_still_open,
        help_for(row.school_id, row.help_stamp, row.band),
    )


def items_for(kind: str) -> tuple[str, ...]:
    return (NOW_ITEM,) if kind == "now" else TERM_ITEMS


def clean_answers(kind: str, answers: dict[str, int | None]) -> dict[str, int | None]:
    """The answers for this kind's items, each 1-5 or None; anything else is refused."""
    unknown = set(answers) - set(items_for(kind))
    if unknown:
        raise ServiceError("Those answers do not belong to this check-in.")
    cleaned = _asked(answers, kind)
    _check_values(cleaned)
    return cleaned


def stored_answers(submission_id: str, check_in_id: int) -> dict[str, int | None] | None:
    """The answers stored under this submission id for this check-in, or None.

    Pupil pages only (the guard refuses staff requests): a resent form is compared with
    what its first send stored, so the pupil can be told whether anything changed.
    """
    row = db.session.execute(
        select(*(getattr(AnswerSet, item) for item in _ANSWER_COLUMNS)).where(
            AnswerSet.id == submission_id, AnswerSet.check_in_id == check_in_id
        )
    ).first()
    return dict(row._mapping) if row is not None else None


# A device that answered a check-in still open may not answer another with the same
# questions until it closes: two check-ins open at once (for two classes a pupil is in)
# cannot double one pupil's answers to the same questions. (A "right now" check during a
# term check-in asks other questions.) Asked only of devices whose cookie lists check-ins.
_OPEN_AMONG_SQL = (
    "SELECT count(*) FROM check_in WHERE check_in.id IN ({ids})"
    " AND check_in.id <> :this AND (check_in.kind = 'now') = :is_now"
    " AND check_in.closed_at IS NULL AND check_in.closes_at > :now"
)


def answered_one_still_open(
    answered_ids: tuple[int, ...], this: PupilCheckIn, now: datetime
) -> bool:
    """Whether the device answered another check-in with these questions, still open."""
    others = tuple(i for i in answered_ids if i != this.id)
    if not others:
        return False
    marks = ", ".join(f":a{i}" for i in range(len(others)))
    statement = text(_OPEN_AMONG_SQL.format(ids=marks)).bindparams(
        bindparam("now", type_=DateTime(timezone=True))
    )
    found = db.session.connection().execute(
        statement,
        {
            "this": this.id,
            "is_now": this.kind == "now",
            "now": now,
            **{f"a{i}": value for i, value in enumerate(others)},
        },
    )
    return bool(found.scalar())


_ANSWER_COLUMNS = ("w1", "w2", "c1", "c2", "s1", "g1", "right_now")
assert (*TERM_ITEMS, NOW_ITEM) == _ANSWER_COLUMNS
# One statement stores the answer set only if the check-in is open and below its cap, and
# stores nothing for a submission id already stored. Its short write transaction is what
# queues behind other writers, so little else happens inside it.
_STORE_ANSWER_SET = text(
    "INSERT INTO answer_set (id, check_in_id, w1, w2, c1, c2, s1, g1, right_now)"
    " SELECT :id, check_in.id, :w1, :w2, :c1, :c2, :s1, :g1, :right_now"
    " FROM check_in WHERE check_in.id = :check_in_id AND check_in.closed_at IS NULL"
    " AND check_in.closes_at > :now AND (check_in.kind = 'now') = :is_now"
    " AND (SELECT count(*) FROM answer_set"
    " WHERE answer_set.check_in_id = :check_in_id) < check_in.max_answers"
    " ON CONFLICT (id) DO NOTHING"
).bindparams(bindparam("now", type_=DateTime(timezone=True)))

SAVED = "saved"  # stored now, or stored before under the same submission id (a resend)
ALREADY_ANSWERED = "already"  # this device answered this check-in before, with another form
UNCHANGED = "unchanged"  # this form was sent before with other answers: the first ones stand
ANSWERING_ANOTHER = "another"  # this device answered another check-in that is still open

# PostgreSQL: a pupil's submit in one statement (one round trip): find the check-in by its
# code, share-lock its row, store the answers if it is open and below its cap, and return
# the check-in with its school's help stamp, as _FIND_FOR_PUPIL does, plus whether the
# row went in. The lock is the lightest row lock (the one the answer set's foreign key takes
# anyway), so submissions do not queue behind each other; finalising locks the row FOR
# UPDATE, which waits for them, and a submit that had to wait for a finalise sees the row as
# the finalise left it (closed), so no answer slips in after the tally is counted. The
# check-in's kind picks its items: the others are stored empty. Nothing is stored for a
# check-in the device's cookie says it answered (`answered`, its ids), nor while another
# check-in it answered is still open.
_FIND_AND_STORE_ON_POSTGRESQL = (
    text(
        "WITH target AS ("
        " SELECT id, school_id, kind, band, join_code, closes_at, closed_at, max_answers"
        " FROM check_in WHERE join_code = :code FOR KEY SHARE),"
        " stored AS ("
        " INSERT INTO answer_set (id, check_in_id, w1, w2, c1, c2, s1, g1, right_now)"
        " SELECT :id, target.id,"
        " CASE WHEN target.kind = 'now' THEN NULL ELSE CAST(:w1 AS SMALLINT) END,"
        " CASE WHEN target.kind = 'now' THEN NULL ELSE CAST(:w2 AS SMALLINT) END,"
        " CASE WHEN target.kind = 'now' THEN NULL ELSE CAST(:c1 AS SMALLINT) END,"
        " CASE WHEN target.kind = 'now' THEN NULL ELSE CAST(:c2 AS SMALLINT) END,"
        " CASE WHEN target.kind = 'now' THEN NULL ELSE CAST(:s1 AS SMALLINT) END,"
        " CASE WHEN target.kind = 'now' THEN NULL ELSE CAST(:g1 AS SMALLINT) END,"
        " CASE WHEN target.kind = 'now' THEN CAST(:right_now AS SMALLINT) END"
        " FROM target WHERE target.closed_at IS NULL AND target.closes_at > :now"
        " AND target.id <> ALL (CAST(:answered AS INTEGER[]))"
        " AND (SELECT count(*) FROM answer_set"
        " WHERE answer_set.check_in_id = target.id) < target.max_answers"
        " AND NOT EXISTS (SELECT 1 FROM check_in other"
        " WHERE other.id = ANY (CAST(:answered AS INTEGER[])) AND other.id <> target.id"
        " AND (other.kind = 'now') = (target.kind = 'now')"
        " AND other.closed_at IS NULL AND other.closes_at > :now)"
        " ON CONFLICT (id) DO NOTHING RETURNING check_in_id)"
        " SELECT target.id, target.school_id, target.kind, target.band, target.join_code,"
        " target.closes_at, target.closed_at, school.help_stamp,"
        " (SELECT count(*) FROM stored) AS stored_now"
        " FROM target JOIN school ON school.id = target.school_id"
    )
    .bindparams(bindparam("now", type_=DateTime(timezone=True)))
    .columns(*_PUPIL_COLUMNS, column("stored_now", Integer))
)


@dataclass(frozen=True)
class Submission:
    """What became of a pupil's answers: SAVED, ALREADY_ANSWERED, UNCHANGED,
    ANSWERING_ANOTHER, or a refusal (unknown, closed, full or conflict). `checkin` is None
    only when no check-in has the code."""

    outcome: str
    checkin: PupilCheckIn | None = None


def submit_from_pupil(
    code: str,
    *,
    submission_id: str,
    answers: dict[str, int | None],
    answered_ids: tuple[int, ...],
    now: datetime,
) -> Submission:
    """Store a pupil's answer set for the check-in with this join code. Commits when stored.

    `answers` may hold items of either kind: the ones this check-in does not ask are
    ignored. `answered_ids` are the check-ins this device answered before (its signed
    cookie): it may resend the same form, not send another, and answers no other check-in
    while one it answered is still open. A form sent again stores nothing new: SAVED if its
    answers are the ones stored, UNCHANGED if they differ (the first answers stand).

    PostgreSQL: one statement finds the check-in and stores the answers (above). SQLite: a
    read finds it, then a short write transaction stores them.
    """
    if not is_submission_id(submission_id):
        raise ServiceError("That form was not one of ours. Please load the page again.")
    values = {item: answers.get(item) for item in _ANSWER_COLUMNS}
    _check_values(values)
    if not is_plausible_code(code):
        return Submission("unknown")
    store = _find_and_store_on_postgresql if on_postgresql() else _find_and_store_on_sqlite
    checkin, stored = store(code, submission_id, values, answered_ids, now)
    if checkin is None:
        return Submission("unknown")
    if stored:
        return Submission(SAVED, checkin)
    asked = _asked(values, checkin.kind)
    first = stored_answers(submission_id, checkin.id)
    if first is not None:  # this form was sent before
        same = all(first[item] == value for item, value in asked.items())
        return Submission(SAVED if same else UNCHANGED, checkin)
    if checkin.id in answered_ids:
        return Submission(ALREADY_ANSWERED, checkin)
    if not checkin.open:
        return Submission("closed", checkin)
    if answered_one_still_open(answered_ids, checkin, now):
        return Submission(ANSWERING_ANOTHER, checkin)
    refused = _why_not_stored(checkin.id, submission_id, asked, now)
    return Submission(refused or SAVED, checkin)


def _find_and_store_on_postgresql(
    code: str,
    submission_id: str,
    values: dict[str, int | None],
    answered_ids: tuple[int, ...],
    now: datetime,
) -> tuple[PupilCheckIn | None, bool]:
    # One statement, so one round trip to the database, committed when it returns.
    with autocommit_connection() as connection:
        row = connection.execute(
            _FIND_AND_STORE_ON_POSTGRESQL,
            {
                "code": code,
                "id": submission_id,
                "now": now,
                "answered": list(answered_ids),
                **values,
            },
        ).first()
    return _pupil_check_in(row, now), bool(row and row.stored_now)


def _find_and_store_on_sqlite(
    code: str,
    submission_id: str,
    values: dict[str, int | None],
    answered_ids: tuple[int, ...],
    now: datetime,
) -> tuple[PupilCheckIn | None, bool]:
    # The lookup reads before the write lock is taken: writers hold that lock one at a
    # time, so only the insert's own check (open, kind, cap) runs under it.
    checkin = find_for_pupil(code, now)
    stored = False
    try:
        if (
            checkin
            and checkin.open
            and checkin.id not in answered_ids
            and not answered_one_still_open(answered_ids, checkin, now)
        ):
            begin_write()  # ends the read and takes the write lock
            stored = _insert_answer_set(
                checkin.id, checkin.kind, submission_id, _asked(values, checkin.kind), now
            )
            if stored:
                db.session.commit()
    finally:
        if db.session().in_transaction():
            db.session.rollback()  # nothing half-done stays behind, and the lock is let go
    return checkin, stored


def _check_values(values: dict[str, int | None]) -> None:
    for item, value in values.items():
        if value is not None and (isinstance(value, bool) or value not in questions.SCALE):
            raise ServiceError("An answer was not one of the choices.", item)


def _asked(values: dict[str, int | None], kind: str) -> dict[str, int | None]:
    """The answers to the items a check-in of `kind` asks."""
    return {item: values.get(item) for item in items_for(kind)}


# PostgreSQL, storing by check-in id: the same share lock as above, taken before the insert
# reads anything.
_SHARE_CHECK_IN = text("SELECT id FROM check_in WHERE id = :check_in_id FOR KEY SHARE")


def submit_answers(
    check_in_id: int, *, submission_id: str, answers: dict[str, int | None], now: datetime
) -> bool:
    """Store one answer set for a check-in by id. Commits. True when stored now, False when
    already stored under this submission id.

    Refuses (AnswerRefused) an unknown, closed or full check-in. The answer set holds the
    check-in and the answers: no time, no address, nothing else. The cap is exact on SQLite
    (writers run one at a time); on PostgreSQL submissions saved at the very same moment may
    pass it by at most the number of them in flight.
    """
    if not is_submission_id(submission_id):
        raise ServiceError("That form was not one of ours. Please load the page again.")
    kind = "now" if NOW_ITEM in answers else "baseline"
    cleaned = clean_answers(kind, answers)
    begin_write()
    if on_postgresql():
        db.session.execute(_SHARE_CHECK_IN, {"check_in_id": check_in_id})
    if _insert_answer_set(check_in_id, kind, submission_id, cleaned, now):
        db.session.commit()
        return True
    db.session.rollback()
    refused = _why_not_stored(check_in_id, submission_id, cleaned, now)
    if refused:
        raise AnswerRefused(refused, REFUSALS[refused])
    return False


def _insert_answer_set(
    check_in_id: int, kind: str, submission_id: str, values: dict[str, int | None], now: datetime
) -> bool:
    """The store, in the caller's write transaction: True when the row went in."""
    parameters = {column: values.get(column) for column in _ANSWER_COLUMNS}
    parameters.update(id=submission_id, check_in_id=check_in_id, now=now, is_now=kind == "now")
    return db.session.connection().execute(_STORE_ANSWER_SET, parameters).rowcount == 1


REFUSALS = {
    "unknown": "We could not find that check-in.",
    "closed": "This check-in has closed.",
    "full": "This check-in has all the answers it can take.",
    "conflict": "That form was not one of ours. Please load it again.",
}


def _why_not_stored(
    check_in_id: int, submission_id: str, cleaned: dict[str, int | None], now: datetime
) -> str | None:
    """After the insert stored nothing: None when already saved, else why it was refused."""
    stored_for = db.session.scalar(
        select(AnswerSet.check_in_id).where(AnswerSet.id == submission_id)
    )
    if stored_for == check_in_id:
        return None
    if stored_for is not None:
        return "conflict"
    checkin = db.session.get(CheckIn, check_in_id)
    if checkin is None:
        return "unknown"
    if not is_open(checkin, now):
        return "closed"
    if set(cleaned) != set(items_for(checkin.kind)):
        raise ServiceError("Those answers do not belong to this check-in.")
    return "full"
