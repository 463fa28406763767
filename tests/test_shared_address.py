"""A whole school behind one address: nothing one pupil sends can stop the others or staff.

The attacker and their victims share one network here, as a school does behind its router:
every request below comes from the same REMOTE_ADDR unless it says otherwise.
"""

from __future__ import annotations

import pytest

from cmt_schools.core.network import network_of

from .checkins_fixtures import (
    ALL_THREES,
    SAVED,
    answer_count,
    form_fields,
    make_class,
    open_for,
)
from .conftest import PASSWORD

SCHOOL = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.23"}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the throttles live in the web layer, the same on either database


def sign_in(client, user, *, environ=SCHOOL, password=PASSWORD):
    return client.post(
        "/login", data={"email": user.email, "password": password}, environ_base=environ
    )


# ---------------------------------------------------------------- networks


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("not an address", "not an address"),
        (None, "unknown"),
    ],
)
def test_a_network_is_an_ipv4_address_or_an_ipv6_64(address, network):
    assert network_of(address) == network


# ---------------------------------------------------------------- signing in


def test_a_colleagues_correct_password_signs_in_after_hundreds_of_failures_from_the_school(
    app, make_school, make_teacher
):
    school = make_school()
    target, colleague = make_teacher(school), make_teacher(school)
    others = [make_teacher(school) for _ in range(3)]
    attacker = app.test_client()
    failures = [
        sign_in(attacker, user, password=f"guess {i}").status_code
        for i in range(40)
        for user in (target, *others)
    ]
    failures += [
        attacker.post(
            "/login",
            data={"email": f"nobody{i}@example.org", "password": "guess guess"},
            environ_base=SCHOOL,
        ).status_code
        for i in range(60)
    ]
    # 220 failed sign-ins from the school's address; each account is slowed on its own...
    assert failures.count(401) == 4 * 10 + 60 and failures.count(429) == 4 * 30
    assert sign_in(attacker, target).status_code == 429
    # ...and a colleague who was not guessed at signs in at once, from the same address.
    assert sign_in(app.test_client(), colleague).status_code == 302


def test_a_browser_that_signed_in_before_is_not_locked_out_by_a_guesser_on_its_network(
    app, make_teacher
):
    teacher = make_teacher()
    teachers_browser = app.test_client()
    assert sign_in(teachers_browser, teacher).status_code == 302
    teachers_browser.post("/logout", environ_base=SCHOOL)
    attacker = app.test_client()
    statuses = [sign_in(attacker, teacher, password=f"guess {i}").status_code for i in range(15)]
    assert statuses == [401] * 10 + [429] * 5
    # A new browser on the same network shares the guesser's count for this account...
    assert sign_in(app.test_client(), teacher).status_code == 429
    # ...but the browser the teacher signed in on before counts on its own.
    assert sign_in(teachers_browser, teacher).status_code == 302
    # A forged or tampered cookie is no help to the guesser.
    attacker.set_cookie("cmt_known_device", "eyJkZXZpY2UiOiJ4In0.forged", path="/login")
    assert sign_in(attacker, teacher).status_code == 429


def test_guessing_from_one_ipv6_64_counts_as_one_network(app, make_teacher):
    teacher = make_teacher()
    attacker = app.test_client()
    statuses = [
        sign_in(
            attacker, teacher, password=f"guess {i}", environ={"REMOTE_ADDR": f"2001:db8:5:6::{i}"}
        ).status_code
        for i in range(1, 13)
    ]
    assert statuses == [401] * 10 + [429] * 2
    # Another /64 is another network.
    other = {"REMOTE_ADDR": "2001:db8:5:7::1"}
    assert sign_in(app.test_client(), teacher, environ=other).status_code == 302


def test_the_limiter_stores_keyed_hashes_not_emails_or_addresses(app, make_teacher):
    from cmt_schools.extensions import limiter

    teacher = make_teacher()
    sign_in(app.test_client(), teacher, password="not the password")
    stored = repr(vars(limiter.storage))
    assert "login:" in stored
    assert teacher.email not in stored and SCHOOL["REMOTE_ADDR"] not in stored


# ---------------------------------------------------------------- joining a check-in


@pytest.fixture
def school_checkin(make_teacher):
    teacher = make_teacher()
    return teacher, open_for(make_class(teacher), teacher)


@pytest.mark.parametrize("app_config", [{"CHECKIN_JOIN_LIMIT": "30 per 10 minutes"}])
def test_a_valid_code_gets_through_on_the_school_network_after_a_flood_of_wrong_codes(
    app, school_checkin
):
    teacher, checkin = school_checkin
    # The teacher shows the board from the school's network, as in class.
    teachers_browser = app.test_client()
    assert sign_in(teachers_browser, teacher).status_code == 302
    board = teachers_browser.get(f"/checkins/{checkin.id}/board", environ_base=SCHOOL)
    assert board.status_code == 200
    pupil_with_a_script = app.test_client()
    statuses = [
        pupil_with_a_script.get(f"/join?code=WRONG{i}", environ_base=SCHOOL).status_code
        for i in range(60)
    ]
    assert statuses == [404] * 30 + [429] * 30
    # Every other pupil of the school still joins with the code on the board, and sends.
    for _ in range(3):
        pupil = app.test_client()
        joined = pupil.get(f"/join?code={checkin.join_code.lower()}", environ_base=SCHOOL)
        assert joined.status_code == 302
        page = pupil.get(joined.headers["Location"], environ_base=SCHOOL)
        assert page.status_code == 200
        data = {**form_fields(page.get_data(as_text=True)), **ALL_THREES}
        sent = pupil.post(f"/join/{checkin.join_code}", data=data, environ_base=SCHOOL)
        assert SAVED in sent.get_data(as_text=True)
    assert answer_count(checkin.id) == 3
    # Wrong codes from there are still refused, and a code page elsewhere is not affected.
    assert pupil_with_a_script.get("/join?code=WRONGX", environ_base=SCHOOL).status_code == 429
    assert app.test_client().get("/join?code=WRONGX", environ_base=ELSEWHERE).status_code == 404


@pytest.mark.parametrize("app_config", [{"CHECKIN_JOIN_LIMIT": "30 per 10 minutes"}])
def test_past_the_limit_a_guessers_network_learns_nothing_about_codes(app, school_checkin):
    teacher, checkin = school_checkin
    teachers_browser = app.test_client()
    sign_in(teachers_browser, teacher)
    guesser = app.test_client()
    for i in range(30):
        guesser.get(f"/join?code=WRONG{i}", environ_base=ELSEWHERE)
    # On a network that is not the school's, a right code is answered like a wrong one:
    # letting it through would tell the guesser which codes are right.
    right = guesser.get(f"/join?code={checkin.join_code}", environ_base=ELSEWHERE)
    wrong = guesser.get("/join?code=WRONGY", environ_base=ELSEWHERE)
    assert right.status_code == wrong.status_code == 429
    assert right.get_data(as_text=True) == wrong.get_data(as_text=True)
    page = guesser.get(f"/join/{checkin.join_code}", environ_base=ELSEWHERE)
    assert page.status_code == 429


@pytest.mark.parametrize("app_config", [{"CHECKIN_JOIN_LIMIT": "30 per 10 minutes"}])
def test_a_school_network_lets_through_its_own_codes_only(app, make_teacher, school_checkin):
    teacher, _ = school_checkin
    other_teacher = make_teacher()  # another school, whose staff never used this network
    other_checkin = open_for(make_class(other_teacher), other_teacher)
    sign_in(app.test_client(), teacher)
    pupil_with_a_script = app.test_client()
    for i in range(30):
        pupil_with_a_script.get(f"/join?code=WRONG{i}", environ_base=SCHOOL)
    found = pupil_with_a_script.get(f"/join?code={other_checkin.join_code}", environ_base=SCHOOL)
    assert found.status_code == 429


@pytest.mark.parametrize("app_config", [{"CHECKIN_JOIN_LIMIT": "20 per 10 minutes"}])
def test_wrong_codes_from_one_ipv6_64_count_together(app):
    client = app.test_client()
    statuses = [
        client.get(
            f"/join?code=WRONG{i}", environ_base={"REMOTE_ADDR": f"2001:db8:9:9::{i:x}"}
        ).status_code
        for i in range(1, 26)
    ]
    assert statuses == [404] * 20 + [429] * 5
    elsewhere = client.get("/join?code=WRONGZ", environ_base={"REMOTE_ADDR": "2001:db8:9:a::1"})
    assert elsewhere.status_code == 404
