"""Staff pages in a real Chromium against a real server, with axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cmt_schools.accounts import services

from .conftest import PASSWORD, browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def school_staff(live_server):
    with live_server.app.app_context():
        school = services.create_school("Browser School", "england")
        lead = services.create_user(
            school, email="lead@browser.example", name="Lee Lead", role="lead", password=PASSWORD
        )
        services.create_user(
            school, email="t@browser.example", name="Tia Teacher", role="teacher", password=PASSWORD
        )
        return lead.email


def test_lead_signs_in_and_every_staff_page_passes_axe(page, live_server, school_staff, axe_check):
    page.goto(live_server.url + "/login")
    axe_check(page)
    browser_login(page, live_server.url, school_staff)
    expect(page.get_by_role("heading", name="Hello, Lee Lead")).to_be_visible()
    axe_check(page)
    for path, heading in [
        ("/staff", "Staff"),
        ("/school/settings", "School settings"),
        ("/account", "Your account"),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        axe_check(page)
    page.goto(live_server.url + "/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    axe_check(page)


def test_invite_a_teacher_by_keyboard_and_sign_out(page, live_server, school_staff, axe_check):
    browser_login(page, live_server.url, school_staff)
    page.goto(live_server.url + "/staff")
    page.get_by_label("Name").fill("New Person")
    page.get_by_label("Email").fill("new@browser.example")
    page.get_by_label("Email").press("Enter")
    link = page.locator("#new-link").inner_text()
    assert "/welcome/" in link
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.get_by_label("New password").fill("my new long password")
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(live_server.url + "/dashboard")
    expect(page.get_by_role("heading", name="Hello, New Person")).to_be_visible()


def test_skip_link_is_first_and_focus_is_visible(page, live_server, school_staff):
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_login_errors_are_announced(page, live_server, school_staff, axe_check):
    page.goto(live_server.url + "/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert "Enter an email address" in page.get_by_role("alert").inner_text()
    axe_check(page)


def test_the_app_works_on_a_small_phone(browser, live_server, school_staff):
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    page = context.new_page()
    browser_login(page, live_server.url, school_staff)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    context.close()
