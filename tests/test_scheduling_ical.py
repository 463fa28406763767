"""The iCalendar feed and the class download, parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from cmt_schools.accounts import services as accounts
from cmt_schools.extensions import db
from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import CalendarFeed

from .conftest import PASSWORD
from .scheduling_fixtures import schedule_class, scheduled_school_fixture  # noqa: F401

LONDON = ZoneInfo("Europe/London")


def parse(body: bytes):
    calendar = icalendar.Calendar.from_ical(body)
    return calendar, list(calendar.walk("VEVENT"))


def login(app, user):
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


def new_feed_path(client) -> str:
    response = client.post("/calendar/feed", data={"action": "create"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    url = html.split('id="feed-url"')[1].split('value="')[1].split('"')[0]
    return url.replace("http://localhost", "")


def test_class_download_has_one_event_per_lesson_in_local_time(app, scheduled_school):
    s = scheduled_school
    client = login(app, s.teacher)
    response = client.get(f"/classes/{s.school_class.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert 'filename="cmt-lessons-8B.ics"' in response.headers["Content-Disposition"]
    calendar, events = parse(response.data)
    assert len(events) == 8
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    first = events[0]
    assert str(first["summary"]) == "8B CMT: Lesson 1: What compassion is (and is not)"
    assert "Year 8" in str(first["description"])
    assert first.start == datetime(2026, 9, 7, 9, 0, tzinfo=LONDON)
    assert (first.end - first.start).total_seconds() == 50 * 60
    assert {str(e["uid"]) for e in events} == {o.uid for o in s.reload().occurrences}


def test_times_stay_local_across_the_october_clock_change(app, scheduled_school):
    s = scheduled_school
    services.schedule_programme(
        s.reload(),
        lesson_keys=services.programme_lessons("ks3")[:3],
        first_day=date(2026, 10, 15),
        weekdays=[3],
        starts_at=time(9, 0),
        minutes=50,
        today=date(2026, 9, 1),
        user=s.teacher,
    )
    body = services.class_ics(s.reload(), now=datetime(2026, 9, 1, tzinfo=UTC))
    _, events = parse(body)
    starts = [e.start for e in events]
    # 15 and 22 October are in summer time, 5 November (after half-term) in winter time.
    assert [d.date() for d in starts] == [date(2026, 10, 15), date(2026, 10, 22), date(2026, 11, 5)]
    assert all((d.hour, d.minute) == (9, 0) for d in starts)
    assert all(d.tzinfo is not None and str(d.tzinfo) == "Europe/London" for d in starts)
    assert [d.astimezone(UTC).hour for d in starts] == [8, 8, 9]
    assert b"TZID=Europe/London:20261022T090000" in body
    assert b"TZID=Europe/London:20261105T090000" in body


def test_uids_are_stable_and_cancelled_lessons_are_marked_not_dropped(app, scheduled_school):
    s = scheduled_school
    now = datetime(2026, 9, 1, 12, tzinfo=UTC)
    _, before = parse(services.class_ics(s.reload(), now=now))
    _, again = parse(services.class_ics(s.reload(), now=now))
    assert [str(e["uid"]) for e in before] == [str(e["uid"]) for e in again]
    c = s.reload()
    services.move_occurrence(
        c.occurrences[1],
        day=date(2026, 9, 16),
        starts_at=None,
        today=date(2026, 9, 1),
        user=s.teacher,
    )
    services.set_occurrence_status(s.reload().occurrences[2], "cancel", user=s.teacher)
    services.set_occurrence_status(s.reload().occurrences[3], "skip", user=s.teacher)
    _, after = parse(services.class_ics(s.reload(), now=now))
    assert [str(e["uid"]) for e in after] == [str(e["uid"]) for e in before]
    assert after[1].start.date() == date(2026, 9, 16)
    assert int(after[1]["sequence"]) > int(before[1]["sequence"])
    statuses = [str(e["status"]) for e in after]
    assert statuses[2] == statuses[3] == "CANCELLED"
    assert statuses.count("CONFIRMED") == 6
    assert str(after[2]["summary"]).startswith("Cancelled: ")


def test_the_feed_needs_no_login_shows_only_the_teachers_lessons_and_can_be_revoked(
    app, scheduled_school
):
    s = scheduled_school
    s.other_teachers_class("9C", 9, weekday=2)
    archived = services.create_class(
        s.school, name="7Z", year_group=7, band_override=None, teacher_id=s.teacher.id, user=s.lead
    )
    schedule_class(archived, s.teacher, weekdays=(4,))
    services.set_class_archived(archived, True, user=s.lead)

    client = login(app, s.teacher)
    path = new_feed_path(client)
    assert path.startswith("/feeds/") and path.endswith(".ics")
    token = path.removeprefix("/feeds/").removesuffix(".ics")
    stored = db.session.scalars(select(CalendarFeed)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64

    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Cache-Control"] == "no-store"
    _, events = parse(response.data)
    assert len(events) == 8
    assert all(str(e["summary"]).startswith("8B ") for e in events)
    assert s.other_teacher.email not in response.get_data(as_text=True)
    assert s.teacher.email not in response.get_data(as_text=True)

    # Renewing replaces the address: the old one stops working.
    renewed = new_feed_path(client)
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(renewed).status_code == 200
    # Turning it off: 404 from then on.
    assert client.post("/calendar/feed", data={"action": "revoke"}).status_code == 302
    assert anonymous.get(renewed).status_code == 404
    assert db.session.scalars(select(CalendarFeed)).first() is None


def test_unknown_tokens_and_deactivated_teachers_get_404(app, scheduled_school):
    s = scheduled_school
    anonymous = app.test_client()
    for token in ("nope", "x" * 43, "a" * 500, "%00"):
        assert anonymous.get(f"/feeds/{token}.ics").status_code == 404
    token = services.issue_feed_token(s.teacher, now=datetime(2026, 9, 1, tzinfo=UTC))
    assert anonymous.get(f"/feeds/{token}.ics").status_code == 200
    accounts.set_staff_active(s.teacher, False, lead=s.lead)
    assert anonymous.get(f"/feeds/{token}.ics").status_code == 404


def test_the_feed_settings_page_never_shows_the_address_again(app, scheduled_school):
    client = login(app, scheduled_school.teacher)
    path = new_feed_path(client)
    page = client.get("/calendar/feed").get_data(as_text=True)
    assert "Your feed is on" in page
    assert path.removeprefix("/feeds/").removesuffix(".ics") not in page
    assert client.post("/calendar/feed", data={"action": "explode"}).status_code == 400
