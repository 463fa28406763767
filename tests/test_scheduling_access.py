"""Another school's or another teacher's classes, lessons, terms and feeds are 404."""

from __future__ import annotations

from datetime import date

import pytest

from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import Closure, Term

from .conftest import PASSWORD
from .scheduling_fixtures import add_calendar, schedule_class, scheduled_school_fixture  # noqa: F401

CLASS_ROUTES = [
    ("GET", "/classes/{c}", None),
    ("GET", "/classes/{c}/edit", None),
    ("POST", "/classes/{c}/edit", {"name": "Stolen", "year_group": "8", "band_override": ""}),
    ("POST", "/classes/{c}/archive", {"archived": "1"}),
    ("GET", "/classes/{c}/schedule", None),
    ("POST", "/classes/{c}/schedule", {"step": "preview"}),
    ("GET", "/classes/{c}/lessons/new", None),
    ("POST", "/classes/{c}/lessons/new", {"lesson_key": "ks3/extra-class-charter"}),
    ("GET", "/classes/{c}/calendar.ics", None),
    ("GET", "/lessons/{o}/move", None),
    ("POST", "/lessons/{o}/move", {"day": "2026-09-16", "starts_at": "09:00"}),
    ("POST", "/lessons/{o}/status", {"action": "cancel"}),
    ("POST", "/lessons/{o}/missed", {}),
]


@pytest.fixture
def two_schools(scheduled_school, make_school, make_lead, make_teacher):
    """School A (scheduled_school, class 8B) and school B with its own lead and teacher."""
    school_b = make_school()
    lead_b = make_lead(school_b)
    teacher_b = make_teacher(school_b)
    add_calendar(school_b, lead_b)
    return scheduled_school, lead_b, teacher_b


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return client


def _request(client, method, path, data):
    return client.get(path) if method == "GET" else client.post(path, data=data or {})


def _unchanged(s):
    c = s.reload()
    assert c.name == "8B" and not c.archived
    assert [o.status for o in c.occurrences] == ["scheduled"] * 8
    assert c.occurrences[1].scheduled_on == date(2026, 9, 14)


@pytest.mark.parametrize("who", ["other school's lead", "other school's teacher", "other teacher"])
def test_class_and_lesson_routes_of_others_give_404(app, two_schools, who):
    s, lead_b, teacher_b = two_schools
    user = {
        "other school's lead": lead_b,
        "other school's teacher": teacher_b,
        "other teacher": s.other_teacher,
    }[who]
    client = login(app, user)
    c = s.reload()
    for method, template, data in CLASS_ROUTES:
        path = template.format(c=c.id, o=c.occurrences[1].id)
        response = _request(client, method, path, data)
        assert response.status_code == 404, f"{who}: {method} {path} gave {response.status_code}"
    _unchanged(s)


def test_unknown_ids_give_404(app, scheduled_school):
    client = login(app, scheduled_school.lead)
    for method, template, data in CLASS_ROUTES:
        response = _request(client, method, template.format(c=999999, o=999999), data)
        assert response.status_code == 404, template
    for path in ("/term-dates/terms/999999", "/term-dates/closures/999999"):
        assert client.get(path).status_code == 404
    assert client.get("/calendar?teacher=999999").status_code == 404
    assert client.get("/calendar?term=999999").status_code == 404
    assert client.get("/calendar?term=abc").status_code == 404


def test_other_schools_terms_and_closures_give_404(app, two_schools):
    s, lead_b, _ = two_schools
    client = login(app, lead_b)
    term = Term.query.filter_by(school_id=s.school.id).first()
    closure = Closure.query.filter_by(school_id=s.school.id).first()
    for path, data in [
        (f"/term-dates/terms/{term.id}", None),
        (
            f"/term-dates/terms/{term.id}",
            {"name": "X", "first_day": "2026-09-01", "last_day": "2026-09-30"},
        ),
        (f"/term-dates/terms/{term.id}/delete", {}),
        (f"/term-dates/closures/{closure.id}", None),
        (f"/term-dates/closures/{closure.id}/delete", {}),
    ]:
        response = client.get(path) if data is None else client.post(path, data=data)
        assert response.status_code == 404, path
    assert Term.query.filter_by(school_id=s.school.id).count() == 2
    assert Closure.query.filter_by(school_id=s.school.id).count() == 1


def test_calendars_of_other_teachers(app, two_schools):
    s, lead_b, _ = two_schools
    teacher = login(app, s.teacher)
    assert teacher.get(f"/calendar?teacher={s.other_teacher.id}").status_code == 404
    assert teacher.get(f"/calendar?teacher={s.teacher.id}").status_code == 200
    other_lead = login(app, lead_b)
    assert other_lead.get(f"/calendar?teacher={s.teacher.id}").status_code == 404
    lead = login(app, s.lead)
    page = lead.get(f"/calendar?teacher={s.teacher.id}")
    assert page.status_code == 200 and "8B: L1" in page.get_data(as_text=True)


def test_teachers_cannot_open_the_leads_pages(app, scheduled_school):
    client = login(app, scheduled_school.teacher)
    for path in ("/term-dates", "/programme", "/term-dates/usual-year"):
        assert client.get(path).status_code == 403
    response = client.post(
        "/term-dates/terms",
        data={"term-name": "X", "term-first_day": "2027-04-12", "term-last_day": "2027-07-20"},
    )
    assert response.status_code == 403
    assert Term.query.count() == 2


def test_a_lead_sees_every_class_of_their_school_and_no_other(app, two_schools):
    s, lead_b, teacher_b = two_schools
    services.create_class(
        lead_b.school,
        name="OTHER-SCHOOL",
        year_group=7,
        band_override=None,
        teacher_id=teacher_b.id,
        user=lead_b,
    )
    other = s.other_teachers_class("9C", 9, weekday=2)
    lead = login(app, s.lead)
    for path in ("/classes", "/programme"):
        page = lead.get(path).get_data(as_text=True)
        # Class names as link text: two letters alone can turn up inside a random CSRF token.
        assert ">8B</a>" in page and ">9C</a>" in page and "OTHER-SCHOOL" not in page
    assert lead.get(f"/classes/{other.id}").status_code == 200
    teacher = login(app, s.teacher)
    page = teacher.get("/classes").get_data(as_text=True)
    assert ">8B</a>" in page and ">9C</a>" not in page


def test_a_lead_can_reassign_a_class_and_a_post_cannot_set_the_school(app, two_schools):
    s, lead_b, _ = two_schools
    lead = login(app, s.lead)
    response = lead.post(
        f"/classes/{s.school_class.id}/edit",
        data={
            "name": "8B",
            "year_group": "8",
            "band_override": "",
            "teacher_id": str(s.other_teacher.id),
            "school_id": str(lead_b.school_id),
        },
    )
    assert response.status_code == 302
    c = s.reload()
    assert c.teacher_id == s.other_teacher.id and c.school_id == s.school.id
    # A teacher's form has no teacher field; a posted one is ignored.
    teacher = login(app, s.other_teacher)
    response = teacher.post(
        f"/classes/{c.id}/edit",
        data={
            "name": "8B",
            "year_group": "8",
            "band_override": "",
            "teacher_id": str(s.teacher.id),
        },
    )
    assert response.status_code == 302
    assert s.reload().teacher_id == s.other_teacher.id


def test_feeds_show_one_teachers_lessons_only(app, two_schools):
    s, _, teacher_b = two_schools
    from datetime import UTC, datetime

    now = datetime(2026, 9, 1, tzinfo=UTC)
    token_b = services.issue_feed_token(teacher_b, now=now)
    token_other = services.issue_feed_token(s.other_teacher, now=now)
    anonymous = app.test_client()
    for token in (token_b, token_other):
        body = anonymous.get(f"/feeds/{token}.ics").get_data(as_text=True)
        assert "BEGIN:VCALENDAR" in body and "8B" not in body and "BEGIN:VEVENT" not in body
