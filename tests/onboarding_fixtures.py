"""Rows for onboarding's tests: a school with something in every table, made through the
models (the pages that make them belong to other features)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cmt_schools.accounts.models import AccountToken, School, User
from cmt_schools.audit.services import record_event
from cmt_schools.checkins.models import AnswerSet, CheckIn
from cmt_schools.checkins.services import store_release
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.onboarding.models import SetupTick
from cmt_schools.runner.models import Delivery, DeliveryStep
from cmt_schools.scheduling.models import (
    CalendarFeed,
    Closure,
    LessonOccurrence,
    SchoolClass,
    Term,
)


@dataclass
class FilledSchool:
    school_id: int
    class_ids: list[int]
    check_in_ids: list[int]
    answer_set_ids: list[str]
    big_check_in_id: int
    small_check_in_id: int


def add_term(school: School, *, first_day: date = date(2026, 9, 2), name: str = "Autumn") -> Term:
    begin_write()
    term = Term(
        school_id=school.id,
        name=name,
        first_day=first_day,
        last_day=first_day + timedelta(days=100),
    )
    db.session.add(term)
    db.session.commit()
    return term


def add_class(school: School, teacher: User, *, name: str = "8B", year: int = 8) -> SchoolClass:
    begin_write()
    school_class = SchoolClass(
        school_id=school.id, teacher_id=teacher.id, name=name, year_group=year
    )
    db.session.add(school_class)
    db.session.commit()
    return school_class


def _answers(n: int, seed: int) -> list[dict]:
    rows = []
    for i in range(n):
        value = (i + seed) % 5 + 1
        rows.append({"w1": value, "w2": 6 - value, "c1": value, "c2": None, "s1": 3, "g1": value})
    return rows


def fill_school(
    school: School,
    lead: User,
    teacher: User,
    *,
    marker: str,
    opened_on: date = date(2026, 9, 3),
    big: int = 12,
    small: int = 3,
) -> FilledSchool:
    """Give the school a row in every table, names carrying `marker` so tests can find them."""
    begin_write()
    db.session.add(
        Term(
            school_id=school.id,
            name=f"{marker} term",
            first_day=opened_on,
            last_day=opened_on + timedelta(days=90),
        )
    )
    db.session.add(
        Closure(
            school_id=school.id,
            name=f"{marker} INSET",
            kind="inset",
            first_day=opened_on + timedelta(days=30),
            last_day=opened_on + timedelta(days=30),
        )
    )
    school_class = SchoolClass(
        school_id=school.id, teacher_id=teacher.id, name=f"{marker} 8B", year_group=8
    )
    formula_class = SchoolClass(
        school_id=school.id, teacher_id=teacher.id, name="=HYPERLINK(1)", year_group=4
    )
    db.session.add_all([school_class, formula_class])
    db.session.flush()
    occurrences = [
        LessonOccurrence(
            school_id=school.id,
            class_id=school_class.id,
            lesson_key=f"ks3/0{i + 1}-lesson",
            position=i,
            scheduled_on=opened_on + timedelta(days=7 * i),
            starts_at=time(9, 0),
            minutes=50,
        )
        for i in range(3)
    ]
    db.session.add_all(occurrences)
    db.session.flush()
    delivery = Delivery(
        school_id=school.id,
        occurrence_id=occurrences[0].id,
        delivered_on=opened_on,
        minutes_taken=48,
        note=f"{marker} note: -went well",
        recorded_by_id=teacher.id,
    )
    delivery.steps = [
        DeliveryStep(step_index=i, stage="arrive", outcome="taught", practice_minutes=2)
        for i in range(2)
    ]
    db.session.add(delivery)
    db.session.add(
        CalendarFeed(school_id=school.id, user_id=teacher.id, token_hash=uuid.uuid4().hex * 2)
    )
    db.session.add(
        AccountToken(
            user_id=teacher.id,
            purpose="reset",
            token_hash=uuid.uuid4().hex * 2,
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    )
    db.session.add(
        SetupTick(school_id=school.id, item="dsl_briefed", done_on=opened_on, ticked_by_id=lead.id)
    )
    check_ins = []
    answer_ids = []
    for count, kind in ((big, "baseline"), (small, "now")):
        check_in = CheckIn(
            school_id=school.id,
            class_id=school_class.id,
            kind=kind,
            band="ks3",
            join_code=uuid.uuid4().hex[:8].upper(),
            opened_on=opened_on,
            closes_at=datetime.combine(opened_on, time(16, 0), tzinfo=UTC),
            closed_at=datetime.combine(opened_on, time(16, 0), tzinfo=UTC),
            answer_count=count,
            opened_by_id=teacher.id,
        )
        db.session.add(check_in)
        db.session.flush()
        answers = _answers(count, seed=check_in.id)
        for row in answers:
            answer_id = str(uuid.uuid4())
            answer_ids.append(answer_id)
            db.session.add(AnswerSet(id=answer_id, check_in_id=check_in.id, **row))
        store_release(check_in, school, answers, released_on=opened_on)
        check_ins.append(check_in)
    record_event("test.marker", school_id=school.id, user_id=lead.id, detail=f"{marker} event")
    db.session.commit()
    return FilledSchool(
        school_id=school.id,
        class_ids=[school_class.id, formula_class.id],
        check_in_ids=[c.id for c in check_ins],
        answer_set_ids=answer_ids,
        big_check_in_id=check_ins[0].id,
        small_check_in_id=check_ins[1].id,
    )
