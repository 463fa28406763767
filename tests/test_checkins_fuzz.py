"""Fuzzed bad input on the pupil pages never gives a 500 and never stores a row.

Every generated request carries at least one defect (an unknown or closed code, a forged
submission id, an answer out of range, a forged device cookie, an oversized body), mixed
with otherwise plausible parts, and goes through the test client like a real request.
"""

from __future__ import annotations

import urllib.parse
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmt_schools.checkins import services
from cmt_schools.checkins.device import COOKIE_NAME
from cmt_schools.checkins.models import TERM_ITEMS

from .checkins_fixtures import make_class, now, open_for, total_answer_sets

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
GOOD_VALUES = st.sampled_from(["1", "2", "3", "4", "5", "skip", ""])
BAD_VALUES = st.one_of(
    st.sampled_from(
        ["0", "6", "-1", "3.5", "1e1", "٣", " 3", "3 ", " ", "\t", "None", "true", "SKIP"]
    ),
    ANY_TEXT.filter(lambda text: text not in {"1", "2", "3", "4", "5", "skip", ""}),
    st.integers(min_value=-(10**20), max_value=10**20)
    .map(str)
    .filter(lambda text: text not in {"1", "2", "3", "4", "5"}),
)
BAD_SUBMISSION_IDS = st.one_of(
    ANY_TEXT.filter(lambda text: not services.is_submission_id(text)),
    st.uuids(version=1).map(str),
    st.uuids(version=4).map(lambda u: str(u).upper()),
    st.uuids(version=4).map(lambda u: u.hex),
)
DEFECTS = ("code", "submission_id", "answer", "cookie", "size", "duplicate")


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def app_config() -> dict:
    # A high limit, so the throttle does not hide the rest of the pupil path from the fuzzer.
    return {"CHECKIN_JOIN_LIMIT": "100000 per minute"}


@pytest.fixture
def codes(app, make_teacher):
    teacher = make_teacher()
    school_class = make_class(teacher)
    open_code = open_for(school_class, teacher).join_code
    closed = open_for(make_class(teacher, name="8C"), teacher)
    services.close_checkin(closed, now=now(), by=teacher)
    return {"open": open_code, "closed": closed.join_code}


@st.composite
def bad_requests(draw):
    defect = draw(st.sampled_from(DEFECTS))
    data: dict[str, object] = {
        item: draw(GOOD_VALUES) for item in draw(st.sets(st.sampled_from(TERM_ITEMS)))
    }
    data["submission_id"] = str(uuid.uuid4())
    if draw(st.booleans()):
        data[draw(ANY_TEXT)] = draw(ANY_TEXT)  # fields the form does not have
    code = "open"
    cookie = None
    if defect == "code":
        code = draw(
            st.one_of(
                st.just("closed"),
                ANY_TEXT.map(lambda text: "raw:" + text),
                st.text(services.JOIN_CODE_ALPHABET, min_size=6, max_size=6).map(
                    lambda text: "raw:" + text
                ),
            )
        )
    elif defect == "submission_id":
        if draw(st.booleans()):
            data["submission_id"] = draw(BAD_SUBMISSION_IDS)
        else:
            del data["submission_id"]
    elif defect == "answer":
        data[draw(st.sampled_from(TERM_ITEMS))] = draw(BAD_VALUES)
    elif defect == "cookie":
        cookie = draw(
            st.one_of(
                ANY_TEXT.filter(bool).map(lambda t: urllib.parse.quote(t, safe="")),
                st.just("WzEsMiwzXQ.bm90LXNpZ25lZA"),
                st.just("x" * 3000),
            )
        )
    elif defect == "size":
        data["padding"] = "x" * draw(st.integers(min_value=17_000, max_value=300_000))
    elif defect == "duplicate":
        item = draw(st.sampled_from(TERM_ITEMS))
        data[item] = [draw(GOOD_VALUES.filter(bool)), draw(GOOD_VALUES.filter(bool))]
    method = draw(st.sampled_from(["POST", "POST", "POST", "GET"]))
    return defect, code, data, cookie, method


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=bad_requests())
def test_bad_pupil_input_never_errors_and_never_stores(app, codes, case):
    defect, code, data, cookie, method = case
    code = code[4:] if code.startswith("raw:") else codes[code]
    path = "/join/" + urllib.parse.quote(code, safe="")
    client = app.test_client()
    if cookie is not None:
        client.set_cookie(COOKIE_NAME, cookie, domain="localhost", path="/join")
    if method == "GET":
        if defect == "code" and code != codes["open"]:
            response = client.get(path)
            query = client.get("/join", query_string={"code": code})
            assert query.status_code < 500
        else:
            response = client.get(path, query_string={k: v for k, v in data.items() if k})
    else:
        response = client.post(path, data=data)
    assert response.status_code < 500, (defect, response.status_code)
    assert total_answer_sets() == 0, case
