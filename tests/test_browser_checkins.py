"""Check-ins in a real Chromium against a real server: pupils on a small phone, with and
without JavaScript, a KS2 pupil's pictures, and the teacher's board and results, with
axe-core on every page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from cmt_schools.accounts import services as accounts
from cmt_schools.checkins import services

from .checkins_fixtures import make_class, open_for, released_figures
from .conftest import PASSWORD, browser_login

pytestmark = pytest.mark.browser

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "en-GB",
    "timezone_id": "Europe/London",
}


@pytest.fixture
def school(live_server):
    """A school with a teacher, a Year 4 (KS2) and a Year 8 (KS3) class, one check-in each."""
    with live_server.app.app_context():
        school = accounts.create_school("Browser Check-in School", "england")
        teacher = accounts.create_user(
            school,
            email="teach@checkins.example",
            name="Tess Teacher",
            role="teacher",
            password=PASSWORD,
        )
        ks2 = make_class(teacher, name="4R", year_group=4)
        ks3 = make_class(teacher, name="8B", year_group=8)
        return {
            "teacher": teacher.email,
            "ks2_code": open_for(ks2, teacher).join_code,
            "ks3_code": open_for(ks3, teacher).join_code,
            "ks3_class": ks3.id,
        }


def phone(browser, **extra):
    context = browser.new_context(**{**SMALL_PHONE, **extra})
    context.set_default_timeout(10_000)
    return context


def question(page, text: str):
    return page.get_by_role("group", name=re.compile(re.escape(text)))


def assert_fits_and_targets_are_large(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways ({width}px)"
    heights = page.eval_on_selector_all(
        ".choice", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, min(heights)
    button = page.get_by_role("button", name="Send my answers").bounding_box()
    assert button["height"] >= 44


def test_a_pupil_on_a_small_phone_joins_by_code_and_submits(
    browser, live_server, school, axe_check
):
    context = phone(browser)
    page = context.new_page()
    page.goto(live_server.url + "/join")
    axe_check(page)
    page.get_by_label("Your code").fill("nope99")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("could not find a check-in with that code")).to_be_visible()
    axe_check(page)
    page.get_by_label("Your code").fill(school["ks3_code"].lower())
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/join/" + school["ks3_code"] + "$"))
    expect(page.get_by_role("heading", name="Your check-in")).to_be_visible()
    expect(page.get_by_text("It is anonymous")).to_be_visible()
    assert_fits_and_targets_are_large(page)
    axe_check(page)
    question(page, "I worried about things.").get_by_role("radio", name="Sometimes").tap()
    question(page, "I felt tense or on edge.").get_by_role("radio", name="Rarely").tap()
    question(page, "I was hard on myself").get_by_role("radio", name="I'd rather not say").tap()
    question(page, "Overall, my days went OK.").get_by_role("radio", name="Often").tap()
    page.get_by_role("button", name="Send my answers").tap()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    for help_line in ("Childline", "Shout", "999"):
        expect(page.get_by_text(help_line).first).to_be_visible()
    axe_check(page)
    # The same device again: kindly told it has already answered.
    page.goto(live_server.url + "/join/" + school["ks3_code"])
    expect(page.get_by_role("heading", name="You have already answered")).to_be_visible()
    axe_check(page)
    context.close()
    with live_server.app.app_context():
        from sqlalchemy import select

        from cmt_schools.checkins.models import AnswerSet, CheckIn
        from cmt_schools.extensions import db

        checkin = db.session.scalars(
            select(CheckIn).where(CheckIn.join_code == school["ks3_code"])
        ).one()
        stored = db.session.scalars(
            select(AnswerSet).where(AnswerSet.check_in_id == checkin.id)
        ).one()
        assert (stored.w1, stored.w2, stored.c1, stored.c2, stored.g1) == (3, 2, None, None, 4)


def test_a_ks2_pupil_sees_pictures_and_answers_by_keyboard(browser, live_server, school, axe_check):
    context = phone(browser)
    page = context.new_page()
    page.goto(live_server.url + "/join/" + school["ks2_code"])
    icons = page.locator("img.icon")
    expect(icons).to_have_count(30)  # five pictures for each of the six questions
    faces = page.locator("img[src*='face-']")
    expect(faces).to_have_count(5)
    expect(faces.first).to_be_visible()
    assert page.evaluate(
        "[...document.querySelectorAll('img.icon')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert_fits_and_targets_are_large(page)
    axe_check(page)
    # Keyboard only: into the first group, arrow to "Sometimes", then on to the next group.
    worried = question(page, "I felt worried.")
    worried.get_by_role("radio", name="Not at all").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(worried.get_by_role("radio", name="Sometimes")).to_be_checked()
    focus_ring = page.evaluate(
        "getComputedStyle(document.activeElement.closest('.choice')).outlineStyle"
    )
    assert focus_ring != "none"
    question(page, "My week was").get_by_role("radio", name="Great").check()
    page.get_by_role("button", name="Send my answers").press("Enter")
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.get_by_text("Childline", exact=True)).to_be_visible()
    expect(page.get_by_text("Shout")).to_have_count(0)  # KS2 sees the KS2 contacts
    axe_check(page)
    context.close()


def test_the_pupil_pages_work_without_javascript(browser, live_server, school):
    context = phone(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/join")
    page.get_by_label("Your code").fill(school["ks3_code"])
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/join/" + school["ks3_code"] + "$"))
    question(page, "I worried about things.").get_by_role("radio", name="Never").check()
    question(page, "I could find ways").get_by_role("radio", name="Always").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    context.close()


def test_the_teachers_board_counts_live_and_results_follow_the_threshold(
    browser, page, live_server, school, axe_check
):
    browser_login(page, live_server.url, school["teacher"])
    page.goto(live_server.url + "/checkins/open")
    axe_check(page)
    page.get_by_label("Class", exact=True).select_option(value=str(school["ks3_class"]))
    page.get_by_label("Right now: one question, for a lesson").check()
    page.get_by_role("button", name="Open and show the board").click()
    page.wait_for_url(re.compile(r"/checkins/\d+/board$"))
    code = page.locator(".board-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    size = page.eval_on_selector(".board-code", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 64, size
    assert page.evaluate("document.querySelector('.board-qr img').naturalWidth > 0")
    expect(page.get_by_text(f"/join/{code}")).to_be_visible()
    expect(page.locator("#answer-count")).to_have_text("0")
    axe_check(page)
    # A pupil answers on another device; the board's count goes up without a reload.
    pupil = phone(browser)
    pupil_page = pupil.new_page()
    pupil_page.goto(f"{live_server.url}/join/{code}")
    question(pupil_page, "Right now, I feel").get_by_role("radio", name="Calm", exact=True).tap()
    pupil_page.get_by_role("button", name="Send my answers").tap()
    expect(pupil_page.get_by_text("Your answers are saved.")).to_be_visible()
    pupil.close()
    expect(page.locator("#answer-count")).to_have_text("1", timeout=15_000)
    page.get_by_role("button", name="Close the check-in now").click()
    page.wait_for_url(re.compile(r"/checkins/\d+/results$"))
    expect(page.get_by_role("heading", name="Not enough answers to show results")).to_be_visible()
    expect(page.get_by_text("Not a screening tool")).to_be_visible()
    axe_check(page)
    # The class's start-of-term check-in, with enough answers, closed: results are shown.
    with live_server.app.app_context():
        from sqlalchemy import select

        from cmt_schools.checkins.models import CheckIn
        from cmt_schools.extensions import db

        baseline = db.session.scalars(
            select(CheckIn).where(CheckIn.join_code == school["ks3_code"])
        ).one()
        now = datetime.now(UTC)
        for value in (1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 3, 2):
            services.submit_answers(
                baseline.id,
                submission_id=str(uuid.uuid4()),
                answers={"w1": value, "w2": 6 - value, "c1": 3, "c2": 3, "s1": 4, "g1": 4},
                now=now,
            )
        services.finalise_checkin(baseline, now)
        baseline_id = baseline.id
        figures = released_figures(baseline_id)
        from cmt_schools.accounts.models import School
        from cmt_schools.checkins.results import effective_threshold

        school_row = db.session.get(School, baseline.school_id)
        threshold = effective_threshold(baseline.release, school_row.suppression_threshold)
    # The worry index as released: 12.5 x (4 + sum / n) of its noisy sum and count (the
    # exact answers give 50). Its noisy count can fall below the threshold (12 answered):
    # then it is hidden on its own, and the page says so.
    worry = 12.5 * (4 + figures[("worry", "sum", 0)] / figures[("worry", "n", 0)])
    worry_count = min(12, int(figures[("worry", "n", 0)] + 0.5))
    page.goto(f"{live_server.url}/checkins/{baseline_id}/results")
    expect(page.get_by_text("12 pupils answered")).to_be_visible()
    worry_block = page.locator(".indices > div").filter(has_text="Worry index")
    if worry_count >= threshold:
        expect(worry_block.locator(".index-value")).to_have_text(
            str(int(min(100, max(0, worry)) + 0.5))
        )
    else:
        expect(worry_block).to_contain_text("Not shown")
        expect(worry_block.locator(".index-value")).to_have_count(0)
    axe_check(page)
    page.goto(live_server.url + "/checkins")
    expect(page.get_by_role("heading", name="Check-ins")).to_be_visible()
    axe_check(page)
    # A closed code tells the pupil so, kindly.
    closed = phone(browser).new_page()
    closed.goto(f"{live_server.url}/join/{code}")
    expect(closed.get_by_role("heading", name="This check-in has finished")).to_be_visible()
    axe_check(closed)
    closed.context.close()
