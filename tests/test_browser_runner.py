"""The lesson runner in a real Chromium against a real server: two windows, keyboard only,
timers, blackout, reload, offline, reduced motion and the delivery record."""

from __future__ import annotations

import itertools
import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cmt_schools.accounts import services as accounts
from cmt_schools.curriculum.loader import load_curriculum
from cmt_schools.extensions import db
from cmt_schools.runner.models import Delivery
from cmt_schools.scheduling.models import LessonOccurrence

from .conftest import PASSWORD, browser_login, server_of_its_own
from .runner_fixtures import create_class, create_occurrence

pytestmark = pytest.mark.browser

LESSON_KEY = "ks3/03-soothing-breathing"
STEPS = load_curriculum().lesson(LESSON_KEY).steps

# Every Content-Security-Policy violation in any page of the context is collected here.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    [event.violatedDirective, event.blockedURI, event.sourceFile, event.lineNumber].join(' ')
  );
});
"""


_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One real server for this module's tests (each test makes its own school and teacher)."""
    with server_of_its_own(tmp_path_factory.mktemp("runner-live")) as live:
        yield live


@pytest.fixture(scope="module")
def teacher(live_server, browser):
    """One teacher for the module, signed in once; each context starts from that session."""
    with live_server.app.app_context():
        school = accounts.create_school("Runner School", "england")
        user = accounts.create_user(
            school, email="t@runner.example", name="Tess Teacher", role="teacher", password=PASSWORD
        )
        found = SimpleNamespace(email=user.email, id=user.id, school_id=school.id)
        db.session.remove()
    context = browser.new_context()
    browser_login(context.new_page(), live_server.url, found.email)
    found.storage_state = context.storage_state()
    context.close()
    return found


@pytest.fixture
def lesson_to_teach(live_server, teacher):
    """A lesson of its own for each test, so one test's record never meets another's."""
    with live_server.app.app_context():
        occurrence = create_occurrence(
            create_class(teacher),
            LESSON_KEY,
            scheduled_on=date.today(),
            position=next(_numbers),
            minutes=50,
        )
        found = SimpleNamespace(teacher_id=teacher.id, id=occurrence.id)
        db.session.remove()
    return found


def new_context(browser, teacher, **options):
    context = browser.new_context(
        locale="en-GB",
        timezone_id="Europe/London",
        storage_state=teacher.storage_state,
        **options,
    )
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_LISTENER)
    return context


def open_pupil_screen(page):
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Open pupil screen").click()
    pupil = popup_info.value
    pupil.wait_for_load_state()
    return pupil


def visible_heading(page, name: str):
    # Step headings only (level 2): a lesson's own title (h1) may share a step's name.
    return page.get_by_role("heading", name=name, exact=True, level=2)


def expect_step(teacher, pupil, index: int) -> None:
    from playwright.sync_api import expect

    title = STEPS[index].title
    expect(visible_heading(teacher, title)).to_be_visible()
    expect(visible_heading(pupil, title)).to_be_visible()
    for other in range(len(STEPS)):
        if other != index:
            expect(visible_heading(pupil, STEPS[other].title)).to_be_hidden()


def no_csp_violations(*pages) -> None:
    for each in pages:
        assert each.evaluate("window.__cspViolations") == [], each.url


def test_teach_a_lesson_by_keyboard_with_the_pupil_screen_and_record_it(
    browser, live_server, teacher, lesson_to_teach, axe_check
):
    from playwright.sync_api import expect

    context = new_context(browser, teacher)
    page = context.new_page()
    # Fake timers let the test finish a two-minute timer without waiting two minutes.
    context.clock.install()
    page.goto(f"{live_server.url}/teach/{lesson_to_teach.id}")
    expect(page.get_by_role("heading", name="Soothing rhythm breathing", level=1)).to_be_visible()
    # The keys are shown on screen, and every control is a labelled button.
    keys = page.get_by_role("heading", name="Keys").locator("..")
    for key in ("→", "Space", "←", "T", "B", "Esc"):
        expect(keys.locator("kbd", has_text=key).first).to_be_visible()
    for label in ("Previous step", "Next step", "Start timer", "Black out pupil screen", "Leave"):
        expect(page.get_by_role("button", name=label)).to_be_visible()
    expect(page.get_by_text(STEPS[0].practice.pass_option)).to_be_visible()
    axe_check(page)

    pupil = open_pupil_screen(page)
    expect_step(page, pupil, 0)
    for step in STEPS:
        assert step.script[:60] not in pupil.content()

    # Keyboard: right, left, then Space once focus is off the buttons.
    page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 1)
    page.keyboard.press("ArrowLeft")
    expect_step(page, pupil, 0)
    page.locator("h1").click()
    page.keyboard.press(" ")
    expect_step(page, pupil, 1)
    page.keyboard.press("ArrowLeft")
    expect_step(page, pupil, 0)

    # The arrival timer (2 minutes): start with T, finish by moving the clock on.
    teacher_timer = page.locator(".presenter-side [data-timer-time]")
    pupil_timer = pupil.locator("[data-timer-time]")
    expect(teacher_timer).to_have_text("2:00")
    expect(pupil_timer).to_have_text("2:00")
    page.keyboard.press("t")
    expect(page.get_by_role("button", name="Pause timer")).to_be_visible()
    expect(pupil.locator("[data-timer-state]")).to_have_text("Running")
    context.clock.fast_forward("01:00")
    expect(teacher_timer).to_have_text("1:00")
    expect(pupil_timer).to_have_text("1:00")
    context.clock.fast_forward("01:05")
    expect(page.locator(".presenter-side [data-timer-state]")).to_have_text(
        "Time is up. Well done."
    )
    expect(pupil.locator("[data-timer-state]")).to_have_text("Time is up. Well done.")
    expect(pupil.locator("[data-practice-panel]")).to_have_class(
        "pupil-practice practice-panel is-done"
    )
    expect(pupil_timer).to_have_text("0:00")

    # Black out the pupil screen with B, and bring it back.
    page.keyboard.press("b")
    expect(pupil.locator("[data-blackout]")).to_be_visible()
    expect(page.get_by_role("button", name="Black out pupil screen")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("B")
    expect(pupil.locator("[data-blackout]")).to_be_hidden()

    # To the breathing practice; the pacer counts on both screens.
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 3)
    expect(pupil.locator("[data-pacer-count]")).to_have_text("Get comfortable")
    page.keyboard.press("t")
    expect(pupil.locator("[data-pacer-count]")).to_have_text("Breathe in 1")
    context.clock.fast_forward(1500)
    expect(pupil.locator("[data-pacer-count]")).to_have_text("Breathe in 2")
    expect(page.locator(".presenter-side [data-pacer-count]")).to_have_text("Breathe in 2")
    context.clock.fast_forward(3000)
    expect(pupil.locator("[data-pacer-count]")).to_have_text("Breathe out 1")
    axe_check(pupil)

    # A reload keeps the place, and the pupil screen stays with it.
    page.reload()
    expect_step(page, pupil, 3)
    page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 4)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 6)
    expect(page.locator("[data-next-step]")).to_contain_text("This is the last step")

    # Record what was delivered: a mistake first, shown clearly, then put right.
    page.get_by_label("Minutes the lesson took").fill("0")
    page.locator("#outcomes-3").select_option("shortened")
    page.locator("#outcomes-5").select_option("skipped")
    page.get_by_label("Adaptations and notes (optional)").fill(
        "Two pupils watched the circle with eyes open."
    )
    no_csp_violations(page, pupil)
    page.get_by_role("button", name="Record delivery").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the minutes the lesson took, 1 to 180")
    axe_check(page)
    expect_step(page, pupil, 6)  # the page came back on the same step
    expect(page.locator("#outcomes-5")).to_have_value("skipped")
    page.get_by_label("Minutes the lesson took").fill("47")
    page.get_by_role("button", name="Record delivery").click()
    expect(page.get_by_text("What you delivered is recorded")).to_be_visible()
    expect(page.get_by_text("Recorded as delivered on")).to_be_visible()
    no_csp_violations(page, pupil)

    with live_server.app.app_context():
        delivery = db.session.scalars(
            select(Delivery).where(Delivery.occurrence_id == lesson_to_teach.id)
        ).one()
        assert delivery.occurrence_id == lesson_to_teach.id
        assert delivery.minutes_taken == 47
        assert delivery.recorded_by_id == lesson_to_teach.teacher_id
        assert delivery.note == "Two pupils watched the circle with eyes open."
        assert [s.outcome for s in delivery.steps] == [
            "taught",
            "taught",
            "taught",
            "shortened",
            "taught",
            "skipped",
            "taught",
        ]
        assert [s.practice_minutes for s in delivery.steps] == [2, 0, 0, 3, 0, 0, 1]
        assert db.session.get(LessonOccurrence, lesson_to_teach.id).status == "delivered"
        db.session.remove()

    # Escape leaves the presenter.
    page.locator("h1").click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r".*/classes/\d+$"))
    context.close()


def test_the_lesson_keeps_running_with_the_network_gone(
    browser, live_server, teacher, lesson_to_teach
):
    from playwright.sync_api import expect

    context = new_context(browser, teacher)
    page = context.new_page()
    page.goto(f"{live_server.url}/teach/{lesson_to_teach.id}")
    pupil = open_pupil_screen(page)
    expect_step(page, pupil, 0)

    requests_while_offline = []
    context.set_offline(True)
    for each in (page, pupil):
        each.on("request", lambda request: requests_while_offline.append(request.url))
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 1)
    page.keyboard.press("ArrowLeft")
    expect_step(page, pupil, 0)
    page.keyboard.press("t")
    expect(pupil.locator("[data-timer-time]")).to_have_text("1:58", timeout=5_000)
    expect(page.locator(".presenter-side [data-timer-time]")).not_to_have_text("2:00")
    page.keyboard.press("t")
    expect(pupil.locator("[data-timer-state]")).to_have_text("Paused")
    page.keyboard.press("b")
    expect(pupil.locator("[data-blackout]")).to_be_visible()
    page.keyboard.press("b")
    expect(pupil.locator("[data-blackout]")).to_be_hidden()
    for index in range(1, len(STEPS)):
        page.keyboard.press("ArrowRight")
        expect_step(page, pupil, index)
    # Keys pressed on the pupil screen drive the lesson too.
    pupil.keyboard.press("ArrowLeft")
    expect_step(page, pupil, len(STEPS) - 2)

    # Saving needs the network: say so, lose nothing, stay on the page.
    page.get_by_role("button", name="Record delivery").click()
    expect(page.get_by_text("You are offline, so this cannot be saved yet")).to_be_visible()
    expect_step(page, pupil, len(STEPS) - 2)
    assert requests_while_offline == []
    no_csp_violations(page, pupil)

    context.set_offline(False)
    page.reload()
    expect_step(page, pupil, len(STEPS) - 2)
    context.close()


def pacer_samples(page, count: int = 4, gap_ms: int = 400) -> list[str]:
    samples = []
    for _ in range(count):
        samples.append(
            page.evaluate(
                "getComputedStyle(document.querySelector('[data-pacer-circle]')).transform"
            )
        )
        page.wait_for_timeout(gap_ms)
    return samples


def test_the_pacer_is_still_for_reduced_motion_and_moves_otherwise(
    browser, live_server, teacher, axe_check
):
    from playwright.sync_api import expect

    practise_path = "/teach/practice/ks3/03-soothing-breathing"
    for motion in ("reduce", "no-preference"):
        context = new_context(browser, teacher, reduced_motion=motion)
        page = context.new_page()
        page.goto(live_server.url + practise_path)
        expect(page.get_by_text("Practice run")).to_be_visible()
        pupil = open_pupil_screen(page)
        page.locator("h1").click()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        expect_step(page, pupil, 3)
        page.keyboard.press("t")
        count = pupil.locator("[data-pacer-count]")
        expect(count).to_have_text("Breathe in 1")
        samples = pacer_samples(pupil)
        # The count still changes either way.
        expect(count).not_to_have_text("Breathe in 1")
        if motion == "reduce":
            assert set(samples) == {"none"}, samples
            for each in (page, pupil):
                assert (
                    each.evaluate(
                        "getComputedStyle(document.querySelector('[data-pacer-circle]')).animationName"
                    )
                    == "none"
                )
                assert (
                    each.evaluate(
                        "getComputedStyle(document.querySelector('[data-pacer-circle]'))"
                        ".transitionDuration"
                    )
                    == "0s"
                )
            axe_check(page)
            axe_check(pupil)
        else:
            assert len(set(samples)) == len(samples), samples
        no_csp_violations(page, pupil)
        context.close()


def test_windows_stay_in_step_without_broadcastchannel(
    browser, live_server, teacher, lesson_to_teach
):
    from playwright.sync_api import expect

    context = new_context(browser, teacher)
    context.add_init_script("delete window.BroadcastChannel;")
    page = context.new_page()
    page.goto(f"{live_server.url}/teach/{lesson_to_teach.id}")
    assert page.evaluate("typeof window.BroadcastChannel") == "undefined"
    pupil = open_pupil_screen(page)
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 1)
    page.keyboard.press("b")
    expect(pupil.locator("[data-blackout]")).to_be_visible()
    page.keyboard.press("b")
    page.keyboard.press("ArrowRight")
    expect_step(page, pupil, 2)
    expect(pupil.locator("[data-blackout]")).to_be_hidden()
    # Starting again (after a confirmation) takes both windows back to the first step.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start this lesson again").click()
    expect_step(page, pupil, 0)
    no_csp_violations(page, pupil)
    context.close()
