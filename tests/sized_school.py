"""A school of any number of classes, as full as the demo school: for the tests that count
statements per page and for benchmarks/pages.py.

It starts from the demo school (its eight classes with lessons laid out and recorded,
check-ins and released figures) and adds classes, each with its own teacher every second
class, its programme laid out, its past lessons recorded as delivered, and a start- and
end-of-term check-in, by the same helpers the demo uses.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from cmt_schools.accounts import services as accounts
from cmt_schools.database import begin_write
from cmt_schools.demo import seed_demo
from cmt_schools.extensions import db
from cmt_schools.reports import demo as reports_demo
from cmt_schools.reports import synthetic
from cmt_schools.scheduling import services as scheduling
from cmt_schools.scheduling.models import SchoolClass

PASSWORD = "a calm green kettle"
LEAD_EMAIL = "lead@oakfield.example"


EXPORT_REQUEST = "e" * 64


def lead_pages(app) -> list[str]:
    """The pages a lead opens without parameters (the PDFs aside: their statements are the
    summary's, and their render takes seconds): the pages whose statements are counted."""
    from tests.access_table import ACCESS_TABLE

    return sorted(
        # The export answers its bare link with a link of its own: that one makes the file.
        f"{rule.rule}?request={EXPORT_REQUEST}"
        if rule.endpoint == "onboarding.export_data"
        else rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.arguments
        and "GET" in rule.methods
        and "lead" in ACCESS_TABLE.get(rule.endpoint, set())
        and not rule.rule.endswith(".pdf")
    )


def active_classes(school_id: int) -> int:
    return db.session.query(SchoolClass).filter_by(school_id=school_id, archived=False).count()


def seed_sized_school(classes: int, *, today: date, seed: int = 7) -> int:
    """The demo school grown to `classes` active classes; returns its id. Commits."""
    demo = seed_demo(password=PASSWORD, today=today)
    school = demo.school
    rng = random.Random(seed)
    term = reports_demo._demo_term(school.id, today)
    db.session.commit()
    existing = active_classes(school.id)
    teachers = list(demo.teachers)
    for number in range(existing, classes):
        if number % 2 == 0:
            teachers.append(
                accounts.create_user(
                    school,
                    email=f"teacher-extra{number}@oakfield.example",
                    name=f"Extra Teacher {number}",
                    role="teacher",
                    password=PASSWORD,
                )
            )
        school_class = scheduling.create_class(
            school,
            name=f"{7 + number % 5} Extra {number}",
            year_group=7 + number % 5,
            band_override=None,
            teacher_id=teachers[-1].id,
            user=demo.lead,
        )
        begin_write()
        reports_demo._lay_out_lessons(school_class, term, today, number, rng)
        baseline = reports_demo._school_day(term.first_day + timedelta(days=7), today)
        endpoint = reports_demo._school_day(min(today, term.last_day), today, backwards=True)
        for kind, day, wave in (
            ("baseline", baseline, synthetic.START),
            ("endpoint", max(baseline, endpoint), synthetic.END),
        ):
            reports_demo._checkin(
                school_class, kind, day, synthetic.term_answers(rng, 26, wave), 28
            )
        db.session.commit()
    return school.id
