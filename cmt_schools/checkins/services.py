"""Check-in use cases: open and close, take pupils' answers, tally, show results, purge.

An answer set holds its check-in and the answers, nothing else. Its key is the submission
id the pupil's form carried (a random UUID made when the form was first shown on the
device), so a retried submit stores nothing new. When a check-in is finalised its figures
are released once, with noise (release.py); results, summaries and exports read only
those, never raw answers, so raw answers can be purged after the school's retention period
while the released figures remain.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    bindparam,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.orm import selectinload

from ..accounts.models import (
    DEFAULT_SUPPORT_CONTACTS,
    DEFAULT_TRUSTED_ADULTS,
    School,
    User,
)
from ..audit.services import record_event
from ..core.dates import months_before, school_today
from ..core.services import ServiceError
from ..database import autocommit_connection, begin_write
from ..extensions import db
from ..scheduling.models import LessonOccurrence, SchoolClass
from . import guard, questions, release
from .models import (
    KINDS,
    NOW_ITEM,
    TERM_ITEMS,
    AnswerSet,
    CheckIn,
    CheckInRelease,
    ReleasedFigure,
)
from .results import (  # noqa: F401 (the results page's names, where they always were)
    ChoiceShare,
    IndexResult,
    ItemResult,
    Results,
    results_for,
    whole_percent,
)

# Join codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B,
# 2/Z, U/V), so a pupil copying from the board cannot mistake one for another. 24**6 is
# about 191 million codes: with even a few hundred open at once a guess almost never hits,
# which is what the (generous) throttle on wrong codes relies on.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY346792"
JOIN_CODE_LENGTH = 6
# How long a check-in stays open, in minutes, as the teacher chooses.
DURATIONS = {15: "15 minutes", 30: "30 minutes", 60: "1 hour", 1440: "1 day", 10080: "1 week"}
MAX_CLASS_SIZE = 60
# Answers allowed beyond the class size: a visiting pupil, a retake on a second device.
ANSWER_MARGIN = 5
INDICES = ("worry", "self_compassion")


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_open(checkin: CheckIn, now: datetime) -> bool:
    return checkin.closed_at is None and now < aware(checkin.closes_at)


def normalise_code(raw: str | None) -> str:
    """What the pupil typed, upper-cased, without spaces or dashes (codes are case-insensitive)."""
    return "".join(ch for ch in (raw or "")[:40] if ch not in " -\t").upper()


def is_plausible_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_CODE_ALPHABET for ch in code)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


# ---------------------------------------------------------------- staff: opening and closing


def open_checkin(
    school_class: SchoolClass,
    *,
    kind: str,
    minutes: int,
    class_size: int,
    opened_by: User,
    now: datetime,
    occurrence_id: int | None = None,
) -> CheckIn:
    """Open a check-in for a class, with a fresh join code. Commits.

    The band is fixed now, so results are read against the wording pupils saw. Answers are
    capped at the class size plus a small margin.
    """
    begin_write()
    if school_class.school_id != opened_by.school_id or (
        opened_by.role != "lead" and school_class.teacher_id != opened_by.id
    ):
        raise ServiceError("Choose one of your classes.", "class_id")
    if kind not in KINDS:
        raise ServiceError("Choose what kind of check-in to open.", "kind")
    if minutes not in DURATIONS:
        raise ServiceError("Choose how long the check-in stays open.", "minutes")
    if not 1 <= class_size <= MAX_CLASS_SIZE:
        raise ServiceError(
            f"Give the number of pupils, between 1 and {MAX_CLASS_SIZE}.", "class_size"
        )
    if occurrence_id is not None:
        occurrence = db.session.get(LessonOccurrence, occurrence_id)
        if occurrence is None or occurrence.class_id != school_class.id:
            raise ServiceError("That lesson is not one of this class's lessons.", "occurrence_id")
    same_questions = CheckIn.kind == "now" if kind == "now" else CheckIn.kind != "now"
    already_open = db.session.scalar(
        select(CheckIn.id).where(
            CheckIn.class_id == school_class.id,
            same_questions,
            CheckIn.closed_at.is_(None),
            CheckIn.closes_at > now,
        )
    )
    if already_open is not None:
        # One at a time per class for the same questions (a "right now" check can run
        # during a week-long term check-in): two at once would split a class's answers,
        # and nothing a class needs takes two.
        what = "a \u201cright now\u201d check" if kind == "now" else "a term check-in"
        raise ServiceError(
            f"{school_class.name} already has {what} open. Close it first (from "
            "Check-ins), or wait until it closes.",
            "class_id",
        )
    school = db.session.get(School, school_class.school_id)
    code = _unused_join_code()
    checkin = CheckIn(
        school_id=school_class.school_id,
        class_id=school_class.id,
        occurrence_id=occurrence_id,
        kind=kind,
        band=school_class.band,
        join_code=code,
        opened_on=school_today(school, now),
        closes_at=now + timedelta(minutes=minutes),
        max_answers=class_size + ANSWER_MARGIN,
        opened_by_id=opened_by.id,
    )
    db.session.add(checkin)
    db.session.flush()
    record_event(
        "checkin.opened",
        school_id=checkin.school_id,
        user_id=opened_by.id,
        detail=f"check-in {checkin.id} ({kind}) for class {school_class.id}",
    )
    db.session.commit()
    return checkin


def _unused_join_code() -> str:
    # Codes stay unique for as long as their check-in exists (the column is unique), so a
    # closed check-in's code never opens another class's check-in.
    for _ in range(20):
        code = new_join_code()
        if db.session.scalar(select(CheckIn.id).where(CheckIn.join_code == code)) is None:
            return code
    raise ServiceError("Could not make a new join code just now. Please try again.")


def close_checkin(checkin: CheckIn, *, now: datetime, by: User) -> None:
    """Close a check-in now (no more answers) and write its tallies. Commits."""
    begin_write()
    _finalise(checkin.id, now)
    record_event(
        "checkin.closed",
        school_id=checkin.school_id,
        user_id=by.id,
        detail=f"check-in {checkin.id}",
    )
    db.session.commit()


def checkins_for(user: User, *, limit: int = 200) -> list[CheckIn]:
    """A teacher's check-ins (their classes), or the whole school's for a lead; newest first."""
    statement = (
        select(CheckIn)
        .join(SchoolClass, SchoolClass.id == CheckIn.class_id)
        .where(CheckIn.school_id == user.school_id)
        .options(selectinload(CheckIn.school_class).selectinload(SchoolClass.teacher))
        .order_by(CheckIn.opened_on.desc(), CheckIn.id.desc())
        .limit(limit)
    )
    if user.role != "lead":
        statement = statement.where(SchoolClass.teacher_id == user.id)
    return list(db.session.scalars(statement))


def live_count(checkin: CheckIn) -> int:
    """How many answer sets have arrived (the one thing shown while a check-in is open)."""
    if checkin.answer_count is not None:
        return checkin.answer_count
    return db.session.scalar(
        select(func.count()).select_from(AnswerSet).where(AnswerSet.check_in_id == checkin.id)
    )


# ---------------------------------------------------------------- pupils


@dataclass(frozen=True)
class HelpContacts:
    trusted_adults: str
    contacts: tuple[tuple[str, str], ...]


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

_HELP_FOR_SCHOOL = text(
    "SELECT school.help_stamp, school.trusted_adults, support_contact.name,"
    " support_contact.detail, support_contact.for_ks2, support_contact.for_ks3_ks4"
    " FROM school LEFT OUTER JOIN support_contact ON support_contact.school_id = school.id"
    " WHERE school.id = :school_id ORDER BY support_contact.position"
).columns(
    column("help_stamp", String),
    column("trusted_adults", String),
    column("name", String),
    column("detail", String),
    column("for_ks2", Boolean),
    column("for_ks3_ks4", Boolean),
)


def _on_postgresql() -> bool:
    # The app's one engine (db.engine); cheaper than asking the session for its bind, and
    # asked on every pupil's submit.
    return db.engine.dialect.name == "postgresql"


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


# Each school's help for pupils, by (school id, help stamp, band). Every pupil of a school
# is shown the same help, so it is read once per process and kept until the school's stamp
# changes (a lead's edit gives it a new one, so the next pupil sees the edit).
_HELP_KEPT: dict[tuple[int, str, str], HelpContacts] = {}
HELP_KEPT_MAX = 1024


def help_for(school_id: int, help_stamp: str, band: str) -> HelpContacts:
    """Where a pupil of `band` at this school can get help, as of `help_stamp`."""
    kept = _HELP_KEPT.get((school_id, help_stamp, band))
    if kept is not None:
        return kept
    rows = db.session.connection().execute(_HELP_FOR_SCHOOL, {"school_id": school_id}).all()
    found = _help_from(rows, band)
    if len(_HELP_KEPT) >= HELP_KEPT_MAX:
        _HELP_KEPT.clear()
    if rows:
        # Kept under the stamp read with the contacts: if the lead saved a change since the
        # check-in was read, this is the newer help, and the older stamp will not be asked
        # for again.
        _HELP_KEPT[(school_id, rows[0].help_stamp, band)] = found
    return found


def _help_from(rows, band: str) -> HelpContacts:
    """Where a pupil of `band` can get help: the school's contacts, or the defaults."""
    contacts = tuple(
        (row.name, row.detail)
        for row in rows
        if row.name is not None and (row.for_ks2 if band == "ks2" else row.for_ks3_ks4)
    )
    if not contacts:
        # Never leave a child without somewhere to turn, whatever the settings say.
        contacts = tuple(
            (name, detail)
            for name, detail, ks2, ks34 in DEFAULT_SUPPORT_CONTACTS
            if (ks2 if band == "ks2" else ks34)
        )
    trusted = (rows[0].trusted_adults or "").strip() if rows else ""
    return HelpContacts(trusted or DEFAULT_TRUSTED_ADULTS, contacts)


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


def is_submission_id(value: str | None) -> bool:
    """A canonical random (version 4) UUID, as the form was given."""
    if not value or len(value) != 36:
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value


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
    store = _find_and_store_on_postgresql if _on_postgresql() else _find_and_store_on_sqlite
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
    if _on_postgresql():
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


# ---------------------------------------------------------------- finalising and releasing


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
        if rows and _on_postgresql():
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


# ---------------------------------------------------------------- retention


@dataclass(frozen=True)
class PurgeReport:
    school_id: int
    school_name: str
    retention_months: int
    cutoff: date
    checkins: int
    answer_sets_deleted: int


def purge_expired_answers(*, today: date, now: datetime) -> list[PurgeReport]:
    """Delete the raw answers of check-ins opened before each school's retention period.

    Each such check-in is finalised first, so its tallies (and so results and summaries)
    remain. Commits per school. Returns what was done, per school with anything to purge.
    """
    finalise_due_checkins(now)
    reports = []
    schools = list(db.session.execute(select(School.id, School.name, School.retention_months)))
    db.session.rollback()
    for school_id, name, months in schools:
        cutoff = months_before(today, months)
        has_answers = select(AnswerSet.id).where(AnswerSet.check_in_id == CheckIn.id).exists()
        old = list(
            db.session.scalars(
                select(CheckIn.id).where(
                    CheckIn.school_id == school_id,
                    CheckIn.opened_on < cutoff,
                    or_(CheckIn.answer_count.is_(None), has_answers),
                )
            )
        )
        db.session.rollback()
        if not old:
            continue
        begin_write()
        for check_in_id in old:
            _finalise(check_in_id, now)
        if db.session.get_bind().dialect.name == "sqlite":
            # Overwrite the deleted answers' bytes in the file rather than leave them in
            # free pages.
            db.session.execute(text("PRAGMA secure_delete = ON"))
        result = db.session.execute(delete(AnswerSet).where(AnswerSet.check_in_id.in_(old)))
        deleted = result.rowcount or 0
        if deleted:
            record_event(
                "checkin.answers_purged",
                school_id=school_id,
                user_id=None,
                detail=f"{deleted} answer sets of {len(old)} check-ins opened before {cutoff}",
            )
        db.session.commit()
        reports.append(PurgeReport(school_id, name, months, cutoff, len(old), deleted))
    if any(report.answer_sets_deleted for report in reports):
        _reclaim_deleted_space()
    return reports


def _reclaim_deleted_space() -> None:
    """Let the database drop deleted answers from its files now, not at some later time."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        # The deleted rows' old pages live on in the write-ahead log until a checkpoint.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM answer_set")
