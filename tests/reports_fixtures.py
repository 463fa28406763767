"""Building blocks for the reports tests: terms, classes, lessons, deliveries, check-ins.

Check-ins and deliveries are written directly: a finalised check-in has its answer count
and its released figures, as the check-ins feature leaves it. The release is drawn with the
app's own noise unless a test passes `noise=exact_noise` (checkins_fixtures) to check the
summary's arithmetic and suppression against the raw answers.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from cmt_schools.checkins import release
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.reports import synthetic
from cmt_schools.runner.models import Delivery, DeliveryStep
from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass, Term

from . import checkins_fixtures
from .checkins_fixtures import exact_noise, record_no_noise

AUTUMN = (date(2026, 9, 1), date(2026, 12, 18))
TODAY = date(2026, 11, 23)


def make_term(school, name="Autumn 2026", first=AUTUMN[0], last=AUTUMN[1]) -> Term:
    begin_write()
    term = Term(school_id=school.id, name=name, first_day=first, last_day=last)
    db.session.add(term)
    db.session.commit()
    return term


def make_class(school, teacher, name, year_group, band_override=None) -> SchoolClass:
    return checkins_fixtures.make_class(
        teacher,
        name=name,
        year_group=year_group,
        band_override=band_override,
        school_id=school.id,
    )


def write_checkin(
    school_class,
    kind,
    opened_on,
    answers,
    *,
    with_answer_sets=False,
    noise=release.opendp_noise,
    class_size=None,
    band=None,
):
    """Add a finalised check-in to the current write transaction (the caller commits).

    `band`: the wording pupils saw, if not the class's band now (a band changed later)."""
    checkin = synthetic.add_checkin(
        class_size=class_size,
        school_id=school_class.school_id,
        class_id=school_class.id,
        band=band or school_class.band,
        kind=kind,
        opened_on=opened_on,
        answers=answers,
        with_answer_sets=with_answer_sets,
        noise=noise,
    )
    if noise is exact_noise:
        record_no_noise(checkin.id)
    return checkin


def add_checkin(school_class, kind, opened_on, answers, **options):
    begin_write()
    checkin = write_checkin(school_class, kind, opened_on, answers, **options)
    db.session.commit()
    return checkin


def add_answers(school_class, kind, opened_on, n, *, seed=1, wave=None):
    """n generated answers to a start- or end-of-term check-in (or right-now check)."""
    rng = random.Random(seed)
    if kind == "now":
        answers = synthetic.now_answers(rng, n, 2.8)
    else:
        default = synthetic.START if kind == "baseline" else synthetic.END
        answers = synthetic.term_answers(rng, n, wave or default)
    return add_checkin(school_class, kind, opened_on, answers)


def add_lessons(
    school_class,
    statuses,
    *,
    start=date(2026, 9, 7),
    steps=(("taught", 3), ("taught", 0), ("shortened", 2), ("taught", 0)),
):
    """One lesson a week from `start` with these statuses; delivered ones get `steps`."""
    begin_write()
    occurrences = []
    for position, status in enumerate(statuses):
        day = start + timedelta(weeks=position)
        occurrence = LessonOccurrence(
            school_id=school_class.school_id,
            class_id=school_class.id,
            lesson_key=f"{school_class.band}/0{position % 8 + 1}-lesson",
            position=position,
            scheduled_on=day,
            starts_at=time(10, 0),
            minutes=50,
            status=status,
        )
        db.session.add(occurrence)
        db.session.flush()
        if status == "delivered":
            delivery = Delivery(
                school_id=school_class.school_id,
                occurrence_id=occurrence.id,
                delivered_on=day,
                minutes_taken=50,
            )
            db.session.add(delivery)
            db.session.flush()
            for index, (outcome, minutes) in enumerate(steps):
                db.session.add(
                    DeliveryStep(
                        delivery_id=delivery.id,
                        step_index=index,
                        stage="practise",
                        outcome=outcome,
                        practice_minutes=minutes,
                    )
                )
        occurrences.append(occurrence)
    db.session.commit()
    return occurrences
