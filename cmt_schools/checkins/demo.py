"""Demo check-ins: closed start-of-term check-ins with results to look at, and one left open.

Kept modest: term summaries add the end-of-term waves. Answers are made up, from a fixed
random seed, so every demo looks the same.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..database import begin_write
from ..extensions import db
from ..scheduling.models import SchoolClass
from . import services
from .models import TERM_ITEMS

# Answers per class for the demo baselines: the first class shows results, the second
# (below the default threshold of 10) shows the suppression message.
DEMO_BASELINE_ANSWERS = (25, 6)
# Plausible weights for values 1-5 per item (not real data).
WEIGHTS = {
    "w1": (2, 4, 5, 3, 1),
    "w2": (3, 4, 4, 2, 1),
    "c1": (1, 3, 5, 4, 2),
    "c2": (2, 3, 5, 3, 1),
    "s1": (1, 2, 4, 5, 3),
    "g1": (1, 2, 4, 5, 3),
}


def _classes(demo) -> list[SchoolClass]:
    found = list(
        db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id == demo.school.id, SchoolClass.archived.is_(False))
            .order_by(SchoolClass.id)
        )
    )
    if found:
        return found
    # Scheduling's demo normally makes the classes first; without it, make two of our own.
    begin_write()
    made = [
        SchoolClass(
            school_id=demo.school.id, teacher_id=demo.teachers[0].id, name="6P", year_group=6
        ),
        SchoolClass(
            school_id=demo.school.id, teacher_id=demo.teachers[-1].id, name="8B", year_group=8
        ),
    ]
    db.session.add_all(made)
    db.session.commit()
    return made


def _answers(rng: random.Random) -> dict[str, int | None]:
    return {
        item: None if rng.random() < 0.06 else rng.choices((1, 2, 3, 4, 5), WEIGHTS[item])[0]
        for item in TERM_ITEMS
    }


def seed(demo) -> None:
    rng = random.Random(20261)
    classes = _classes(demo)
    start = datetime.combine(demo.today - timedelta(days=14), time(9, 0), tzinfo=UTC)
    for school_class, how_many in zip(classes, DEMO_BASELINE_ANSWERS, strict=False):
        teacher = db.session.get(User, school_class.teacher_id)
        checkin = services.open_checkin(
            school_class,
            kind="baseline",
            minutes=1440,
            class_size=max(how_many, 28),
            opened_by=teacher,
            now=start,
        )
        for _ in range(how_many):
            services.submit_answers(
                checkin.id,
                submission_id=str(uuid.uuid4()),
                answers=_answers(rng),
                now=start + timedelta(minutes=10),
            )
        services.finalise_checkin(checkin, start + timedelta(days=2))
    first = classes[0]
    teacher = db.session.get(User, first.teacher_id)
    now = datetime.now(UTC)
    still_open = services.open_checkin(
        first, kind="now", minutes=10080, class_size=30, opened_by=teacher, now=now
    )
    demo.notes.append(
        f"Open check-in: join code {still_open.join_code} at /join "
        f"(a 'right now' check for {first.name}, open for a week)"
    )
