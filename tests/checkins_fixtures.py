"""Helpers for the check-in tests: classes made directly, check-ins opened, pupils answering."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cmt_schools.checkins import services
from cmt_schools.checkins.models import AnswerSet, CheckIn
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.scheduling.models import SchoolClass

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission_id" type="hidden" value="([^"]+)"')
SAVED = "Your answers are saved."
ALL_THREES = {"w1": "3", "w2": "3", "c1": "3", "c2": "3", "s1": "3", "g1": "3"}


def now() -> datetime:
    return datetime.now(UTC)


def make_class(
    teacher, *, name: str = "8B", year_group: int = 8, band_override=None, school_id=None
):
    """A class made directly (the scheduling pages are another feature's), in the teacher's
    school unless `school_id` says another."""
    begin_write()
    school_class = SchoolClass(
        school_id=school_id or teacher.school_id,
        teacher_id=teacher.id,
        name=name,
        year_group=year_group,
        band_override=band_override,
    )
    db.session.add(school_class)
    db.session.commit()
    return school_class


def login(client, user) -> None:
    from .conftest import PASSWORD

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def open_for(school_class, teacher, *, kind="baseline", minutes=30, class_size=30, at=None):
    return services.open_checkin(
        school_class,
        kind=kind,
        minutes=minutes,
        class_size=class_size,
        opened_by=teacher,
        now=at or now(),
    )


def store_answers(checkin, answer_sets: list[dict], *, at=None) -> None:
    """Answer sets stored through the service, as the pupil page does."""
    for answers in answer_sets:
        services.submit_answers(
            checkin.id, submission_id=str(uuid.uuid4()), answers=answers, now=at or now()
        )


def answer_count(checkin_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(AnswerSet).where(AnswerSet.check_in_id == checkin_id)
    )


def total_answer_sets() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AnswerSet))


def reload(checkin) -> CheckIn:
    db.session.rollback()
    return db.session.get(CheckIn, checkin.id)


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the pupil form: the submission id, and the CSRF token if any."""
    fields = {"submission_id": SUBMISSION.search(html).group(1)}
    token = TOKEN.search(html)
    if token:
        fields["csrf_token"] = token.group(1)
    return fields


def pupil_submits(client, code: str, answers: dict[str, str]):
    """A pupil opens the check-in page and sends `answers`."""
    page = client.get(f"/join/{code}")
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {**form_fields(page.get_data(as_text=True)), **answers}
    return client.post(f"/join/{code}", data=data), data


@pytest.fixture
def teacher_and_class(make_teacher):
    teacher = make_teacher()
    return teacher, make_class(teacher)


@pytest.fixture
def open_checkin(teacher_and_class):
    teacher, school_class = teacher_and_class
    return open_for(school_class, teacher)


def past(minutes: int) -> datetime:
    return now() - timedelta(minutes=minutes)


def exact_noise(weighted, scale) -> list[int]:
    """A noise source that adds none: for tests of what pages do with released figures.

    The app itself always draws OpenDP's noise; these tests check the arithmetic and the
    suppression on figures whose values they know. Use it through `finalise_exactly` or
    `record_no_noise`, so the figures also say they carry no noise.
    """
    return list(weighted)


def record_no_noise(check_in_id: int) -> None:
    """Say so on figures released with `exact_noise` (in the caller's transaction)."""
    from cmt_schools.checkins.models import ReleasedFigure

    db.session.flush()
    db.session.execute(
        ReleasedFigure.__table__.update()
        .where(ReleasedFigure.check_in_id == check_in_id)
        .values(noise_sd=0.0)
    )


def finalise_exactly(checkin) -> None:
    """Finalise a check-in with no noise in its release (see exact_noise)."""
    services.finalise_checkin(checkin, now(), noise=exact_noise)
    begin_write()
    record_no_noise(checkin.id)
    db.session.commit()


def released_figures(checkin_id: int) -> dict[tuple[str, str, int], float]:
    """A check-in's stored released figures, read straight from their table."""
    from cmt_schools.checkins.models import ReleasedFigure

    db.session.rollback()
    return {
        (row.measure, row.statistic, row.value): row.numerator / row.weight
        for row in db.session.scalars(
            select(ReleasedFigure).where(ReleasedFigure.check_in_id == checkin_id)
        )
    }
