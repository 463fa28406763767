"""The curriculum pages in a real Chromium: axe-core clean, usable by keyboard, printable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cmt_schools.accounts import services

from .conftest import PASSWORD, browser_login

pytestmark = pytest.mark.browser


def tab_to(page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text contains `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and text in focused:
            return
    raise AssertionError(f"could not reach '{text}' with the Tab key")


def test_teacher_reads_the_programme_and_a_lesson_by_keyboard(page, live_server, axe_check):
    with live_server.app.app_context():
        school = services.create_school("Curriculum School", "england")
        services.create_user(
            school, email="t@curriculum.example", name="Tia", role="teacher", password=PASSWORD
        )
    base = live_server.url
    browser_login(page, base, "t@curriculum.example")

    # The navigation leads to the programme; the band switch works from the keyboard.
    page.get_by_role("link", name="Curriculum").click()
    page.wait_for_url(base + "/curriculum")
    expect(page.get_by_role("heading", name="Curriculum: KS2", level=1)).to_be_visible()
    tab_to(page, "KS3")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/curriculum?band=ks3")
    expect(page.get_by_role("heading", name="Curriculum: KS3", level=1)).to_be_visible()
    axe_check(page)

    # A lesson's full plan, then the same lesson at another age, by keyboard.
    page.get_by_role("link", name="Soothing rhythm breathing").first.click()
    page.wait_for_url(base + "/curriculum/ks3/03-soothing-breathing")
    expect(page.get_by_role("heading", name="Soothing rhythm breathing", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Timings")).to_be_visible()
    expect(page.locator(".lesson-board").first).to_be_visible()
    expect(page.get_by_role("button", name="Print this plan")).to_be_visible()
    axe_check(page)
    tab_to(page, "KS4")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/curriculum/ks4/03-soothing-breathing")
    assert "KS4" in page.locator(".lesson-header .kicker").inner_text()
    axe_check(page)

    # Printed, the plan keeps the lesson and drops the site's controls.
    page.emulate_media(media="print")
    expect(page.locator(".band-switch")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", name="Timings")).to_be_visible()
    expect(page.locator("#step-7")).to_be_visible()
