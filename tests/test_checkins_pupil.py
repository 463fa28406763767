# ruff: noqa: F811 - pytest fixtures imported from checkins_fixtures are used as arguments
"""Check-ins, the pages themselves: joining, wording, help, the device cookie, bad input,
CSRF, throttling, what is logged, the staff forms. Through the test client.

These exercise the web layer, which is the same whatever the database, so they run on
SQLite only (the `backend` fixture below); test_checkins.py runs the use cases that touch
the database on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from cmt_schools.checkins import questions, services
from cmt_schools.checkins.device import COOKIE_NAME
from cmt_schools.checkins.models import AnswerSet, CheckIn
from cmt_schools.database import begin_write
from cmt_schools.extensions import db

from .checkins_fixtures import (
    ALL_THREES,
    SAVED,
    answer_count,
    form_fields,
    login,
    make_class,
    open_checkin,  # noqa: F401 - fixture
    open_for,
    pupil_submits,
    reload,
    teacher_and_class,  # noqa: F401 - fixture
)
from .conftest import PASSWORD


@pytest.fixture
def backend() -> str:
    return "sqlite"


# ---------------------------------------------------------------- opening, the board


def test_join_codes_avoid_look_alike_characters():
    for _ in range(200):
        code = services.new_join_code()
        assert len(code) == 6
        assert not set(code) & set("01OILSZ5B8UV")
        assert services.is_plausible_code(code)


def test_the_qr_code_encodes_the_join_link(client, open_checkin, teacher_and_class):
    teacher, _ = teacher_and_class
    login(client, teacher)
    svg = client.get(f"/checkins/{open_checkin.id}/qr.svg").get_data(as_text=True)
    import segno

    expected = segno.make(f"http://localhost/join/{open_checkin.join_code}", error="m")
    buffer = __import__("io").BytesIO()
    expected.save(
        buffer, kind="svg", border=2, omitsize=True, xmldecl=False, dark="#000", light="#fff"
    )
    assert svg == buffer.getvalue().decode()


OPENING_MISTAKES = [
    ({"kind": "baseline", "minutes": 30, "class_size": 30}, "Choose a class"),
    ({"kind": "sometimes", "minutes": 30, "class_size": 30}, "Not a valid choice"),
    ({"kind": "now", "minutes": 7, "class_size": 30}, "Not a valid choice"),
    ({"kind": "now", "minutes": 30, "class_size": 0}, "between 1 and 60"),
    ({"kind": "now", "minutes": 30, "class_size": 500}, "between 1 and 60"),
    ({"kind": "now", "minutes": 30, "class_size": "many"}, "Not a valid integer"),
    ({"kind": "now", "minutes": 30, "class_size": 30, "occurrence_id": "x"}, "lesson"),
    ({"kind": "now", "minutes": 30, "class_size": 30, "occurrence_id": "999"}, "lesson"),
]


def test_bad_input_when_opening_is_refused_clearly(client, teacher_and_class):
    teacher, school_class = teacher_and_class
    login(client, teacher)
    for data, message in OPENING_MISTAKES:
        if "Choose a class" not in message:
            data = {"class_id": school_class.id, **data}
        response = client.post("/checkins/open", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalars(select(CheckIn)).first() is None


def test_the_list_shows_a_teacher_their_check_ins_and_a_lead_the_schools(
    app, make_teacher, make_lead
):
    first = make_teacher()
    second = make_teacher(first.school)
    lead = make_lead(first.school)
    open_for(make_class(first, name="6P", year_group=6), first)
    open_for(make_class(second, name="10X", year_group=10), second)
    client = app.test_client()
    login(client, first)
    page = client.get("/checkins").get_data(as_text=True)
    # As table cells: a few letters alone can turn up inside a random CSRF token.
    assert "<td>6P</td>" in page and "<td>10X</td>" not in page
    client = app.test_client()
    login(client, lead)
    page = client.get("/checkins").get_data(as_text=True)
    assert "<td>6P</td>" in page and "<td>10X</td>" in page and second.name in page


def test_anonymous_visitors_are_sent_to_sign_in_for_staff_pages(client, open_checkin):
    for path in ("/checkins", "/checkins/open", f"/checkins/{open_checkin.id}/board"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------- pupils: joining and answering


def test_pupil_joins_by_code_case_insensitively(client, open_checkin):
    response = client.get(
        f"/join?code={open_checkin.join_code.lower()[:3]}-{open_checkin.join_code.lower()[3:]}"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/join/{open_checkin.join_code}")
    page = client.get(f"/join/{open_checkin.join_code.lower()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "anonymous" in html and "optional" in html
    assert "Send my answers" in html


def test_unknown_code_gets_a_kind_message(client, open_checkin):
    response = client.get("/join?code=AAAAAA")
    assert response.status_code == 404
    assert "could not find a check-in with that code" in response.get_data(as_text=True)
    assert client.get("/join/NOPE").status_code == 404
    assert client.get("/join?code=").status_code == 400
    assert client.get("/join/" + "X" * 300).status_code == 404


def test_questions_come_from_the_one_module_for_each_band(app, make_teacher):
    teacher = make_teacher()
    for year, band in ((5, "ks2"), (8, "ks3"), (11, "ks4")):
        school_class = make_class(teacher, name=f"Y{year}", year_group=year)
        checkin = open_for(school_class, teacher)
        html = app.test_client().get(f"/join/{checkin.join_code}").get_data(as_text=True)
        for question in questions.questions_for("baseline", band):
            assert question.text.replace("'", "&#39;") in html
        assert html.count('value="skip"') == 6
        assert html.count(questions.RATHER_NOT_SAY.replace("'", "&#39;")) == 7  # and the intro
        assert html.count("<fieldset") == 6 and html.count("<legend") == 6
        if band == "ks2":
            assert "img/checkins/face-1.svg" in html and "img/checkins/grow-5.svg" in html
            assert "Never" not in html
        else:
            for word in ("Never", "Rarely", "Sometimes", "Often", "Always"):
                assert f">{word}<" in html
            assert "img/checkins/" not in html
    now_check = open_for(make_class(teacher, name="Y4", year_group=4), teacher, kind="now")
    html = app.test_client().get(f"/join/{now_check.join_code}").get_data(as_text=True)
    assert "Right now, I feel" in html and "calm-1.svg" in html
    assert html.count("<fieldset") == 1


def test_question_wording_reads_at_each_bands_level():
    import textstat

    from cmt_schools.curriculum.schema import BAND_RULES

    for band in questions.BANDS:
        text = " ".join(
            [q.text for q in questions.questions_for("baseline", band)]
            + list(questions.introduction_for(band))
        )
        assert textstat.flesch_kincaid_grade(text) <= BAND_RULES[band].max_reading_grade


def test_ks2_closing_screen_shows_ks2_contacts_and_the_schools_trusted_adults(app, make_teacher):
    teacher = make_teacher()
    begin_write()
    teacher.school.trusted_adults = "Mr Ahmed in the library"
    db.session.commit()
    checkin = open_for(make_class(teacher, name="4R", year_group=4), teacher, kind="now")
    response, _ = pupil_submits(app.test_client(), checkin.join_code, {"right_now": "1"})
    html = response.get_data(as_text=True)
    assert "Mr Ahmed in the library" in html and "Childline" in html
    assert "Shout" not in html and "85258" not in html


def test_lead_edited_support_contacts_reach_the_closing_screen(app, make_lead, make_teacher):
    lead = make_lead()
    teacher = make_teacher(lead.school)
    client = app.test_client()
    login(client, lead)
    response = client.post(
        "/school/settings",
        data={
            "name": lead.school.name,
            "nation": "england",
            "suppression_threshold": 10,
            "protection": "standard",
            "min_wave_size": 30,
            "retention_months": 24,
            "trusted_adults": "Ms Rivers, our mental health lead",
            "contacts-0-name": "Kooth",
            "contacts-0-detail": "Free online support at kooth.com",
            "contacts-0-for_ks3_ks4": "y",
        },
    )
    assert response.status_code == 302
    checkin = open_for(make_class(teacher), teacher)
    response, _ = pupil_submits(app.test_client(), checkin.join_code, ALL_THREES)
    html = response.get_data(as_text=True)
    assert "Kooth" in html and "Ms Rivers" in html and "Shout" not in html


def test_closing_screen_falls_back_to_default_help_when_a_school_has_none(app, make_teacher):
    teacher = make_teacher()
    begin_write()
    teacher.school.support_contacts = []
    db.session.commit()
    checkin = open_for(make_class(teacher), teacher)
    response, _ = pupil_submits(app.test_client(), checkin.join_code, ALL_THREES)
    assert "Childline" in response.get_data(as_text=True)


def test_every_pupil_sees_the_same_closing_screen_whatever_they_answered(app, open_checkin):
    low = dict.fromkeys(ALL_THREES, "1")
    high = dict.fromkeys(ALL_THREES, "5")
    first, _ = pupil_submits(app.test_client(), open_checkin.join_code, low)
    second, _ = pupil_submits(app.test_client(), open_checkin.join_code, high)
    assert first.get_data(as_text=True) == second.get_data(as_text=True)


def test_a_second_submission_from_the_same_device_is_refused_kindly(app, client, open_checkin):
    first, _ = pupil_submits(client, open_checkin.join_code, ALL_THREES)
    assert SAVED in first.get_data(as_text=True)
    again = client.get(f"/join/{open_checkin.join_code}")
    assert "already answered" in again.get_data(as_text=True)
    # Even with a fresh form (a new submission id) posted directly:
    response = client.post(
        f"/join/{open_checkin.join_code}", data={"submission_id": str(uuid.uuid4()), "w1": "2"}
    )
    assert response.status_code == 409
    assert "already answered" in response.get_data(as_text=True)
    assert "Childline" in response.get_data(as_text=True)
    # The cookie copied to another device (a replayed cookie) is refused the same way.
    copied = app.test_client()
    copied.set_cookie(COOKIE_NAME, client.get_cookie(COOKIE_NAME, path="/join").value, path="/join")
    response = copied.post(
        f"/join/{open_checkin.join_code}", data={"submission_id": str(uuid.uuid4()), "w1": "2"}
    )
    assert response.status_code == 409
    assert answer_count(open_checkin.id) == 1


def test_the_device_cookie_is_signed_httponly_and_lists_only_check_in_ids(
    app, client, open_checkin
):
    response, _ = pupil_submits(client, open_checkin.join_code, ALL_THREES)
    header = next(h for h in response.headers.getlist("Set-Cookie") if COOKIE_NAME in h)
    assert "HttpOnly" in header and "Path=/join" in header and "SameSite=Lax" in header
    assert f"Max-Age={180 * 24 * 60 * 60}" in header  # kept about six months
    from itsdangerous import URLSafeSerializer

    value = client.get_cookie(COOKIE_NAME, path="/join").value
    # Answered check-ins, and no form left pending once the answers are saved.
    assert URLSafeSerializer(app.config["SECRET_KEY"], salt="cmt-checkins-answered").loads(
        value
    ) == {"a": [open_checkin.id], "p": []}


def test_a_replay_from_the_same_device_also_says_saved(client, open_checkin):
    _, data = pupil_submits(client, open_checkin.join_code, ALL_THREES)
    retry = client.post(f"/join/{open_checkin.join_code}", data=data)
    assert retry.status_code == 200 and SAVED in retry.get_data(as_text=True)
    assert answer_count(open_checkin.id) == 1


def test_a_forged_device_cookie_is_refused_kindly_and_cleared(client, open_checkin):
    client.set_cookie(COOKIE_NAME, "WzEsMiwzXQ.forged-signature", domain="localhost", path="/join")
    page = client.get(f"/join/{open_checkin.join_code}")
    data = {**form_fields(page.get_data(as_text=True)), **ALL_THREES}
    response = client.post(f"/join/{open_checkin.join_code}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "nothing was saved" in html
    assert 'value="3" checked' in html  # the answers are kept
    assert answer_count(open_checkin.id) == 0
    assert client.get_cookie(COOKIE_NAME, path="/join") is None
    # The pupil presses Send again: now it is saved.
    again = client.post(f"/join/{open_checkin.join_code}", data=data)
    assert SAVED in again.get_data(as_text=True) and answer_count(open_checkin.id) == 1


OUT_OF_RANGE = [
    {"w1": "6"},
    {"w1": "0"},
    {"w1": "-1"},
    {"c2": "three"},
    {"g1": "3.0"},
    {"g1": " 3"},
    {"g1": " "},
    {"s1": "\t"},
    {"w1": ["1", "2"]},
]


def test_answers_out_of_range_store_nothing_and_keep_the_good_answers(client, open_checkin):
    page = client.get(f"/join/{open_checkin.join_code}")
    fields = form_fields(page.get_data(as_text=True))
    for bad in OUT_OF_RANGE:
        response = client.post(f"/join/{open_checkin.join_code}", data={**fields, "c1": "4", **bad})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, bad
        assert "not ones we expected" in html
        assert re.search(r'name="c1" value="4" checked', html)
    assert answer_count(open_checkin.id) == 0


FORGED_SUBMISSION_IDS = [
    None,
    "",
    "not-a-uuid",
    "12345678-1234-1234-1234-123456789012",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",  # a version 1 UUID: made from time and host
    "0F8FAD5B-D9CB-469F-A165-70867728950E",  # not in canonical (lower-case) form
]


def test_a_missing_or_forged_submission_id_stores_nothing(client, open_checkin):
    for submission_id in FORGED_SUBMISSION_IDS:
        data = {**ALL_THREES}
        if submission_id is not None:
            data["submission_id"] = submission_id
        response = client.post(f"/join/{open_checkin.join_code}", data=data)
        assert response.status_code == 400, submission_id
        html = response.get_data(as_text=True)
        assert "went wrong with this page" in html
        assert 'name="w1" value="3" checked' in html
    assert answer_count(open_checkin.id) == 0


def test_a_submission_id_already_used_by_another_check_in_gets_a_new_form(app, teacher_and_class):
    teacher, school_class = teacher_and_class
    first = open_for(school_class, teacher)
    second = open_for(make_class(teacher, name="8C"), teacher)
    response, data = pupil_submits(app.test_client(), first.join_code, ALL_THREES)
    assert SAVED in response.get_data(as_text=True)
    client = app.test_client()  # another device, sending the same id to the other check-in
    response = client.post(f"/join/{second.join_code}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "went wrong with this page" in html
    assert 'name="w1" value="3" checked' in html
    resend = {**form_fields(html), **ALL_THREES}
    assert resend["submission_id"] != data["submission_id"]
    assert answer_count(second.id) == 0
    response = client.post(f"/join/{second.join_code}", data=resend)
    assert SAVED in response.get_data(as_text=True) and answer_count(second.id) == 1


def test_answers_for_another_kind_are_ignored_and_skips_are_stored_as_none(client, make_teacher):
    teacher = make_teacher()
    checkin = open_for(make_class(teacher), teacher, kind="now")
    response, data = pupil_submits(client, checkin.join_code, {"w1": "5", "school_id": "99"})
    assert SAVED in response.get_data(as_text=True)
    stored = db.session.get(AnswerSet, data["submission_id"])
    assert stored.w1 is None and stored.right_now is None


# With the form token checked (as in production), the body is first read for the token.
@pytest.mark.parametrize("app_config", [{}, {"WTF_CSRF_ENABLED": True}])
def test_an_oversized_body_is_refused_kindly_and_stores_nothing(client, open_checkin):
    page = client.get(f"/join/{open_checkin.join_code}")
    data = {**form_fields(page.get_data(as_text=True)), **ALL_THREES, "padding": "x" * 40_000}
    response = client.post(f"/join/{open_checkin.join_code}", data=data)
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)
    assert answer_count(open_checkin.id) == 0


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_an_expired_csrf_token_reshows_the_form_with_the_answers_kept(app, open_checkin):
    client = app.test_client()
    page = client.get(f"/join/{open_checkin.join_code}").get_data(as_text=True)
    fields = form_fields(page)
    assert "csrf_token" in fields
    stale = {**fields, "csrf_token": fields["csrf_token"] + "x", **ALL_THREES, "w1": "5"}
    response = client.post(f"/join/{open_checkin.join_code}", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answers are still here" in html
    assert 'name="w1" value="5" checked' in html and 'name="c2" value="3" checked' in html
    assert answer_count(open_checkin.id) == 0
    resend = {**form_fields(html), **ALL_THREES, "w1": "5"}
    assert resend["submission_id"] == fields["submission_id"]
    response = client.post(f"/join/{open_checkin.join_code}", data=resend)
    assert SAVED in response.get_data(as_text=True) and answer_count(open_checkin.id) == 1


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_token_works_only_on_the_code_whose_page_gave_it_out(app, teacher_and_class):
    teacher, school_class = teacher_and_class
    first = open_for(school_class, teacher)
    second = open_for(make_class(teacher, name="8C"), teacher)
    client = app.test_client()
    fields = form_fields(client.get(f"/join/{first.join_code}").get_data(as_text=True))
    response = client.post(f"/join/{second.join_code}", data={**fields, **ALL_THREES})
    assert response.status_code == 400
    assert "Your answers are still here" in response.get_data(as_text=True)
    assert answer_count(second.id) == 0 and answer_count(first.id) == 0
    response = client.post(f"/join/{first.join_code}", data={**fields, **ALL_THREES})
    assert SAVED in response.get_data(as_text=True) and answer_count(first.id) == 1


@pytest.mark.parametrize(
    "app_config", [{"WTF_CSRF_ENABLED": True, "CHECKIN_JOIN_LIMIT": "3 per minute"}]
)
def test_a_form_already_open_is_sent_even_when_the_address_ran_into_the_limit(app, open_checkin):
    pupil = {"REMOTE_ADDR": "127.0.0.43"}
    client = app.test_client()
    page = client.get(f"/join/{open_checkin.join_code}", environ_base=pupil)
    fields = form_fields(page.get_data(as_text=True))
    for i in range(4):  # someone on the same network keeps mistyping
        client.get(f"/join?code=WRONG{i}", environ_base=pupil)
    assert client.get(f"/join/{open_checkin.join_code}", environ_base=pupil).status_code == 429
    # A submit without this code's token could be a guess: it is throttled like one.
    unsigned = {"submission_id": fields["submission_id"], **ALL_THREES}
    response = client.post(f"/join/{open_checkin.join_code}", data=unsigned, environ_base=pupil)
    assert response.status_code == 429 and answer_count(open_checkin.id) == 0
    # The form this pupil already had open came from the code's own page: it is sent.
    response = client.post(
        f"/join/{open_checkin.join_code}", data={**fields, **ALL_THREES}, environ_base=pupil
    )
    assert SAVED in response.get_data(as_text=True) and answer_count(open_checkin.id) == 1


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_submit_with_its_form_token_never_consults_the_join_throttle(app, open_checkin, caplog):
    client = app.test_client()
    fields = form_fields(client.get(f"/join/{open_checkin.join_code}").get_data(as_text=True))
    # A limit the throttle cannot read: Flask-Limiter logs it wherever it is consulted.
    app.config["CHECKIN_JOIN_LIMIT"] = "not a limit"
    caplog.set_level(logging.ERROR)
    response = client.post(f"/join/{open_checkin.join_code}", data={**fields, **ALL_THREES})
    assert SAVED in response.get_data(as_text=True)
    assert "failed to load ratelimit" not in caplog.text
    # The code's page still consults it (so this test would see it).
    client.get(f"/join/{open_checkin.join_code}")
    assert "failed to load ratelimit" in caplog.text


@pytest.mark.parametrize(
    "app_config", [{"WTF_CSRF_ENABLED": True, "CHECKIN_JOIN_LIMIT": "3 per minute"}]
)
def test_guessing_codes_by_submitting_forms_is_throttled_too(app, open_checkin):
    pupil = {"REMOTE_ADDR": "127.0.0.44"}
    client = app.test_client()
    fields = form_fields(client.get(f"/join/{open_checkin.join_code}").get_data(as_text=True))
    # A real form's token, sent to codes it was not given out for: each is a wrong guess.
    statuses = [
        client.post(f"/join/WRONG{i}", data={**fields, **ALL_THREES}, environ_base=pupil)
        for i in range(4)
    ]
    assert [response.status_code for response in statuses] == [404, 404, 404, 429]
    assert "wait a few minutes" in statuses[-1].get_data(as_text=True)
    assert answer_count(open_checkin.id) == 0


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_staff_forms_still_need_a_csrf_token(app, make_teacher):
    teacher = make_teacher()
    checkin = open_for(make_class(teacher), teacher)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": teacher.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/checkins/{checkin.id}/close")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert reload(checkin).closed_at is None


@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 200}])
def test_a_database_failure_says_not_saved_and_a_retry_saves_once(
    app, backend, open_checkin, caplog
):
    # SQLite only (this module's `backend`): it holds the write lock from another connection.
    client = app.test_client()
    page = client.get(f"/join/{open_checkin.join_code}")
    data = {**form_fields(page.get_data(as_text=True)), **ALL_THREES}
    db.session.rollback()
    # Another writer holds the lock for longer than the busy timeout: the save fails.
    blocker = sqlite3.connect(db.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with caplog.at_level(logging.INFO):
            response = client.post(f"/join/{open_checkin.join_code}", data=data)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Not saved, please try again" in html and SAVED not in html
    assert 'name="w1" value="3" checked' in html
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not saved (OperationalError)" in logged
    assert data["submission_id"] not in logged
    retry = {**form_fields(html), **ALL_THREES}
    assert retry["submission_id"] == data["submission_id"]
    response = client.post(f"/join/{open_checkin.join_code}", data=retry)
    assert SAVED in response.get_data(as_text=True)
    assert answer_count(open_checkin.id) == 1


# ---------------------------------------------------------------- tallies and results


def test_months_before_handles_month_ends():
    from cmt_schools.core.dates import months_before

    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 24) == date(2024, 1, 15)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


# ---------------------------------------------------------------- throttling and logs


@pytest.mark.parametrize("app_config", [{"CHECKIN_JOIN_LIMIT": "5 per minute"}])
def test_wrong_codes_are_throttled_by_a_hashed_address_not_the_address(app, open_checkin):
    from cmt_schools.extensions import limiter

    pupil = {"REMOTE_ADDR": "127.0.0.42"}
    client = app.test_client()
    # Right codes are never counted: a whole class can join from one address.
    for _ in range(8):
        assert client.get(f"/join/{open_checkin.join_code}", environ_base=pupil).status_code == 200
    statuses = [
        client.get(f"/join?code=WRONG{i}", environ_base=pupil).status_code for i in range(7)
    ]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]
    page = client.get(f"/join/{open_checkin.join_code}", environ_base=pupil)
    assert page.status_code == 429 and "wait a few minutes" in page.get_data(as_text=True)
    # Another network is not affected.
    other = client.get(f"/join/{open_checkin.join_code}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
    storage = limiter.storage
    stored = repr(vars(storage))
    assert "join:" in stored
    assert "127.0.0.42" not in stored and "10.1.2.3" not in stored


def test_pupil_requests_are_dropped_from_the_development_servers_log(app):
    from cmt_schools.checkins.views import _DropPupilRequests

    drop = _DropPupilRequests()

    def record(line):
        return logging.LogRecord("werkzeug", logging.INFO, "", 0, line, (), None)

    assert not drop.filter(record('127.0.0.42 - - [x] "GET /join/ABC234 HTTP/1.1" 200 -'))
    assert not drop.filter(record('127.0.0.42 - - [x] "POST /join/ABC234 HTTP/1.1" 200 -'))
    assert not drop.filter(record('127.0.0.42 - - [x] "GET /join?code=AB HTTP/1.1" 302 -'))
    assert not drop.filter(record('127.0.0.42 - - [x] "GET /join HTTP/1.1" 200 -'))
    assert drop.filter(record('127.0.0.1 - - [x] "GET /checkins HTTP/1.1" 200 -'))
    assert drop.filter(record('127.0.0.1 - - [x] "GET /joinery HTTP/1.1" 404 -'))
    assert any(isinstance(f, _DropPupilRequests) for f in logging.getLogger("werkzeug").filters)


def test_nothing_of_a_pupil_request_reaches_the_app_log(app, open_checkin, caplog):
    marker = "MarkerAgent/7.7 (pupil-log-test)"
    env = {"REMOTE_ADDR": "127.0.0.42", "HTTP_USER_AGENT": marker}
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        page = client.get(f"/join/{open_checkin.join_code}", environ_base=env)
        data = {**form_fields(page.get_data(as_text=True)), **ALL_THREES}
        client.post(f"/join/{open_checkin.join_code}", data=data, environ_base=env)
        client.post(f"/join/{open_checkin.join_code}", data={"w1": "9"}, environ_base=env)
        client.get("/join?code=BADBAD", environ_base=env)
        client.post(f"/join/{open_checkin.join_code}", data={"x": "y" * 40_000}, environ_base=env)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (marker, "127.0.0.42", data["submission_id"]):
        assert secret not in logged


# ---------------------------------------------------------------- demo and benchmark endpoints


def test_benchmark_endpoints_exist_only_when_asked_for(tmp_path):
    from cmt_schools import create_app

    from .conftest import base_test_config

    baselines = {
        "checkins.bench_hello",
        "checkins.bench_insert",
        "checkins.bench_insert_in_transaction",
    }
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    plain = create_app(base_test_config(tmp_path / "i1", url))
    endpoints = {rule.endpoint for rule in plain.url_map.iter_rules()}
    assert not baselines & endpoints
    assert plain.test_client().get("/_benchmark/hello").status_code == 404
    bench = create_app({**base_test_config(tmp_path / "i2", url), "BENCHMARK_ENDPOINTS": 1})
    endpoints = {rule.endpoint for rule in bench.url_map.iter_rules()}
    assert baselines <= endpoints
    assert bench.test_client().get("/_benchmark/hello").get_data(as_text=True) == "hello"


def test_every_pupil_page_links_to_the_pupil_privacy_notice(client, open_checkin):
    for path in ("/join", f"/join/{open_checkin.join_code}", "/join/ZZZZZZ"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/privacy/pupils"' in page, path


def test_a_right_now_check_opens_from_a_lesson_of_the_class(client, teacher_and_class):
    from datetime import time as clock

    from cmt_schools.scheduling.models import LessonOccurrence

    teacher, school_class = teacher_and_class
    other_class = make_class(teacher, name="9Z", year_group=9)
    begin_write()
    lessons = [
        LessonOccurrence(
            school_id=teacher.school_id,
            class_id=owner.id,
            lesson_key="ks3/03-soothing-breathing",
            position=3,
            scheduled_on=date.today(),
            starts_at=clock(10, 0),
            minutes=50,
        )
        for owner in (school_class, other_class)
    ]
    db.session.add_all(lessons)
    db.session.commit()
    ours, theirs = (lesson.id for lesson in lessons)
    login(client, teacher)
    page = client.get(f"/checkins/open?class_id={school_class.id}&occurrence_id={ours}")
    html = page.get_data(as_text=True)
    assert re.search(r'value="now"[^>]*checked|checked[^>]*value="now"', html)
    assert f'name="occurrence_id" type="hidden" value="{ours}"' in html
    data = {"class_id": school_class.id, "kind": "now", "minutes": 15, "class_size": 28}
    refused = client.post("/checkins/open", data={**data, "occurrence_id": theirs})
    assert refused.status_code == 400 and "not one of this class" in refused.get_data(as_text=True)
    assert client.post("/checkins/open", data={**data, "occurrence_id": ours}).status_code == 302
    checkin = db.session.scalars(select(CheckIn)).one()
    assert checkin.occurrence_id == ours and checkin.kind == "now"


# ---------------------------------------------------------------- one form, one answer set


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_one_loaded_form_sends_one_answer_set_not_sixty(app, open_checkin):
    client = app.test_client()
    fields = form_fields(client.get(f"/join/{open_checkin.join_code}").get_data(as_text=True))
    first = client.post(f"/join/{open_checkin.join_code}", data={**fields, **ALL_THREES})
    assert SAVED in first.get_data(as_text=True)
    # A script keeps the page's session and token and makes up new submission ids (and
    # drops the device cookie that says it answered).
    session = client.get_cookie("cmt_session").value
    for _ in range(5):
        stuffer = app.test_client()
        stuffer.set_cookie("cmt_session", session, domain="localhost")
        stuffed = {**fields, "submission_id": str(uuid.uuid4()), **ALL_THREES}
        response = stuffer.post(f"/join/{open_checkin.join_code}", data=stuffed)
        assert response.status_code == 400 and SAVED not in response.get_data(as_text=True)
    assert answer_count(open_checkin.id) == 1


def test_two_tabs_of_one_device_show_the_same_form_and_store_one_answer_set(app, open_checkin):
    client = app.test_client()
    tab_one = form_fields(client.get(f"/join/{open_checkin.join_code}").get_data(as_text=True))
    tab_two = form_fields(client.get(f"/join/{open_checkin.join_code}").get_data(as_text=True))
    assert tab_one["submission_id"] == tab_two["submission_id"]
    first = client.post(f"/join/{open_checkin.join_code}", data={**tab_one, **ALL_THREES})
    assert SAVED in first.get_data(as_text=True)
    other = {**ALL_THREES, "w1": "5"}
    second = client.post(f"/join/{open_checkin.join_code}", data={**tab_two, **other})
    html = second.get_data(as_text=True)
    assert second.status_code == 409 and "Your answers were already sent" in html
    assert "nothing was changed" in html and "Childline" in html
    assert answer_count(open_checkin.id) == 1
    assert db.session.get(AnswerSet, tab_one["submission_id"]).w1 == 3  # the first stand


def test_tabs_opened_before_either_set_the_cookie_still_send_one_answer_set(app, open_checkin):
    # Two tabs loaded at the very same moment: neither saw the other's form. The device's
    # newest form is the one its cookie keeps; the older tab is shown that form to send.
    older, newer = app.test_client(), app.test_client()
    old_fields = form_fields(older.get(f"/join/{open_checkin.join_code}").get_data(as_text=True))
    new_page = newer.get(f"/join/{open_checkin.join_code}")
    new_fields = form_fields(new_page.get_data(as_text=True))
    assert old_fields["submission_id"] != new_fields["submission_id"]
    device = newer  # both tabs share the device's cookies: the newer form's
    response = device.post(f"/join/{open_checkin.join_code}", data={**old_fields, **ALL_THREES})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "open in another tab" in html
    assert 'name="w1" value="3" checked' in html  # the answers are kept
    assert form_fields(html)["submission_id"] == new_fields["submission_id"]
    assert answer_count(open_checkin.id) == 0
    assert SAVED in device.post(
        f"/join/{open_checkin.join_code}", data={**form_fields(html), **ALL_THREES}
    ).get_data(as_text=True)
    again = device.post(f"/join/{open_checkin.join_code}", data={**new_fields, **ALL_THREES})
    assert SAVED in again.get_data(as_text=True)  # the same form and answers: a resend
    assert answer_count(open_checkin.id) == 1


def test_a_changed_resend_says_already_sent_and_keeps_the_first_answers(client, open_checkin):
    _, data = pupil_submits(client, open_checkin.join_code, ALL_THREES)
    changed = {**data, "w1": "1", "s1": "skip"}
    response = client.post(f"/join/{open_checkin.join_code}", data=changed)
    assert response.status_code == 409
    assert "already sent" in response.get_data(as_text=True)
    stored = db.session.get(AnswerSet, data["submission_id"])
    assert (stored.w1, stored.s1) == (3, 3) and answer_count(open_checkin.id) == 1


def test_a_device_answers_one_of_two_term_check_ins_open_at_once(app, teacher_and_class):
    teacher, school_class = teacher_and_class
    form_group = open_for(school_class, teacher)
    pshe_group = open_for(make_class(teacher, name="8 PSHE"), teacher)
    right_now = open_for(school_class, teacher, kind="now")  # other questions: fine
    client = app.test_client()
    first, _ = pupil_submits(client, form_group.join_code, ALL_THREES)
    assert SAVED in first.get_data(as_text=True)
    page = client.get(f"/join/{pshe_group.join_code}")
    assert "You have answered one already" in page.get_data(as_text=True)
    fields = {"submission_id": str(uuid.uuid4()), **ALL_THREES}
    sent = client.post(f"/join/{pshe_group.join_code}", data=fields)
    assert sent.status_code == 409 and answer_count(pshe_group.id) == 0
    now_page, _ = pupil_submits(client, right_now.join_code, {"right_now": "2"})
    assert SAVED in now_page.get_data(as_text=True)
    # Once the first has closed, the other can be answered.
    services.close_checkin(form_group, now=services_now(), by=teacher)
    later, _ = pupil_submits(client, pshe_group.join_code, ALL_THREES)
    assert SAVED in later.get_data(as_text=True) and answer_count(pshe_group.id) == 1


def test_a_class_has_one_term_check_in_and_one_right_now_check_open_at_once(
    client, teacher_and_class
):
    teacher, school_class = teacher_and_class
    login(client, teacher)
    form = {"class_id": school_class.id, "kind": "baseline", "minutes": 30, "class_size": 28}
    assert client.post("/checkins/open", data=form).status_code == 302
    again = client.post("/checkins/open", data={**form, "kind": "endpoint"})
    assert again.status_code == 400
    assert "8B already has a term check-in open" in again.get_data(as_text=True)
    assert client.post("/checkins/open", data={**form, "kind": "now"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2


def services_now():
    from .checkins_fixtures import now

    return now()
