"""The lead's view of the school's data: what is held, when raw answers go, a full export
(released figures only for check-ins), and deleting everything the school has here."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Table, func, select
from sqlalchemy.sql.elements import ColumnElement

from ..accounts.models import School, SupportContact, User
from ..audit.models import AuditEvent
from ..audit.services import record_event
from ..checkins.models import KINDS, AnswerSet, CheckIn, CheckInRelease, ReleasedFigure
from ..checkins.results import effective_threshold
from ..core.dates import months_after, months_before
from ..core.services import ServiceError
from ..database import begin_write
from ..extensions import db
from ..runner.models import Delivery, DeliveryStep
from ..scheduling.models import Closure, LessonOccurrence, SchoolClass, Term
from .models import SetupTick

# ---------------------------------------------------------------- what is held


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def data_counts(school_id: int) -> list[tuple[str, int]]:
    """How many rows of each kind this deployment holds for the school."""
    answer_sets = (
        db.session.scalar(
            select(func.count())
            .select_from(AnswerSet)
            .join(CheckIn, AnswerSet.check_in_id == CheckIn.id)
            .where(CheckIn.school_id == school_id)
        )
        or 0
    )
    return [
        ("Staff accounts", _count(User, User.school_id == school_id)),
        ("Classes", _count(SchoolClass, SchoolClass.school_id == school_id)),
        ("Lessons scheduled", _count(LessonOccurrence, LessonOccurrence.school_id == school_id)),
        ("Delivery records", _count(Delivery, Delivery.school_id == school_id)),
        ("Check-ins", _count(CheckIn, CheckIn.school_id == school_id)),
        ("Pupil answer sets (raw answers)", answer_sets),
        ("Audit log events", _count(AuditEvent, AuditEvent.school_id == school_id)),
    ]


@dataclass(frozen=True)
class RetentionStatus:
    months: int
    # Raw answers from check-ins opened before this day are past the retention period.
    cutoff: date
    # The day of the oldest check-in whose raw answers are still held (None: none held).
    oldest: date | None
    # How many answer sets the purge would delete if it ran today.
    due: int

    @property
    def oldest_due_on(self) -> date | None:
        """The first day the purge deletes the oldest answers held."""
        return months_after(self.oldest, self.months) + timedelta(days=1) if self.oldest else None


def retention_status(school: School, *, today: date) -> RetentionStatus:
    """What the retention purge would delete next for this school."""
    # The purge's own rule, so this page says exactly what `cmt purge-checkins` will do.
    cutoff = months_before(today, school.retention_months)
    oldest = db.session.scalar(
        select(func.min(CheckIn.opened_on))
        .join(AnswerSet, AnswerSet.check_in_id == CheckIn.id)
        .where(CheckIn.school_id == school.id)
    )
    due = (
        db.session.scalar(
            select(func.count())
            .select_from(AnswerSet)
            .join(CheckIn, AnswerSet.check_in_id == CheckIn.id)
            .where(CheckIn.school_id == school.id, CheckIn.opened_on < cutoff)
        )
        or 0
    )
    return RetentionStatus(school.retention_months, cutoff, oldest, due)


# ---------------------------------------------------------------- export

# Excel and other spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    # UTF-8 with a byte-order mark, so Excel reads names with accents correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


EXPORT_README = """CMT Schools: all the data held for {name}, exported on {day}.

Each file is a table in CSV (UTF-8), one row per record:
- school.csv, support_contacts.csv: the school's settings and the help shown to pupils
- staff.csv: staff accounts (passwords are never exported; only whether one is set)
- terms.csv, closures.csv: the school calendar
- classes.csv, lessons.csv: classes and every lesson laid on their calendars
- deliveries.csv, delivery_steps.csv: what was taught, as teachers recorded it
- checkins.csv, checkin_released_figures.csv: check-ins and their released figures: how
  many pupils gave each answer, and the indices' sums, each with small random changes
  (the "noise_sd" column says how large) so that no pupil's answers can be worked out.
  Exact counts are never kept, and pupils' individual answers are never exported. Figures
  are left out for a check-in with fewer answers than the school's threshold ({threshold}).
- setup_checklist.csv: the set-up steps the lead ticked
- audit_log.csv: who did what, and when

Cells that begin with =, +, - or @ start with an apostrophe so spreadsheets show them as
text instead of running them.
"""


def export_filename(school: School, today: date) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", school.name.lower()).strip("-")[:40] or "school"
    return f"cmt-data-{slug}-{today.isoformat()}.zip"


def _rows(statement) -> list:
    """A statement's result as plain rows (named tuples). The export reads thousands of
    lessons, steps and released figures once each: as ORM entities, building and then
    collecting them took half its time; rows cost a fraction of that."""
    return db.session.execute(statement).all()


def _checkin_files(school_id: int, class_names: dict[int, str], threshold: int) -> dict[str, bytes]:
    """checkins.csv, and checkin_released_figures.csv with the released figures of those at
    the threshold only (the threshold in force, never below the one each was released under)."""
    checkins = _rows(
        select(
            CheckIn.id,
            CheckIn.class_id,
            CheckIn.kind,
            CheckIn.band,
            CheckIn.opened_on,
            CheckIn.closed_at,
            CheckIn.answer_count,
            CheckInRelease.protection,
            CheckInRelease.threshold.label("released_threshold"),
        )
        .outerjoin(CheckInRelease, CheckInRelease.check_in_id == CheckIn.id)
        .where(CheckIn.school_id == school_id)
        .order_by(CheckIn.id)
    )

    def totals_shown(check_in) -> bool:
        # effective_threshold's rule: the school's threshold, never below the release's.
        floor = effective_threshold(None, max(threshold, check_in.released_threshold or 0))
        return check_in.answer_count is not None and check_in.answer_count >= floor

    files = {}
    files["checkins.csv"] = _csv(
        [
            "id",
            "class_id",
            "class",
            "kind",
            "band",
            "opened_on",
            "closed_at",
            "answer_count",
            "protection",
            "totals",
        ],
        [
            (
                c.id,
                c.class_id,
                class_names.get(c.class_id, ""),
                KINDS.get(c.kind, c.kind),
                c.band,
                c.opened_on,
                c.closed_at,
                c.answer_count,
                c.protection or "",
                "included"
                if totals_shown(c)
                else "not final yet"
                if c.answer_count is None
                else f"withheld: fewer than {threshold} answers",
            )
            for c in checkins
        ],
    )
    shown = [c.id for c in checkins if totals_shown(c)]
    figures = (
        _rows(
            select(
                ReleasedFigure.check_in_id,
                ReleasedFigure.measure,
                ReleasedFigure.statistic,
                ReleasedFigure.value,
                ReleasedFigure.numerator,
                ReleasedFigure.weight,
                ReleasedFigure.noise_sd,
            )
            .where(ReleasedFigure.check_in_id.in_(shown))
            .order_by(
                ReleasedFigure.check_in_id,
                ReleasedFigure.measure,
                ReleasedFigure.statistic,
                ReleasedFigure.value,
            )
        )
        if shown
        else []
    )
    files["checkin_released_figures.csv"] = _csv(
        ["check_in_id", "measure", "statistic", "value", "figure", "noise_sd"],
        [
            (
                check_in_id,
                measure,
                statistic,
                value,
                round(numerator / weight, 4),
                round(noise_sd, 4),
            )
            for check_in_id, measure, statistic, value, numerator, weight, noise_sd in figures
        ],
    )
    return files


def export_school_data(school: School, *, lead: User, today: date) -> bytes:
    """A ZIP of CSVs holding all the school's data, check-ins as group totals only.

    The export is written to the audit log (and so appears in its own audit file). Commits.
    """
    begin_write()
    record_event(
        "school.data_exported",
        school_id=school.id,
        user_id=lead.id,
        detail="Every record of the school, as a zip file",
    )
    db.session.commit()

    sid = school.id
    session = db.session
    users = {user.id: user for user in session.scalars(select(User).where(User.school_id == sid))}
    classes = list(
        session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == sid).order_by(SchoolClass.id)
        )
    )
    class_names = {school_class.id: school_class.name for school_class in classes}
    threshold = school.suppression_threshold

    files: dict[str, bytes] = {}
    files["school.csv"] = _csv(
        [
            "id",
            "name",
            "nation",
            "timezone",
            "suppression_threshold",
            "protection",
            "min_wave_size",
            "retention_months",
            "trusted_adults",
            "created_at",
        ],
        [
            (
                school.id,
                school.name,
                school.nation,
                school.timezone,
                school.suppression_threshold,
                school.protection,
                school.min_wave_size,
                school.retention_months,
                school.trusted_adults,
                school.created_at,
            )
        ],
    )
    files["support_contacts.csv"] = _csv(
        ["position", "name", "detail", "shown_to_ks2", "shown_to_ks3_ks4"],
        [
            (c.position, c.name, c.detail, c.for_ks2, c.for_ks3_ks4)
            for c in session.scalars(
                select(SupportContact)
                .where(SupportContact.school_id == sid)
                .order_by(SupportContact.position)
            )
        ],
    )
    files["staff.csv"] = _csv(
        ["id", "name", "email", "role", "active", "password_set", "created_at"],
        [
            (u.id, u.name, u.email, u.role, u.active, u.password_hash is not None, u.created_at)
            for u in sorted(users.values(), key=lambda user: user.id)
        ],
    )
    files["terms.csv"] = _csv(
        ["id", "name", "first_day", "last_day"],
        [
            (t.id, t.name, t.first_day, t.last_day)
            for t in session.scalars(select(Term).where(Term.school_id == sid).order_by(Term.id))
        ],
    )
    files["closures.csv"] = _csv(
        ["id", "name", "kind", "first_day", "last_day"],
        [
            (c.id, c.name, c.kind, c.first_day, c.last_day)
            for c in session.scalars(
                select(Closure).where(Closure.school_id == sid).order_by(Closure.id)
            )
        ],
    )
    files["classes.csv"] = _csv(
        ["id", "name", "year_group", "band", "teacher_id", "teacher", "archived", "created_at"],
        [
            (
                c.id,
                c.name,
                c.year_group,
                c.band,
                c.teacher_id,
                users[c.teacher_id].name if c.teacher_id in users else "",
                c.archived,
                c.created_at,
            )
            for c in classes
        ],
    )
    files["lessons.csv"] = _csv(
        [
            "id",
            "class_id",
            "class",
            "lesson_key",
            "position",
            "scheduled_on",
            "starts_at",
            "minutes",
            "status",
        ],
        [
            (o.id, o.class_id, class_names.get(o.class_id, ""), *o[2:])
            for o in _rows(
                select(
                    LessonOccurrence.id,
                    LessonOccurrence.class_id,
                    LessonOccurrence.lesson_key,
                    LessonOccurrence.position,
                    LessonOccurrence.scheduled_on,
                    LessonOccurrence.starts_at,
                    LessonOccurrence.minutes,
                    LessonOccurrence.status,
                )
                .where(LessonOccurrence.school_id == sid)
                .order_by(LessonOccurrence.class_id, LessonOccurrence.position)
            )
        ],
    )
    files["deliveries.csv"] = _csv(
        ["id", "occurrence_id", "delivered_on", "minutes_taken", "note", "recorded_by_id"],
        _rows(
            select(
                Delivery.id,
                Delivery.occurrence_id,
                Delivery.delivered_on,
                Delivery.minutes_taken,
                Delivery.note,
                Delivery.recorded_by_id,
            )
            .where(Delivery.school_id == sid)
            .order_by(Delivery.id)
        ),
    )
    files["delivery_steps.csv"] = _csv(
        ["delivery_id", "step_index", "stage", "outcome", "practice_minutes"],
        _rows(
            select(
                DeliveryStep.delivery_id,
                DeliveryStep.step_index,
                DeliveryStep.stage,
                DeliveryStep.outcome,
                DeliveryStep.practice_minutes,
            )
            .join(Delivery, DeliveryStep.delivery_id == Delivery.id)
            .where(Delivery.school_id == sid)
            .order_by(DeliveryStep.delivery_id, DeliveryStep.step_index)
        ),
    )
    files.update(_checkin_files(sid, class_names, threshold))
    files["setup_checklist.csv"] = _csv(
        ["item", "done_on", "ticked_by_id", "ticked_at"],
        [
            (t.item, t.done_on, t.ticked_by_id, t.ticked_at)
            for t in session.scalars(
                select(SetupTick).where(SetupTick.school_id == sid).order_by(SetupTick.item)
            )
        ],
    )
    files["audit_log.csv"] = _csv(
        ["id", "created_at", "action", "user_id", "user", "detail"],
        [
            (
                e.id,
                e.created_at,
                e.action,
                e.user_id,
                users[e.user_id].name if e.user_id in users else "",
                e.detail,
            )
            for e in _rows(
                select(
                    AuditEvent.id,
                    AuditEvent.created_at,
                    AuditEvent.action,
                    AuditEvent.user_id,
                    AuditEvent.detail,
                )
                .where(AuditEvent.school_id == sid)
                .order_by(AuditEvent.id)
            )
        ],
    )
    readme = EXPORT_README.format(name=school.name, day=today.isoformat(), threshold=threshold)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# ---------------------------------------------------------------- deletion


def _school_rows(table: Table, school_id: int) -> ColumnElement[bool] | None:
    """A condition selecting `table`'s rows that belong to the school, or None if none can.

    A row belongs to the school if it is the school, has the school's `school_id`, or
    points (by a foreign key) at a row that belongs to the school: an answer set through
    its check-in, a delivery step through its delivery, an invitation through its user.
    Tables added later by other features are covered without changes here.
    """
    if table.name == School.__tablename__:
        return table.c.id == school_id
    if "school_id" in table.c:
        return table.c.school_id == school_id
    for foreign_key in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        parent = foreign_key.column.table
        if parent is table:
            continue
        condition = _school_rows(parent, school_id)
        if condition is not None:
            return foreign_key.parent.in_(select(foreign_key.column).where(condition))
    return None


_before_deletion: list[Callable[[int], dict[str, int]]] = []


def before_school_data_deleted(
    function: Callable[[int], dict[str, int]],
) -> Callable[[int], dict[str, int]]:
    """Register `function(school_id)`, run in the deletion's transaction before the school's
    own rows go: for rows that show the school's data but are not the school's (a trust's
    rendered summaries). It returns rows deleted per table, for the log."""
    if function not in _before_deletion:
        _before_deletion.append(function)
    return function


def delete_school_data(school: School, *, lead: User, confirmation: str) -> dict[str, int]:
    """Delete every row of the school's, in every table: pupils' answers, check-ins, lessons,
    classes, staff and the school itself. Other schools are untouched. Commits.

    `confirmation` must be the school's name, typed by the lead. The audit log goes with the
    school, so the deletion is written to the app log instead. Returns rows deleted per table.
    """
    begin_write()
    if " ".join(confirmation.split()) != " ".join(school.name.split()):
        raise ServiceError(
            "Type the school's name exactly as it is shown to confirm.", "confirmation"
        )
    school_id, lead_id = school.id, lead.id
    deleted: dict[str, int] = {}
    for forget in _before_deletion:  # rows elsewhere that show the school's data
        deleted.update(forget(school_id))
    # Children before parents, so no foreign key is ever left pointing at a deleted row.
    for table in reversed(db.metadata.sorted_tables):
        condition = _school_rows(table, school_id)
        if condition is None:
            continue
        result = db.session.execute(table.delete().where(condition))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    db.session.commit()
    db.session.expunge_all()
    current_app.logger.warning(
        "audit: action=school.data_deleted school=%s user=%s rows=%s",
        school_id,
        lead_id,
        ",".join(f"{name}:{n}" for name, n in sorted(deleted.items())),
    )
    return deleted
