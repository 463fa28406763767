"""A new lead walks the set-up checklist in a real Chromium; axe-core on every onboarding page."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from cmt_schools.accounts import services as accounts
from cmt_schools.core.dates import long_date

from .conftest import PASSWORD, browser_login
from .onboarding_fixtures import add_class, add_term

pytestmark = pytest.mark.browser

ITEMS = (
    "details",
    "terms",
    "support",
    "privacy",
    "staff",
    "classes",
    "dsl_briefed",
    "parents_informed",
)


@pytest.fixture
def fresh_school(live_server):
    with live_server.app.app_context():
        school = accounts.create_school("Fresh Fields Primary", "wales")
        lead = accounts.create_user(
            school, email="lead@fresh.example", name="Lee Lead", role="lead", password=PASSWORD
        )
        return school.id, lead.email


def statuses(page) -> dict[str, str]:
    return {key: page.locator(f"#item-{key} .status strong").inner_text() for key in ITEMS}


def done(page) -> set[str]:
    return {key for key, status in statuses(page).items() if status == "Done"}


def test_a_new_lead_walks_the_checklist_to_ready(page, live_server, fresh_school, axe_check):
    school_id, lead_email = fresh_school
    # A new lead lands on the checklist on first sign-in.
    browser_login(page, live_server.url, lead_email, landing="setup")
    assert page.url == live_server.url + "/setup"
    expect(page.get_by_role("heading", name="Set-up checklist", level=1)).to_be_visible()
    assert done(page) == set()
    assert "0 of 8" in page.locator(".setup-progress").inner_text()
    axe_check(page)

    # School details, support contacts and privacy settings: through the settings form.
    page.locator("#item-support").get_by_role("link").first.click()
    page.wait_for_url(live_server.url + "/school/settings")
    page.get_by_label("Trusted adults at school pupils can talk to").fill(
        "Ms Rivers in the library, or any adult you trust"
    )
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("School settings saved.").wait_for()
    page.goto(live_server.url + "/setup")
    assert done(page) == {"details", "support", "privacy"}
    assert "Ms Rivers in the library" in page.locator("#item-support").inner_text()

    # Staff: invite a teacher on the staff page.
    page.locator("#item-staff").get_by_role("link", name="Invite staff").click()
    page.get_by_label("Name").fill("Tia Teacher")
    page.get_by_label("Email").fill("tia@fresh.example")
    page.get_by_label("Email").press("Enter")
    page.locator("#new-link").wait_for()
    page.goto(live_server.url + "/setup")
    assert "staff" in done(page)

    # Terms and classes: their pages belong to scheduling, so make the rows directly.
    with live_server.app.app_context():
        school = accounts.find_school(school_id)
        add_term(school)
        add_class(school, accounts.find_user_by_email("tia@fresh.example"))
    page.reload()
    assert done(page) == {"details", "support", "privacy", "staff", "terms", "classes"}
    assert "1 term" in page.locator("#item-terms").inner_text()

    # The manual ticks, each with a date and who ticked; one unticked and ticked again.
    page.get_by_label("Date the DSL was briefed").fill("2026-09-01")
    page.get_by_role("button", name='Mark "DSL briefed" as done').click()
    page.wait_for_url("**/setup#item-dsl_briefed")
    dsl = page.locator("#item-dsl_briefed")
    assert statuses(page)["dsl_briefed"] == "Done"
    assert f"Done on {long_date(date(2026, 9, 1))}, ticked by Lee Lead" in dsl.inner_text()
    dsl.get_by_role("button", name='Mark "DSL briefed" as not done').click()
    page.wait_for_url("**/setup#item-dsl_briefed")
    assert statuses(page)["dsl_briefed"] == "To do"
    page.get_by_label("Date the DSL was briefed").fill("2026-09-02")
    page.get_by_role("button", name='Mark "DSL briefed" as done').click()
    page.wait_for_url("**/setup#item-dsl_briefed")
    assert "2 September 2026" in page.locator("#item-dsl_briefed").inner_text()
    assert not page.get_by_role("heading", name="Your school is ready").count()

    # A date in the future is refused, with the error announced.
    page.get_by_label("Date parents and carers were told").fill("2099-01-01")
    page.get_by_role("button", name='Mark "Parents and carers informed" as done').click()
    assert "cannot be in the future" in page.get_by_role("alert").inner_text()
    assert statuses(page)["parents_informed"] == "To do"
    axe_check(page)

    page.get_by_label("Date parents and carers were told").fill("2026-09-03")
    page.get_by_role("button", name='Mark "Parents and carers informed" as done').click()
    page.wait_for_url("**/setup#item-parents_informed")
    assert done(page) == set(ITEMS)
    expect(page.get_by_role("heading", name="Your school is ready")).to_be_visible()
    assert "8 of 8" in page.locator(".setup-progress").inner_text()
    axe_check(page)


PUBLIC_PAGES = [
    ("/help", "Help"),
    ("/help/first-lesson", "Teaching your first lesson"),
    ("/help/running-a-check-in", "Running a check-in in class"),
    ("/help/reading-the-term-summary", "Reading the term summary"),
    ("/privacy", "Privacy notice for parents, carers and staff"),
    ("/privacy/pupils", "Your check-in answers"),
]


def test_help_privacy_and_data_pages_pass_axe(page, live_server, fresh_school, axe_check):
    school_id, lead_email = fresh_school
    for path, heading in [
        *PUBLIC_PAGES,
        (f"/privacy?school={school_id}", "Privacy notice for parents, carers and staff"),
        (f"/privacy/pupils?school={school_id}", "Your check-in answers"),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", name=heading, exact=True, level=1), path).to_be_visible()
        axe_check(page)
    assert "Fresh Fields Primary" in page.locator("main").inner_text()

    browser_login(page, live_server.url, lead_email)
    page.goto(live_server.url + "/setup")
    page.get_by_role("link", name="Data and privacy").first.click()
    expect(page.get_by_role("heading", name="Data and privacy", level=1)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Delete the school's data…").click()
    expect(page.get_by_role("heading", name="Delete the school's data", level=1)).to_be_visible()
    page.get_by_label("Type the school's name to confirm").fill("Fresh Fields")
    page.get_by_role("button", name="Delete everything for Fresh Fields Primary").click()
    assert "Type the school's name exactly" in page.get_by_role("alert").inner_text()
    axe_check(page)
    # The help pages as a signed-in teacher's menu shows them.
    page.get_by_role("link", name="Help", exact=True).first.click()
    expect(page.get_by_role("heading", name="Help", level=1)).to_be_visible()
    axe_check(page)
