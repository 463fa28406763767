"""core.urls: a list's links built once per page give the very URLs `url_for` gives."""

from __future__ import annotations

import pytest
from flask import url_for

from cmt_schools.core.urls import url_for_each

IDS = [1, 7, 10, 99, 918273645, 2**31 - 1]


@pytest.mark.parametrize(
    ("endpoint", "argument"),
    [
        ("scheduling.class_detail", "class_id"),  # the id in the path
        ("scheduling.teacher_calendar", "teacher"),  # the id in the query string
        ("checkins.results", "checkin_id"),
    ],
)
def test_each_url_is_the_one_url_for_builds(app, endpoint, argument):
    with app.test_request_context("/"):
        url = url_for_each(endpoint, argument)
        assert [url(i) for i in IDS] == [url_for(endpoint, **{argument: i}) for i in IDS]


def test_other_arguments_are_kept_and_an_id_is_written_as_an_integer(app):
    with app.test_request_context("/"):
        url = url_for_each("scheduling.teacher_calendar", "teacher", term=3)
        assert url(12) == url_for("scheduling.teacher_calendar", teacher=12, term=3)
        with pytest.raises(ValueError):
            url("12/../../admin")
