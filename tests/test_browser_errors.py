"""The pages that say something went wrong, as a browser shows them, checked with axe-core."""

from __future__ import annotations

import pytest
from flask import render_template

from cmt_schools.accounts import services as accounts
from cmt_schools.checkins.views import PUPIL_ERRORS
from cmt_schools.core.errors import MESSAGES

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_refusals_and_the_plain_error_pages_are_accessible(live_server, page, axe_check):
    app = live_server.app
    school = accounts.create_school("Error Pages Primary", "england")
    lead = accounts.create_user(
        school, email="lead@errors.example", name="Esme Lead", role="lead",
        password="a calm green kettle",
    )  # fmt: skip
    browser_login(page, live_server.url, lead.email, landing="any")
    page.goto(live_server.url + "/classes/new")
    page.get_by_label("Class name").fill("8\u000bB")  # a vertical tab, as Word pastes it
    page.get_by_role("button", name="Add the class").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Some text could not be used"
    axe_check(page)
    with app.test_request_context():
        title, message = MESSAGES[503]
        plain = app.jinja_env.get_template("errors/plain.html")
        staff_page = plain.render(status=503, title=title, message=message)
        pupil_title, pupil_message = PUPIL_ERRORS[503]
        pupil_page = render_template(
            "checkins/problem.html", title=pupil_title, message=pupil_message
        )
    for shown, heading in ((staff_page, title), (pupil_page, pupil_title)):
        page.goto(live_server.url + "/login")  # for the stylesheet's address
        page.set_content(shown)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        axe_check(page)
