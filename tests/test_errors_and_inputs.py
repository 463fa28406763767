"""Error pages after a failed statement, the headers on every response, and the input
checks every route shares (control characters, files, ids), on both databases."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.test import Client
from werkzeug.wrappers import Response

from cmt_schools.accounts.models import User
from cmt_schools.core.access import STAFF, allow
from cmt_schools.core.headers import SecurityHeadersEverywhere
from cmt_schools.core.inputs import MAX_ID, parse_id
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.scheduling.models import SchoolClass

from .conftest import PASSWORD

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response) -> None:
    for header, value in HEADERS.items():
        assert response.headers.get(header) == value, (response.status_code, header)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def classes_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(SchoolClass))


# ---------------------------------------------------------------- a failed statement


def test_after_a_failed_flush_the_error_page_still_shows_the_signed_in_page(app, make_teacher):
    teacher = make_teacher()

    @app.route("/fails-to-flush")
    @allow(*STAFF)
    def fails_to_flush():
        begin_write()
        db.session.add(User(school_id=teacher.school_id, email=teacher.email, name="Twin"))
        db.session.flush()  # a second account with the same email: IntegrityError
        return "never"

    client = app.test_client()
    assert client.post("/login", data={"email": teacher.email, "password": PASSWORD}).status_code
    response = client.get("/fails-to-flush")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, something went wrong" in page
    # The usual page, header and all: it read the teacher from the database after the
    # handler rolled the failed session back (without that, PendingRollbackError).
    assert teacher.name in page
    assert_security_headers(response)
    assert client.get("/dashboard").status_code == 200


def test_a_response_the_app_never_finished_still_carries_the_headers():
    def raising_app(environ, start_response):
        raise RuntimeError("failed before any response")

    def bare_app(environ, start_response):
        return Response("made elsewhere")(environ, start_response)

    failed = Client(SecurityHeadersEverywhere(raising_app)).get("/")
    assert failed.status_code == 500
    assert b"Sorry, something went wrong" in failed.data
    assert_security_headers(failed)
    bare = Client(SecurityHeadersEverywhere(bare_app)).get("/")
    assert bare.status_code == 200 and bare.data == b"made elsewhere"
    assert_security_headers(bare)
    assert bare.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("app_config", [{"LOGIN_LIMIT_PER_ACCOUNT": "1 per minute"}])
def test_error_and_static_responses_all_carry_the_headers(client, make_teacher):
    teacher = make_teacher()
    wrong = {"email": teacher.email, "password": "not the password"}
    responses = {
        "static": client.get("/static/css/app.css"),
        "static missing": client.get("/static/css/none.css"),
        "404": client.get("/no-such-page"),
        "405": client.delete("/login"),
        "413": client.post("/login", data={"email": "a@b.c", "password": "x" * 300_000}),
        "401": client.post("/login", data=wrong),
        "429": client.post("/login", data=wrong),
    }
    expected = {"static": 200, "static missing": 404, "404": 404, "405": 405, "413": 413}
    expected |= {"401": 401, "429": 429}
    assert {name: r.status_code for name, r in responses.items()} == expected
    for response in responses.values():
        assert_security_headers(response)


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize("text", ["8\x00B", "8\x0bB", "8\x1b[31mB", "8\x7fB", "8\x85B"])
def test_control_characters_in_a_form_are_refused_clearly_and_store_nothing(
    client, auth, make_teacher, text
):
    auth.login(make_teacher())
    data = {"name": text, "year_group": "8", "band_override": ""}
    response = client.post("/classes/new", data=data)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    assert classes_count() == 0


def test_line_breaks_and_tabs_are_ordinary_text(client, auth, make_teacher):
    auth.login(make_teacher())
    data = {"name": "8\tB", "year_group": "8", "band_override": ""}
    assert client.post("/classes/new", data=data).status_code == 302
    assert classes_count() == 1


def test_control_characters_in_a_query_or_the_path_are_refused(client, auth, make_teacher):
    auth.login(make_teacher())
    assert client.get("/calendar", query_string={"term": "1\x00"}).status_code == 400
    assert client.get("/curriculum/ks3/a%00b").status_code == 404
    assert client.get("/join/AB%00CD").status_code == 404


def test_a_file_sent_to_a_form_is_refused_and_stores_nothing(client, auth, make_teacher):
    auth.login(make_teacher())
    response = client.post(
        "/classes/new",
        data={"name": (io.BytesIO(b"8B"), "name.txt"), "year_group": "8", "band_override": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "does not take files" in response.get_data(as_text=True)
    assert classes_count() == 0


@pytest.mark.parametrize("raw", [str(MAX_ID + 1), "9" * 30, "-1", "0", "1e3", "\u0663", " ", ""])
def test_ids_beyond_an_id_column_or_not_ids_at_all_are_not_ids(raw):
    assert parse_id(raw) is None


def test_ids_within_range_are_ids():
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID and parse_id(" 42 ") == 42


@pytest.mark.parametrize("path_id", [str(MAX_ID + 1), "9" * 20, "9" * 5000])
def test_ids_past_the_integer_in_a_path_are_not_found(client, auth, make_teacher, path_id):
    auth.login(make_teacher())
    for path in (f"/classes/{path_id}", f"/teach/{path_id}", f"/checkins/{path_id}/board"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_security_headers(response)
