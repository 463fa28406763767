"""What a lead, a teacher and a pupil do on a first try, in a real Chromium against a real
server, with axe-core on each page: a support contact reaching a KS2 pupil, a second lead
invited and signed in, the term-dates labels, the dashboard against the programme, the
calendar at today, and a class scheduled on Mondays only."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from cmt_schools.accounts import services as accounts
from cmt_schools.core.dates import long_date, short_date
from cmt_schools.extensions import db
from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import SchoolClass

from .checkins_fixtures import make_class, open_for
from .conftest import PASSWORD, browser_login
from .scheduling_fixtures import add_term_around_today

pytestmark = pytest.mark.browser


@pytest.fixture
def school(live_server):
    """A school with a lead and a teacher, a term around today, a Year 4 class with a lesson
    on each school day of this week and next, and a KS2 check-in open."""
    with live_server.app.app_context():
        school = accounts.create_school("First Try School", "england")
        lead = accounts.create_user(
            school, email="lead@first.example", name="Lee Lead", role="lead", password=PASSWORD
        )
        teacher = accounts.create_user(
            school, email="t@first.example", name="Tia Teacher", role="teacher", password=PASSWORD
        )
        today, monday = add_term_around_today(school, lead, days_before=70, days_after=70)
        year4 = make_class(teacher, name="4R", year_group=4)
        calendar = services.load_calendar(school)
        days = list(calendar.school_days(monday, monday + timedelta(days=13)))
        for key, day in zip(
            ("ks2/01-what-compassion-is", "ks2/02-three-systems"),
            [days[0], next(d for d in days if d >= monday + timedelta(days=7))],
            strict=True,
        ):
            services.add_lesson(
                year4,
                lesson_key=key,
                day=day,
                starts_at=time(10, 0),
                minutes=30,
                today=today,
                user=teacher,
                confirmed=True,
            )
        return {
            "today": today,
            "lesson_days": [o.scheduled_on for o in year4.occurrences],
            "ks2_code": open_for(year4, teacher).join_code,
        }


def test_a_lead_adds_a_contact_and_a_ks2_pupil_sees_it(
    browser, page, live_server, school, axe_check
):
    browser_login(page, live_server.url, "lead@first.example")
    page.goto(live_server.url + "/school/settings")
    # The first empty row: both ages are ticked for a new contact already.
    row = page.locator(".contact-row").nth(3)
    expect(row.get_by_label("Show to KS2 (ages 7-11)")).to_be_checked()
    expect(row.get_by_label("Show to KS3 and KS4 (ages 11-16)")).to_be_checked()
    row.get_by_label("Name").fill("School nurse")
    row.get_by_label("How to reach them").fill("Call 01632 960 123 or see oakfield.example.org")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("School settings saved.")).to_be_visible()
    axe_check(page)

    pupil = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pupil_page = pupil.new_page()
    pupil_page.goto(live_server.url + "/join/" + school["ks2_code"])
    worried = pupil_page.get_by_role("group", name=re.compile("I felt worried"))
    worried.get_by_role("radio", name="Sometimes").check()
    pupil_page.get_by_role("button", name="Send my answers").click()
    expect(pupil_page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(pupil_page.get_by_text("School nurse")).to_be_visible()
    phone = pupil_page.get_by_role("link", name="01632 960 123")
    expect(phone).to_have_attribute("href", "tel:01632960123")
    expect(pupil_page.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")
    web = pupil_page.get_by_role("link", name="oakfield.example.org")
    expect(web).to_have_attribute("href", "https://oakfield.example.org")
    axe_check(pupil_page)
    pupil.close()


def test_a_lead_invites_a_second_lead_who_signs_in(page, live_server, school, axe_check):
    browser_login(page, live_server.url, "lead@first.example")
    page.goto(live_server.url + "/staff")
    page.get_by_label("Name").fill("Dee Deputy")
    page.get_by_label("Email").fill("dee@first.example")
    page.get_by_role("radio", name=re.compile("School lead")).check()
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator("#new-link").inner_text()
    assert link.startswith(live_server.url + "/welcome/")
    # The whole link shows, unclipped, and the Copy button is there once the script runs.
    box = page.locator("#new-link").bounding_box()
    assert box["width"] <= page.viewport_size["width"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.get_by_role("button", name="Copy the link").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.get_by_label("New password").fill("a deputy's long secret")
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(re.compile(r"/(dashboard|setup)$"))
    page.goto(live_server.url + "/staff")
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Dee Deputy"))
    expect(row.get_by_role("cell", name="School lead")).to_be_visible()


def test_the_leads_pages_agree_and_label_their_own_fields(page, live_server, school, axe_check):
    browser_login(page, live_server.url, "lead@first.example")
    # Term dates: every label points at a field of its own form, and no id repeats.
    page.goto(live_server.url + "/term-dates")
    closure_form = page.locator("form", has=page.get_by_role("button", name="Add the closure"))
    closure_form.get_by_label("What it is").fill("INSET day")
    assert closure_form.get_by_label("First day").get_attribute("id") == "closure-first_day"
    mismatched = page.evaluate(
        """[...document.querySelectorAll('label[for]')].filter(label => {
             const field = document.getElementById(label.htmlFor);
             return !field || field.closest('form') !== label.closest('form');
           }).map(label => label.htmlFor)"""
    )
    assert mismatched == []
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))
    axe_check(page)

    # The dashboard's lessons this week and next are the programme's.
    page.goto(live_server.url + "/dashboard")
    this_week = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^This week"))
    )
    first_day = school["lesson_days"][0]
    expect(this_week.get_by_role("heading", name=long_date(first_day))).to_be_visible()
    expect(this_week.get_by_role("link", name=re.compile("^4R: Lesson 1: What"))).to_be_visible()
    expect(this_week.get_by_text("No CMT lessons")).to_have_count(0)
    axe_check(page)
    page.goto(live_server.url + "/programme")
    upcoming = [d for d in school["lesson_days"] if d >= school["today"]]
    row = page.get_by_role("row", name=re.compile("4R"))
    expect(row).to_contain_text(f"{short_date(upcoming[0])}:")

    # The calendar opens at this month, with a Today control.
    page.goto(live_server.url + "/calendar?teacher=" + _teacher_id(live_server))
    this_month = date(school["today"].year, school["today"].month, 1).strftime("%B %Y")
    expect(page.locator("table.month caption:visible").first).to_have_text(this_month)
    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.locator("#today")).to_be_in_viewport()
    axe_check(page)


def _teacher_id(live_server) -> str:
    with live_server.app.app_context():
        return str(accounts.find_user_by_email("t@first.example").id)


def test_a_teacher_schedules_mondays_only(page, live_server, school, axe_check):
    browser_login(page, live_server.url, "t@first.example")
    page.goto(live_server.url + "/classes/new")
    page.get_by_label("Class name").fill("5M")
    page.get_by_label("Year group").select_option(label="Year 5")
    page.get_by_role("button", name="Add the class").click()
    page.get_by_role("heading", name="Schedule the programme for 5M").wait_for()
    weekdays = page.get_by_role("group", name="Weekdays")
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        expect(weekdays.get_by_label(name, exact=True)).not_to_be_checked()  # none pre-ticked
    weekdays.get_by_label("Monday", exact=True).check()
    expect(page.locator("#weekly-summary")).to_have_text("1 lesson a week, on Mondays.")
    weekdays.get_by_label("Thursday", exact=True).check()
    expect(page.locator("#weekly-summary")).to_contain_text(
        "2 lessons a week: Mondays and Thursdays"
    )
    weekdays.get_by_label("Thursday", exact=True).uncheck()
    page.get_by_role("button", name="Preview the plan").click()
    page.get_by_role("heading", name="The plan: 8 lessons").wait_for()
    expect(page.locator(".preview .weekly-summary")).to_have_text("1 lesson a week, on Mondays.")
    axe_check(page)
    page.get_by_role("button", name="Confirm and save the plan").click()
    page.get_by_text("8 lessons scheduled for 5M").wait_for()
    with live_server.app.app_context():
        school_class = db.session.query(SchoolClass).filter_by(name="5M").one()
        assert {o.scheduled_on.weekday() for o in school_class.occurrences} == {0}
    # The class page: one main action a row, the rest behind "More", opened by keyboard.
    first_row = page.locator("table.plan tbody tr").first
    expect(first_row.get_by_role("link", name=re.compile("^Teach"))).to_be_visible()
    expect(first_row.get_by_role("button", name=re.compile("^Skip"))).to_be_hidden()
    first_row.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(first_row.get_by_role("button", name=re.compile("^Skip"))).to_be_visible()
    pill = first_row.locator(".tag").first.bounding_box()
    assert pill["height"] < 40, "the status pill wraps onto two lines"
    axe_check(page)


def test_the_changed_pages_fit_a_phone(browser, live_server, school, axe_check):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    browser_login(page, live_server.url, "lead@first.example")
    with live_server.app.app_context():
        class_id = db.session.query(SchoolClass).filter_by(name="4R").one().id
    for path in ("/term-dates", "/calendar", f"/classes/{class_id}", "/staff", "/dashboard"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
    axe_check(page)
    context.close()
