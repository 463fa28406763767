"""core.dates: the school's today, how dates read, and month arithmetic, in one place."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmt_schools.accounts.models import School
from cmt_schools.core import dates
from cmt_schools.database import begin_write
from cmt_schools.extensions import db

from .conftest import PASSWORD

# 23:30 in UTC on 30 June is 00:30 on 1 July in London (BST) and still 30 June in New York.
LATE_EVENING_UTC = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)


class FakeSchool:
    def __init__(self, timezone):
        self.timezone = timezone


@pytest.mark.parametrize(
    ("timezone", "today"),
    [
        ("Europe/London", date(2026, 7, 1)),
        ("America/New_York", date(2026, 6, 30)),
        # Unknown, malformed or unset: the school's day is London's, not an error page.
        ("Mars/Olympus_Mons", date(2026, 7, 1)),
        ("../../etc/passwd", date(2026, 7, 1)),
        ("", date(2026, 7, 1)),
        (None, date(2026, 7, 1)),
    ],
)
def test_school_today_is_the_day_where_the_school_is(timezone, today):
    assert dates.school_today(FakeSchool(timezone), LATE_EVENING_UTC) == today


def test_a_bad_time_zone_falls_back_to_london():
    assert dates.school_zone("Not/A_Zone") == ZoneInfo("Europe/London")
    assert dates.school_zone("Europe/Paris") == ZoneInfo("Europe/Paris")


def test_school_today_defaults_to_now():
    london_now = datetime.now(ZoneInfo("Europe/London")).date()
    # Either side of midnight while the test runs: within a day of London's date.
    assert abs(dates.school_today(FakeSchool("Europe/London")) - london_now) <= timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (date(2026, 10, 26), "Monday 26 October 2026", "Mon 26 Oct"),
        (date(2027, 1, 3), "Sunday 3 January 2027", "Sun 3 Jan"),
        (date(2028, 2, 29), "Tuesday 29 February 2028", "Tue 29 Feb"),
    ],
)
def test_dates_read_the_same_everywhere(day, long, short):
    assert dates.long_date(day) == long
    assert dates.short_date(day) == short


@pytest.mark.parametrize(
    ("day", "months", "earlier"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 24, date(2024, 1, 15)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_months_before_keeps_to_real_dates(day, months, earlier):
    assert dates.months_before(day, months) == earlier


def test_months_after_keeps_to_real_dates():
    assert dates.months_after(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert dates.months_after(date(2026, 1, 11), 24) == date(2028, 1, 11)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)), st.integers(0, 240))
def test_months_before_lands_on_the_same_day_or_the_months_last(day, months):
    earlier = dates.months_before(day, months)
    year, month_from_zero = divmod(day.year * 12 + day.month - 1 - months, 12)
    assert (earlier.year, earlier.month) == (year, month_from_zero + 1)
    last_day = calendar.monthrange(earlier.year, earlier.month)[1]
    assert earlier.day == min(day.day, last_day)


def test_months_between_runs_over_the_year_end():
    assert dates.months_between(date(2026, 11, 30), date(2027, 2, 1)) == [
        (2026, 11),
        (2026, 12),
        (2027, 1),
        (2027, 2),
    ]
    assert dates.months_between(date(2026, 9, 1), date(2026, 9, 30)) == [(2026, 9)]


def test_nth_and_last_weekdays_of_a_month():
    assert dates.nth_weekday(2026, 10, 0, 2) == date(2026, 10, 12)  # second Monday
    assert dates.nth_weekday(2026, 6, 0, 1) == date(2026, 6, 1)  # a month that starts on one
    assert dates.nth_weekday(2026, 5, 0, -1) == date(2026, 5, 25)  # spring bank holiday
    assert dates.nth_weekday(2026, 8, 0, -1) == date(2026, 8, 31)  # the month's last day
    assert dates.nth_weekday(2026, 2, 4, 3) == date(2026, 2, 20)  # third Friday


def test_weekday_on_or_after_and_before():
    saturday = date(2026, 10, 24)
    assert dates.weekday_on_or_after(saturday) == date(2026, 10, 26)  # Monday
    assert dates.weekday_on_or_before(saturday) == date(2026, 10, 23)  # Friday
    friday = date(2026, 10, 23)
    assert dates.weekday_on_or_after(friday) == friday
    assert dates.weekday_on_or_before(friday) == friday
    assert dates.weekday_on_or_after(friday, 2) == date(2026, 10, 28)  # next Wednesday
    assert dates.weekday_on_or_before(friday, 2) == date(2026, 10, 21)
    assert dates.weekday_on_or_after(friday, 4) == friday


def test_pages_of_a_school_with_an_unknown_time_zone_still_open(
    app, client, make_lead, make_teacher
):
    """The zone is checked when a school is made, but a hand-edited row must not break pages."""
    lead = make_lead()
    teacher = make_teacher(lead.school)
    begin_write()
    db.session.get(School, lead.school_id).timezone = "Atlantis/Lost"
    db.session.commit()
    for user, path in (
        (teacher, "/dashboard"),
        (teacher, "/classes"),
        (teacher, "/calendar"),
        (lead, "/programme"),
        (lead, "/term-dates"),
        (lead, "/reports/term-summary"),
        (lead, "/setup"),
    ):
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        response = client.get(path)
        assert response.status_code == 200, path
        client.post("/logout")
