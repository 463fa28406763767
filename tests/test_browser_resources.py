"""A lesson's pictures on the pupils' screen, in a real Chromium against a real server:
the step's picture with its text alternative, all of the step on one 1280x720 projector,
the school's help at the calm close, and axe clean."""

from __future__ import annotations

import pytest

from cmt_schools.accounts import services as accounts
from cmt_schools.database import begin_write
from cmt_schools.extensions import db

from .conftest import PASSWORD, browser_login, server_of_its_own
from .curriculum_fixtures import APP_LESSON, write_lessons_with_resources

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
TRUSTED = "Mr Okafor in the library, or any adult you trust"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real server reading a lessons copy in which ks2/02 ships test pictures."""
    folder = tmp_path_factory.mktemp("resources-live")
    lessons = write_lessons_with_resources(folder)

    def a_teacher_and_the_schools_help():
        school = accounts.create_school("Picture School", "england")
        accounts.create_user(
            school, email="p@pictures.example", name="Pat", role="teacher", password=PASSWORD
        )
        begin_write()
        school.trusted_adults = TRUSTED
        db.session.commit()

    with server_of_its_own(
        folder,
        a_teacher_and_the_schools_help,
        app_module="tests.lessons_server:app",
        extra_env={"CMT_TEST_LESSONS_DIR": str(lessons)},
    ) as live:
        yield live


def _fits_the_screen(page, section) -> None:
    box = section.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PROJECTOR["width"], box
    assert page.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]


def test_a_steps_picture_is_on_the_pupil_screen_with_its_text_alternative(
    browser, server, axe_check
):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-GB", viewport=PROJECTOR)
    context.set_default_timeout(15_000)
    page = context.new_page()
    browser_login(page, server.url, "p@pictures.example")
    page.goto(f"{server.url}/teach/practice/{APP_LESSON}")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Open pupil screen").click()
    pupil = popup.value
    pupil.set_viewport_size(PROJECTOR)
    pupil.wait_for_load_state()

    alt = "Three friends sit on a bench: one looks worried, one is running, one is resting."
    shown = pupil.locator(".pupil-step:not([hidden])")
    # In the page for the big idea and explore, hidden until their step.
    expect(pupil.locator(f'img[alt="{alt}"]')).to_have_count(2)
    expect(shown.get_by_role("img")).to_have_count(0)  # step 1 (arrive) has no picture
    page.keyboard.press("ArrowRight")  # to the big idea
    expect(shown.get_by_role("heading", name="Meet the three systems", level=2)).to_be_visible()
    picture = shown.get_by_role("img", name=alt)
    expect(picture).to_be_visible()
    assert picture.get_attribute("src") == (
        f"/lessons/{APP_LESSON}/resources/test-board-picture.svg"
    )
    # The browser really loaded and drew it (an SVG that failed would be 0 wide).
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0
    _fits_the_screen(pupil, shown)
    words, figure = shown.locator(".pupil-words"), shown.locator(".pupil-figures")
    words_box, figure_box = words.bounding_box(), figure.bounding_box()
    assert words_box["x"] + words_box["width"] <= figure_box["x"] + 1  # side by side
    pupil.screenshot(path=str(_shots() / "pupil-big-idea-1280x720.png"))
    # Printed-only resources never go on the projector.
    for printed in ("test-sorting-cards", "test-calm-sign"):
        assert printed not in pupil.content()
    axe_check(pupil)
    # The teacher's window shows the same picture in its preview of the pupils' screen.
    expect(page.locator(".presenter-picture:visible")).to_have_attribute("alt", alt)
    axe_check(page)

    page.keyboard.press("ArrowRight")  # explore: the same picture, listed for it too
    expect(shown.get_by_role("heading", name="Which system is it?", level=2)).to_be_visible()
    expect(shown.get_by_role("img", name=alt)).to_be_visible()
    _fits_the_screen(pupil, shown)
    pupil.screenshot(path=str(_shots() / "pupil-picture-1280x720.png"))

    for _ in range(4):  # to the calm close
        page.keyboard.press("ArrowRight")
    close = shown
    expect(close.get_by_role("heading", name="Calm close", level=2)).to_be_visible()
    expect(close.locator(".pupil-help")).to_contain_text(TRUSTED)
    expect(close.locator(".pupil-help-contacts li").first).to_be_visible()
    _fits_the_screen(pupil, close)
    axe_check(pupil)
    pupil.screenshot(path=str(_shots() / "pupil-calm-close-1280x720.png"))
    context.close()


def _shots():
    from pathlib import Path

    folder = Path("/tmp/res-infra-shots")
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}]
)
def test_the_lesson_page_shows_its_resources_to_staff(browser, server, axe_check, viewport):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-GB", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    browser_login(page, server.url, "p@pictures.example")
    page.goto(f"{server.url}/curriculum/{APP_LESSON}")
    section = page.get_by_role("region", name="Resources")
    expect(section.get_by_role("heading", name="Sorting cards", level=3)).to_be_visible()
    thumb = section.get_by_role("img", name="A sign with a large heart and the word Calm under it.")
    expect(thumb).to_be_visible()
    thumb.scroll_into_view_if_needed()  # thumbnails load lazily: bring this one into view
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth > 0")
    axe_check(page)
    section.screenshot(path=str(_shots() / f"lesson-resources-{viewport['width']}.png"))
    context.close()


@pytest.fixture(scope="module")
def package_server(tmp_path_factory):
    """A real server with the package's own lessons and a teacher to sign in."""

    def a_teacher():
        school = accounts.create_school("Projector School", "england")
        accounts.create_user(
            school, email="q@projector.example", name="Quinn", role="teacher", password=PASSWORD
        )

    with server_of_its_own(tmp_path_factory.mktemp("projector-live"), a_teacher) as live:
        yield live


def test_every_step_of_every_lesson_fits_a_1280x720_projector(browser, package_server):
    """Each shipped lesson's steps on the pupils' screen, moved through from the presenter:
    the step's words, pictures and practice all on the screen, and every picture drawn."""
    from playwright.sync_api import expect

    from cmt_schools.curriculum.loader import load_curriculum

    context = browser.new_context(locale="en-GB", viewport=PROJECTOR)
    context.set_default_timeout(15_000)
    page = context.new_page()
    browser_login(page, package_server.url, "q@projector.example")
    too_big = []
    for lesson in load_curriculum().by_key.values():
        page.goto(f"{package_server.url}/teach/practice/{lesson.band}/{lesson.slug}")
        with page.expect_popup() as popup:
            page.get_by_role("button", name="Open pupil screen").click()
        pupil = popup.value
        pupil.set_viewport_size(PROJECTOR)
        pupil.wait_for_load_state()
        shown = pupil.locator(".pupil-step:not([hidden])")
        for number, step in enumerate(lesson.steps):
            if number:
                page.keyboard.press("ArrowRight")
            expect(shown).to_have_attribute("data-step", str(number))
            pictures = shown.locator("img")
            for index in range(pictures.count()):
                expect(pictures.nth(index)).to_have_js_property("complete", True)
                assert pictures.nth(index).evaluate("img => img.naturalWidth") > 0
            pupil.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
            height = pupil.evaluate("document.documentElement.scrollHeight")
            box = shown.bounding_box()
            if height > PROJECTOR["height"] or box["y"] + box["height"] > PROJECTOR["height"]:
                too_big.append(f"{lesson.key} step {number + 1} ({step.stage}): {height}px")
        pupil.close()
    context.close()
    assert too_big == []
