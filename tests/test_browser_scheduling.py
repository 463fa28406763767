"""A teacher schedules a class in a real Chromium against a real server; axe-core on each page."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cmt_schools.accounts import services as accounts
from cmt_schools.core.dates import long_date
from cmt_schools.extensions import db
from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import SchoolClass

from .conftest import PASSWORD, browser_login
from .scheduling_fixtures import add_term_around_today

pytestmark = pytest.mark.browser


def _free_day_between_lessons(school_class, calendar, today, last_shown):
    """A lesson and a free school day before the next lesson, both on the dashboard."""
    lessons = school_class.occurrences
    taken = {o.scheduled_on for o in lessons}
    for lesson, following in itertools.pairwise(lessons):
        day = lesson.scheduled_on + timedelta(days=1)
        while day < following.scheduled_on:
            if today <= day <= last_shown and day not in taken and calendar.is_school_day(day):
                return lesson, day
            day += timedelta(days=1)
    raise AssertionError("no free school day between lessons in the next fortnight")


def test_a_teacher_creates_schedules_and_moves_a_lesson(page, browser, live_server, axe_check):
    url = live_server.url
    with live_server.app.app_context():
        school = accounts.create_school("Browser School", "england")
        lead = accounts.create_user(
            school, email="lead@sched.example", name="Lee Lead", role="lead", password=PASSWORD
        )
        accounts.create_user(
            school, email="t@sched.example", name="Tia Teacher", role="teacher", password=PASSWORD
        )
        today, _monday = add_term_around_today(
            school, lead, days_before=28, days_after=120, half_term_after=49
        )
        school_id = school.id

    browser_login(page, url, "t@sched.example")
    axe_check(page)  # the empty dashboard
    page.get_by_role("link", name="Add your first class").click()
    page.get_by_label("Class name").fill("7K")
    page.get_by_label("Year group").select_option(label="Year 7")
    axe_check(page)
    page.get_by_role("button", name="Add the class").click()

    # The schedule form: Mondays and Thursdays from the first school day from today.
    page.get_by_role("heading", name="Schedule the programme for 7K").wait_for()
    for weekday in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(weekday, exact=True).set_checked(weekday in ("Monday", "Thursday"))
    page.get_by_role("button", name="Preview the plan").click()
    page.get_by_role("heading", name="The plan: 8 lessons").wait_for()
    axe_check(page)
    with live_server.app.app_context():
        assert db.session.query(SchoolClass).one().occurrences == []  # nothing saved yet
    page.get_by_role("button", name="Confirm and save the plan").click()
    page.get_by_text("8 lessons scheduled for 7K").wait_for()
    axe_check(page)

    with live_server.app.app_context():
        school_class = db.session.query(SchoolClass).one()
        calendar = services.load_calendar(services.school_class_school(school_class))
        lesson, new_day = _free_day_between_lessons(
            school_class, calendar, today, services.week_window(today)[1]
        )
        label = services.lesson_label(lesson.lesson_key)
        lesson_id = lesson.id

    # A lesson row's other actions are behind "More", opened from the keyboard.
    more = page.locator(f"#lesson-{lesson_id} summary")
    more.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name=f"Move {label}").click()
    page.get_by_label("New date").fill(new_day.isoformat())
    axe_check(page)
    page.get_by_role("button", name="Move the lesson").click()
    page.get_by_text(f"{label} moved to {long_date(new_day)}").wait_for()
    with live_server.app.app_context():
        assert db.session.get(type(lesson), lesson_id).scheduled_on == new_day

    page.goto(url + "/dashboard")
    heading = page.get_by_role("heading", name=long_date(new_day))
    expect(heading).to_be_visible()
    expect(page.get_by_role("link", name=f"7K: {label}").first).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_role("heading", name="Your calendar, This term").wait_for()
    axe_check(page)
    page.goto(url + "/calendar/feed")
    page.get_by_role("button", name="Create my feed address").click()
    feed_url = page.get_by_role("textbox", name="Feed address").input_value()
    assert feed_url.startswith(url + "/feeds/") and feed_url.endswith(".ics")
    axe_check(page)

    # The lead: programme view, term dates and the usual year, each axe-clean.
    page.get_by_role("button", name="Sign out").click()
    browser_login(page, url, "lead@sched.example")
    page.goto(url + "/programme")
    expect(page.get_by_role("cell", name="0 of 8")).to_be_visible()
    axe_check(page)
    page.goto(url + "/term-dates")
    expect(page.get_by_role("cell", name="Half-term").first).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Fill in the usual").click()
    page.get_by_role("heading", name="The usual").wait_for()
    axe_check(page)
    page.goto(url + "/classes")
    axe_check(page)
    assert school_id
