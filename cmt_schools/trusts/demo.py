"""Demo data for trusts: Oak Learning Trust holds Oakfield and Riverside Primary.

Runs last (cmt_schools/demo.py). Riverside is a small primary school with its own term
dates (a few days off Oakfield's, so the trust's pages say the dates differ), three Key
Stage 2 classes with their lessons and start- and end-of-term check-ins, so the trust's
summary has two schools, two key stages and year groups from both. The demo logins share the
demo password; the trust's is printed with the others.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.passwords import hash_password
from ..database import begin_write
from ..extensions import db
from ..reports import synthetic
from ..reports.demo import _demo_term, _lay_out_lessons, _school_day
from ..scheduling import services as scheduling
from . import services

TRUST_NAME = "Oak Learning Trust (demo)"
SECOND_SCHOOL = "Riverside Primary (demo)"
TRUST_LOGIN = ("trust@oaklearning.example", "Morgan Reid")
RIVERSIDE_STAFF = (
    ("lead@riverside.example", "Alex Brook", "lead"),
    ("teacher@riverside.example", "Jo Marsh", "teacher"),
)
RIVERSIDE_CLASSES = (("4 Willow", 4), ("5 Ash", 5), ("6 Hazel", 6))
SEED = 20_261_204


def seed(demo) -> None:
    today = demo.today
    riverside = accounts.create_school(SECOND_SCHOOL, "england")
    begin_write()
    staff = []
    for email, name, role in RIVERSIDE_STAFF:
        # The demo password, as the other demo logins have it (seed_demo set the lead's).
        user = User(school_id=riverside.id, email=email, name=name, role=role)
        user.password_hash = demo.lead.password_hash
        db.session.add(user)
        staff.append(user)
    db.session.commit()
    _calendar(riverside, staff[0], today)
    begin_write()  # the term is added here when the calendar has none around today
    term = _demo_term(riverside.id, today)
    rng = random.Random(SEED)
    noise = synthetic.seeded_noise(random.Random(SEED + 1))
    start = max(term.first_day, _school_day(term.first_day + timedelta(days=8), today))
    end = max(start, _school_day(min(today, term.last_day), today, backwards=True))
    for index, (name, year_group) in enumerate(RIVERSIDE_CLASSES):
        school_class = scheduling.create_class(
            riverside,
            name=name,
            year_group=year_group,
            band_override=None,
            teacher_id=staff[1].id,
            user=staff[0],
        )
        _lay_out_lessons(school_class, term, today, index, rng)
        size = rng.randint(24, 30)
        for kind, day, wave in (
            ("baseline", start, synthetic.START),
            ("endpoint", end, synthetic.END),
        ):
            present = sum(1 for _ in range(size) if rng.random() < 0.9)
            synthetic.add_checkin(
                class_size=size,
                school_id=riverside.id,
                class_id=school_class.id,
                band=school_class.band,
                kind=kind,
                opened_on=day,
                answers=synthetic.term_answers(rng, present, wave),
                noise=noise,
            )
        db.session.commit()
    trust = services.create_trust(TRUST_NAME)
    # Both joined at the start of this school year.
    sees_from = date(scheduling.school_year_of(today), 9, 1)
    for school in (demo.school, riverside):
        services.add_school_to_trust(trust, school, sees_from=sees_from)
    begin_write()
    officer = User(
        trust_id=trust.id, school_id=None, email=TRUST_LOGIN[0], name=TRUST_LOGIN[1], role="trust"
    )
    officer.password_hash = demo.lead.password_hash
    db.session.add(officer)
    db.session.commit()
    begin_write()


def demo_logins(password: str) -> list[str]:
    """The trust's and Riverside's demo logins, to print with the others, each run; their
    password follows the demo password as the others' does."""
    lines = []
    for email, role, where in (
        (TRUST_LOGIN[0], "trust", f"{TRUST_NAME}: Oakfield and Riverside"),
        (RIVERSIDE_STAFF[0][0], "lead", "Riverside Primary"),
        (RIVERSIDE_STAFF[1][0], "teacher", "Riverside Primary"),
    ):
        user = accounts.find_user_by_email(email)
        if user is None:
            continue
        if not accounts.verify_current_password(user, password):
            begin_write()
            user.password_hash = hash_password(password)
            db.session.commit()
        lines.append(f"  {email:<28} {role} ({where})")
    return lines


def _calendar(school, lead, today) -> None:
    """Riverside's terms: the usual shape, its autumn term ending a day before Oakfield's."""
    year = scheduling.school_year_of(today)
    suggestion = scheduling.suggest_school_year(year, school.nation)
    terms = [
        (t.name, t.first_day, t.last_day - timedelta(days=1 if i == 0 else 0))
        for i, t in enumerate(suggestion.terms)
    ]
    closures = [(c.name, c.kind, c.first_day, c.last_day) for c in suggestion.closures]
    scheduling.save_school_year(school, terms=terms, closures=closures, user=lead)
