"""The school's data export reads its big tables as plain rows, and says the same as before.

Until issue 20 the export loaded every lesson, delivery step, check-in and released figure
as an ORM entity; it now selects their columns. Here each file that changed is rebuilt from
the ORM entities, the way the export used to read them, and must match the export exactly;
and no entity of those tables is loaded while the export runs.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

from sqlalchemy import event, select

from cmt_schools.accounts.models import School, User
from cmt_schools.audit.models import AuditEvent
from cmt_schools.checkins.models import KINDS, CheckIn, CheckInRelease, ReleasedFigure
from cmt_schools.checkins.results import effective_threshold
from cmt_schools.extensions import db
from cmt_schools.onboarding.data import export_school_data, safe_cell
from cmt_schools.runner.models import Delivery, DeliveryStep
from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass
from tests.sized_school import seed_sized_school

TODAY = date(2026, 11, 20)
READ_AS_ROWS = (CheckIn, CheckInRelease, ReleasedFigure, LessonOccurrence, Delivery, DeliveryStep)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def as_cells(rows) -> list[list[str]]:
    """Rows as the CSV writer leaves them: safe_cell's text, numbers as str() writes them."""
    return [[str(safe_cell(value)) for value in row] for row in rows]


def expected_from_entities(school: School) -> dict[str, list[list]]:
    sid, threshold = school.id, school.suppression_threshold
    session = db.session
    names = {c.id: c.name for c in session.scalars(select(SchoolClass))}
    users = {u.id: u.name for u in session.scalars(select(User))}
    checkins = list(session.scalars(select(CheckIn).where(CheckIn.school_id == sid)))

    def shown(c: CheckIn) -> bool:
        floor = effective_threshold(c.release, threshold)
        return c.answer_count is not None and c.answer_count >= floor

    def totals(c: CheckIn) -> str:
        if shown(c):
            return "included"
        if c.answer_count is None:
            return "not final yet"
        return f"withheld: fewer than {threshold} answers"

    def figure(f: ReleasedFigure) -> tuple[float, float]:
        return round(f.numerator / f.weight, 4), round(f.noise_sd, 4)

    figures = sorted(
        (
            (f.check_in_id, f.measure, f.statistic, f.value, *figure(f))
            for c in checkins
            if shown(c)
            for f in c.release.figures
        ),
        key=lambda row: row[:4],
    )
    lessons = session.scalars(select(LessonOccurrence).where(LessonOccurrence.school_id == sid))
    deliveries = list(session.scalars(select(Delivery).where(Delivery.school_id == sid)))
    audit = session.scalars(select(AuditEvent).where(AuditEvent.school_id == sid))
    return {
        "checkins.csv": sorted(
            [
                c.id,
                c.class_id,
                names[c.class_id],
                KINDS[c.kind],
                c.band,
                c.opened_on,
                c.closed_at,
                c.answer_count,
                c.release.protection if c.release else "",
                totals(c),
            ]
            for c in checkins
        ),
        "checkin_released_figures.csv": figures,
        "lessons.csv": sorted(
            (
                (o.class_id, o.position),
                (o.id, o.class_id, names[o.class_id], o.lesson_key, o.position, o.scheduled_on),
                (o.starts_at, o.minutes, o.status),
            )
            for o in lessons
        ),
        "deliveries.csv": sorted(
            (d.id, d.occurrence_id, d.delivered_on, d.minutes_taken, d.note, d.recorded_by_id)
            for d in deliveries
        ),
        "delivery_steps.csv": sorted(
            (s.delivery_id, s.step_index, s.stage, s.outcome, s.practice_minutes)
            for d in deliveries
            for s in d.steps
        ),
        "audit_log.csv": sorted(
            (e.id, e.created_at, e.action, e.user_id, users.get(e.user_id, ""), e.detail)
            for e in audit
        ),
    }


def test_export_reads_rows_and_its_files_match_the_entities(app):
    school_id = seed_sized_school(10, today=TODAY)
    db.session.expire_all()
    school = db.session.get(School, school_id)
    lead = db.session.scalars(
        select(User).where(User.role == "lead", User.school_id == school_id)
    ).one()

    loaded: list[str] = []

    def entity_loaded(target, _context):
        loaded.append(type(target).__name__)

    for model in READ_AS_ROWS:
        event.listen(model, "load", entity_loaded)
    try:
        archive = export_school_data(school, lead=lead, today=TODAY)
    finally:
        for model in READ_AS_ROWS:
            event.remove(model, "load", entity_loaded)
    assert loaded == [], f"the export loaded entities: {sorted(set(loaded))}"

    db.session.expire_all()
    expected = expected_from_entities(db.session.get(School, school_id))
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        exported = {name: read_csv(files.read(name)) for name in files.namelist()[1:]}
    # Enough of everything that a reading gone wrong shows: suppressed and released
    # check-ins, hundreds of figures, lessons, deliveries and their steps.
    totals = {row[-1].split(":")[0] for row in exported["checkins.csv"][1:]}
    assert {"included", "withheld"} <= totals
    assert len(exported["checkin_released_figures.csv"]) > 500
    assert len(exported["delivery_steps.csv"]) > 100

    for name in (
        "checkins.csv",
        "checkin_released_figures.csv",
        "deliveries.csv",
        "delivery_steps.csv",
        "audit_log.csv",
    ):
        assert exported[name][1:] == as_cells(expected[name]), name
    # lessons.csv is ordered by class and position; compare it in that order.
    assert exported["lessons.csv"][1:] == as_cells(
        first + rest for _order, first, rest in expected["lessons.csv"]
    )
