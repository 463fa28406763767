"""Bad input on every scheduling form: a clear message, status 400, nothing saved."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from cmt_schools.audit.models import AuditEvent
from cmt_schools.extensions import db
from cmt_schools.scheduling.models import CalendarFeed, Closure, LessonOccurrence, SchoolClass, Term

from .conftest import PASSWORD
from .scheduling_fixtures import scheduled_school_fixture  # noqa: F401

LONG = "x" * 500


def snapshot():
    rows = {}
    for model in (Term, Closure, SchoolClass, LessonOccurrence, CalendarFeed):
        rows[model.__name__] = db.session.scalar(select(func.count()).select_from(model))
    occurrences = db.session.scalars(select(LessonOccurrence).order_by(LessonOccurrence.id))
    rows["plan"] = [
        (o.scheduled_on, o.starts_at, o.status, o.position, o.lesson_key) for o in occurrences
    ]
    classes = db.session.scalars(select(SchoolClass).order_by(SchoolClass.id))
    rows["classes"] = [
        (c.name, c.year_group, c.band_override, c.teacher_id, c.archived) for c in classes
    ]
    terms = db.session.scalars(select(Term).order_by(Term.id))
    rows["terms"] = [(t.name, t.first_day, t.last_day) for t in terms]
    rows["audit"] = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return rows


GOOD_SCHEDULE = {
    "core": ["1", "2", "3", "4", "5", "6", "7", "8"],
    "first_day": "2026-09-08",
    "weekdays": ["1"],
    "starts_at": "10:00",
    "minutes": "50",
    "step": "preview",
}

CASES = [
    # (who, path, form data, message)
    (
        "teacher",
        "/classes/new",
        {"name": "", "year_group": "8", "band_override": ""},
        "Enter a name for the class",
    ),
    (
        "teacher",
        "/classes/new",
        {"name": LONG, "year_group": "8", "band_override": ""},
        "at most 40 characters",
    ),
    (
        "teacher",
        "/classes/new",
        {"name": "7A", "year_group": "twelve", "band_override": ""},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/new",
        {"name": "7A", "year_group": "14", "band_override": ""},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/new",
        {"name": "7A", "year_group": "7", "band_override": "ks9"},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/new",
        {"name": "8B", "year_group": "8", "band_override": ""},
        "already a class called 8B",
    ),
    (
        "lead",
        "/classes/new",
        {"name": "7A", "year_group": "7", "band_override": "", "teacher_id": "999999"},
        "Choose from the options given",
    ),
    (
        "lead",
        "/classes/new",
        {"name": "7A", "year_group": "7", "band_override": "", "teacher_id": "abc"},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/{c}/edit",
        {"name": "", "year_group": "8", "band_override": ""},
        "Enter a name for the class",
    ),
    (
        "teacher",
        "/classes/{c}/edit",
        {"name": "8B", "year_group": "", "band_override": ""},
        "Choose from the options given",
    ),
    ("teacher", "/classes/{c}/archive", {"archived": "maybe"}, "Choose whether to archive"),
    ("teacher", "/classes/{c}/schedule", {**GOOD_SCHEDULE, "first_day": ""}, "Enter a date"),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "first_day": "next week"},
        "Enter a real date",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "first_day": "2026-08-10"},
        "is not in any term",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "first_day": "2027-03-01"},
        "Only 4 of the 8 lessons fit",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "weekdays": []},
        "Choose at least one weekday",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "weekdays": ["6"]},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "weekdays": ["Monday"]},
        "Choose from the options given",
    ),
    ("teacher", "/classes/{c}/schedule", {**GOOD_SCHEDULE, "starts_at": "25:99"}, "Enter a time"),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "starts_at": "03:00"},
        "between 06:00 and 20:00",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "minutes": "0"},
        "Use 10 to 120 minutes",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "minutes": "lots"},
        "Not a valid integer",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "core": []},
        "Choose at least one lesson",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "core": ["9"]},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "extra_0": "11"},
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/{c}/schedule",
        {**GOOD_SCHEDULE, "step": "confirm", "plan_digest": "stale"},
        "has changed since the preview",
    ),
    ("teacher", "/lessons/{o}/move", {"day": "", "starts_at": "09:00"}, "Enter the new date"),
    (
        "teacher",
        "/lessons/{o}/move",
        {"day": "2026-02-30", "starts_at": "09:00"},
        "Enter a real date",
    ),
    (
        "teacher",
        "/lessons/{o}/move",
        {"day": "2026-10-27", "starts_at": "09:00"},
        "is a closure: Autumn half-term",
    ),
    (
        "teacher",
        "/lessons/{o}/move",
        {"day": "2027-05-03", "starts_at": "09:00"},
        "is not in any term",
    ),
    (
        "teacher",
        "/lessons/{o}/move",
        {"day": "2026-09-21", "starts_at": "09:00"},
        "already has Lesson 3",
    ),
    ("teacher", "/lessons/{o}/move", {"day": "2026-09-16", "starts_at": ""}, "Enter a start time"),
    ("teacher", "/lessons/{o}/status", {"action": "delete"}, "Choose skip, cancel or put back"),
    (
        "teacher",
        "/classes/{c}/lessons/new",
        {
            "lesson_key": "ks2/extra-moving-up",
            "day": "2026-09-16",
            "starts_at": "09:00",
            "minutes": "50",
        },
        "Choose from the options given",
    ),
    (
        "teacher",
        "/classes/{c}/lessons/new",
        {
            "lesson_key": "ks3/extra-class-charter",
            "day": "2026-12-25",
            "starts_at": "09:00",
            "minutes": "50",
        },
        "is not in any term",
    ),
    (
        "teacher",
        "/classes/{c}/lessons/new",
        {
            "lesson_key": "ks3/extra-class-charter",
            "day": "2026-09-16",
            "starts_at": "09:00",
            "minutes": "500",
        },
        "Use 10 to 120 minutes",
    ),
    (
        "teacher",
        "/classes/{c}/lessons/new",
        {
            "lesson_key": "ks3/02-three-systems",
            "day": "2026-11-16",
            "starts_at": "09:00",
            "minutes": "50",
        },
        "already in the plan",
    ),
    ("teacher", "/calendar/feed", {"action": "steal"}, "Choose to create, renew or turn off"),
    (
        "lead",
        "/term-dates/terms",
        {"term-name": "", "term-first_day": "2027-04-12", "term-last_day": "2027-07-21"},
        "Enter a name for the term",
    ),
    (
        "lead",
        "/term-dates/terms",
        {"term-name": LONG, "term-first_day": "2027-04-12", "term-last_day": "2027-07-21"},
        "at most 60 characters",
    ),
    (
        "lead",
        "/term-dates/terms",
        {"term-name": "Summer", "term-first_day": "12/04/2027", "term-last_day": "2027-07-21"},
        "Enter a real date",
    ),
    (
        "lead",
        "/term-dates/terms",
        {"term-name": "Summer", "term-first_day": "2027-07-21", "term-last_day": "2027-04-12"},
        "is before the first day",
    ),
    (
        "lead",
        "/term-dates/terms",
        {"term-name": "Summer", "term-first_day": "2027-03-01", "term-last_day": "2027-07-21"},
        "overlap Spring 2027",
    ),
    (
        "lead",
        "/term-dates/terms/{t}",
        {"name": "Autumn", "first_day": "2026-09-02", "last_day": "2027-01-10"},
        "overlap Spring 2027",
    ),
    (
        "lead",
        "/term-dates/closures",
        {
            "closure-name": "INSET",
            "closure-kind": "inset",
            "closure-first_day": "2026-08-20",
            "closure-last_day": "",
        },
        "must fall inside one term",
    ),
    (
        "lead",
        "/term-dates/closures",
        {
            "closure-name": "INSET",
            "closure-kind": "party",
            "closure-first_day": "2026-09-20",
            "closure-last_day": "",
        },
        "Choose from the options given",
    ),
    (
        "lead",
        "/term-dates/closures",
        {
            "closure-name": "",
            "closure-kind": "inset",
            "closure-first_day": "2026-09-20",
            "closure-last_day": "",
        },
        "Enter a name for the closure",
    ),
    (
        "lead",
        "/term-dates/closures",
        {
            "closure-name": "Trip",
            "closure-kind": "trip",
            "closure-first_day": "",
            "closure-last_day": "",
        },
        "Enter the first day",
    ),
    (
        "lead",
        "/term-dates/closures/{x}",
        {
            "name": "Half-term",
            "kind": "half_term",
            "first_day": "2026-12-21",
            "last_day": "2026-12-24",
        },
        "must fall inside one term",
    ),
]


FORMS = sorted({(who, path) for who, path, _, _ in CASES})


@pytest.mark.parametrize("who, form_path", FORMS, ids=[path for _, path in FORMS])
def test_bad_input_gives_a_clear_message_and_saves_nothing(app, scheduled_school, who, form_path):
    """Each form, with each bad input in the table: 400 (409 for a stale preview), the
    message on the page, and not one row changed."""
    s = scheduled_school
    c = s.reload()
    closure = db.session.scalars(select(Closure)).first()
    term = db.session.scalars(select(Term).order_by(Term.first_day)).first()
    path = form_path.format(c=c.id, o=c.occurrences[1].id, t=term.id, x=closure.id)
    before = snapshot()
    client = app.test_client()
    user = s.lead if who == "lead" else s.teacher
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    for _, _, data, message in (case for case in CASES if case[:2] == (who, form_path)):
        response = client.post(path, data=data)
        text = html.unescape(response.get_data(as_text=True))
        assert response.status_code in (400, 409), (data, response.status_code)
        assert message in text, (data, message)
        db.session.rollback()
        assert snapshot() == before, data


def test_the_usual_year_form_refuses_a_bad_entry_and_saves_nothing(app, scheduled_school):
    client = app.test_client()
    client.post("/login", data={"email": scheduled_school.lead.email, "password": PASSWORD})
    page = client.get("/term-dates/usual-year?year=2027")
    assert page.status_code == 200 and "Autumn 2027" in page.get_data(as_text=True)
    data = {
        "terms-0-name": "Autumn 2027",
        "terms-0-first_day": "2027-09-01",
        "terms-0-last_day": "2027-12-17",
        "terms-1-name": "Spring 2028",
        "terms-1-first_day": "2028-01-04",
        "terms-1-last_day": "2028-03-31",
        "terms-2-name": "Summer 2028",
        "terms-2-first_day": "2028-04-17",
        "terms-2-last_day": "2028-04-01",
        "closures-0-name": "Half-term",
        "closures-0-kind": "half_term",
        "closures-0-first_day": "2027-10-25",
        "closures-0-last_day": "2027-10-29",
    }
    before = snapshot()
    response = client.post("/term-dates/usual-year?year=2027", data=data)
    assert response.status_code == 400
    assert "Term 3: The last day" in html.unescape(response.get_data(as_text=True))
    assert snapshot() == before
    data["terms-2-last_day"] = "2028-07-21"
    data["closures-1-name"] = "Trip"  # a name without a date
    response = client.post("/term-dates/usual-year?year=2027", data=data)
    assert response.status_code == 400 and "or clear the row" in response.get_data(as_text=True)
    assert snapshot() == before
    del data["closures-1-name"]
    response = client.post("/term-dates/usual-year?year=2027", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Term)) == 5
    assert client.get("/term-dates/usual-year?year=banana").status_code == 400
    assert client.get("/term-dates/usual-year?year=1066").status_code == 400


def test_a_good_preview_then_confirm_saves_the_plan(app, scheduled_school):
    s = scheduled_school
    client = app.test_client()
    client.post("/login", data={"email": s.teacher.email, "password": PASSWORD})
    path = f"/classes/{s.school_class.id}/schedule"
    before = snapshot()
    preview = client.post(path, data={**GOOD_SCHEDULE, "extra_0": "0"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "The plan: 9 lessons" in text
    assert "Tuesday 8 September 2026" in text and "This replaces the 8 lessons" in text
    assert snapshot() == before  # a preview saves nothing
    digest = text.split('name="plan_digest" type="hidden" value="')[1].split('"')[0]
    confirm = client.post(
        path, data={**GOOD_SCHEDULE, "extra_0": "0", "step": "confirm", "plan_digest": digest}
    )
    assert confirm.status_code == 302
    c = s.reload()
    assert [o.scheduled_on for o in c.occurrences][:2] == [date(2026, 9, 8), date(2026, 9, 15)]
    assert c.occurrences[0].lesson_key == "ks3/extra-class-charter"
