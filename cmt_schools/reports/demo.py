"""Demo data for term summaries: a term worth reading on first run.

Runs after the scheduling, runner and check-ins demos (cmt_schools/demo.py) and uses
whatever classes they made for the demo school, adding a few so that there are year
groups with more than one class, a second key stage, and two classes that show the
suppression rule at work:

- "8 Nurture" (8 pupils): too few answers to show, in any wave;
- "8 Rowan", a small set whose start-of-term check-in was run in two rooms: neither half
  is shown on its own, so 8 Rowan is the class that hides the nurture group's answers
  inside Year 8's total.

Answers come from `synthetic` with a seeded generator and a modest improvement from the
start to the end of term; the end-of-term wave is dated in the current term, on or
before today. Lessons of the added classes are laid out and, where past, recorded as
delivered (one skipped, one left overdue, so "behind schedule" has something to show).
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select

from ..core.services import ServiceError
from ..curriculum.loader import load_curriculum
from ..database import begin_write
from ..extensions import db
from ..runner.services import write_delivery
from ..scheduling import services as scheduling
from ..scheduling.models import SchoolClass, Term
from . import synthetic

SEED = 20_261_122
NURTURE = "8 Nurture"
SPLIT = "8 Rowan"
SIZES = {NURTURE: 8, SPLIT: 15}  # 8 Rowan is a small set, taught in two rooms at the start


def seed(demo) -> None:
    """Add check-ins, released figures and deliveries for the demo school's current term."""
    school, today = demo.school, demo.today
    rng = random.Random(SEED)
    _DEMO_NOISE.seed(SEED + 1)
    term = _demo_term(school.id, today)
    classes, added = _demo_classes(demo)
    baseline_day = max(term.first_day, _school_day(term.first_day + timedelta(days=7), today))
    endpoint_day = max(baseline_day, _school_day(min(today, term.last_day), today, backwards=True))

    for index, school_class in enumerate(classes):
        if school_class in added:
            _lay_out_lessons(school_class, term, today, index, rng)
        size = SIZES.get(school_class.name) or rng.randint(25, 30)
        shift = rng.uniform(-0.25, 0.25)  # classes differ a little
        present = _attending(rng, size, 0.92)
        if school_class.name == SPLIT:
            half = present // 2
            second_day = min(_next_day(baseline_day), endpoint_day)
            for part, day in ((half, baseline_day), (present - half, second_day)):
                _checkin(school_class, "baseline", day, synthetic.term_answers(
                    rng, part, synthetic.START, shift=shift), (size + 1) // 2)  # fmt: skip
        else:
            _checkin(
                school_class,
                "baseline",
                baseline_day,
                synthetic.term_answers(rng, present, synthetic.START, shift=shift),
                size,
            )
        _checkin(
            school_class,
            "endpoint",
            endpoint_day,
            synthetic.term_answers(rng, _attending(rng, size, 0.88), synthetic.END, shift=shift),
            size,
        )
        # A right-now check in most weeks between the two waves, slowly calmer.
        week = baseline_day + timedelta(days=7)
        weeks = max(1, (endpoint_day - baseline_day).days // 7)
        number = 0
        while week < endpoint_day:
            if rng.random() < 0.85:
                leaning = 3.1 - 0.35 * number / weeks + shift
                _checkin(
                    school_class,
                    "now",
                    _school_day(week, today),
                    synthetic.now_answers(rng, _attending(rng, size, 0.9), leaning),
                    size,
                )
            week += timedelta(days=7)
            number += 1
    demo.notes.append(
        f"Term summary: sign in as the lead and open Term summary ({term.name}):"
        f" {NURTURE} shows how small groups are hidden."
    )


def _attending(rng: random.Random, size: int, rate: float) -> int:
    return sum(1 for _ in range(size) if rng.random() < rate)


def _school_day(day: date, today: date, *, backwards: bool = False) -> date:
    """The nearest weekday (forwards, or backwards), never after today."""
    step = timedelta(days=-1 if backwards else 1)
    while day.weekday() >= 5:
        day += step
    while day > today:
        day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _next_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _demo_term(school_id: int, today: date) -> Term:
    """The term today is in (made by scheduling's demo, or here); else the latest started."""
    terms = list(
        db.session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.first_day))
    )
    for term in terms:
        if term.first_day <= today <= term.last_day:
            return term
    started = [term for term in terms if term.first_day <= today]
    if started and (today - started[-1].last_day).days < 60:
        return started[-1]
    # No term yet: one around today, named for the season it starts in.
    first = today - timedelta(weeks=11)
    first -= timedelta(days=first.weekday())
    season = {1: "Spring", 2: "Spring", 3: "Spring", 4: "Summer", 5: "Summer", 6: "Summer",
              7: "Summer", 8: "Autumn", 9: "Autumn", 10: "Autumn", 11: "Autumn",
              12: "Autumn"}[first.month]  # fmt: skip
    term = Term(
        school_id=school_id,
        name=f"{season} term {first.year}",
        first_day=first,
        last_day=today + timedelta(weeks=3),
    )
    db.session.add(term)
    db.session.flush()
    return term


def _demo_classes(demo) -> tuple[list[SchoolClass], list[SchoolClass]]:
    """The demo school's classes, plus those added here to make the summary worth reading."""
    school = demo.school
    existing = list(
        db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id == school.id, SchoolClass.archived.is_(False))
            .order_by(SchoolClass.id)
        )
    )
    teachers = demo.teachers or [demo.lead]
    wanted: list[tuple[str, int]] = []
    by_year: dict[int, int] = {}
    for school_class in existing:
        by_year[school_class.year_group] = by_year.get(school_class.year_group, 0) + 1
    # Two ordinary classes in Years 7 and 8, the two Year 8 classes that show
    # suppression, and a Year 10 class so a second key stage appears.
    for name, year in (("7 Ash", 7), ("7 Birch", 7), ("8 Cedar", 8)):
        if by_year.get(year, 0) < 2:
            wanted.append((name, year))
            by_year[year] = by_year.get(year, 0) + 1
    wanted += [(SPLIT, 8), (NURTURE, 8)]
    if not any(c.year_group >= 10 for c in existing):
        wanted.append(("10 Oak", 10))
    names = {c.name for c in existing}
    added = []
    for number, (name, year) in enumerate(wanted):
        if name in names:
            continue
        added.append(
            scheduling.create_class(
                school,
                name=name,
                year_group=year,
                band_override=None,
                teacher_id=teachers[number % len(teachers)].id,
                user=demo.lead,
            )
        )
        begin_write()  # create_class commits; the demo carries on writing
    return existing + added, added


def _lay_out_lessons(
    school_class: SchoolClass, term: Term, today: date, index: int, rng: random.Random
) -> None:
    """Schedule an added class's programme by scheduling's own rules (school days only)
    from a week into the term, and record its past lessons as the runner would."""
    calendar = scheduling.load_calendar(scheduling.school_class_school(school_class))
    first_day = calendar.next_school_day(term.first_day + timedelta(days=7))
    if first_day is None:
        return
    try:
        scheduling.schedule_programme(
            school_class,
            lesson_keys=scheduling.programme_lessons(school_class.band),
            first_day=first_day,
            weekdays=[index % 5],
            starts_at=time(9 + index % 5, 0),
            minutes=scheduling.curriculum_lessons(school_class.band)[0].minutes,
            today=today,
            user=school_class.teacher,
        )
    except ServiceError:
        return  # the terms entered are too short for the whole programme: leave it unplanned
    finally:
        begin_write()
    # Leave the last week alone (shown as "to record"); in 8 Rowan leave the latest past
    # lesson overdue, and skip one lesson in the nurture group.
    past = [
        o
        for o in school_class.occurrences
        if o.status == "scheduled" and o.scheduled_on < today - timedelta(days=7)
    ]
    if school_class.name == SPLIT and past:
        past = past[:-1]
    for number, occurrence in enumerate(past):
        if school_class.name == NURTURE and number == 2:
            occurrence.status = "skipped"
            continue
        lesson = load_curriculum().lesson(occurrence.lesson_key)
        roll = [rng.random() for _ in lesson.steps]
        write_delivery(
            occurrence,
            lesson,
            delivered_on=occurrence.scheduled_on,
            minutes_taken=occurrence.minutes,
            outcomes=[
                "taught" if r < 0.8 else "shortened" if r < 0.95 else "skipped" for r in roll
            ],
            note="",
            recorded_by_id=school_class.teacher_id,
        )


# The demo's pupils are made up, so their releases use noise of the real size from a seeded
# generator: the demo's summary (which groups are hidden, and why) is the same every time.
_DEMO_NOISE = random.Random(SEED + 1)


def _checkin(
    school_class: SchoolClass, kind: str, day: date, answers: list[dict], class_size: int
) -> None:
    if answers:
        synthetic.add_checkin(
            class_size=class_size,
            school_id=school_class.school_id,
            class_id=school_class.id,
            band=school_class.band,
            kind=kind,
            opened_on=day,
            answers=answers,
            noise=synthetic.seeded_noise(_DEMO_NOISE),
        )
