"""Dates, with one home each: the school's today, how a date reads, month arithmetic.

The server may run in UTC while a school is in the UK, so "today" is always the school's
day, from the school's time zone; a zone that is unset or unknown on this machine falls
back to Europe/London rather than failing the page. Services never call these for the
time: they take `today` or `now` as an argument, and views and commands work it out here.

Dates read the same on every page, message and PDF: `long_date` "Monday 26 October 2026",
`short_date` "Mon 26 Oct". Month arithmetic is dateutil's `relativedelta`, which clamps to
the end of a shorter month (31 March less one month is 28 or 29 February).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, available_timezones

from dateutil.relativedelta import FR, MO, relativedelta, weekday
from flask import Flask
from flask_login import current_user

DEFAULT_TIMEZONE = "Europe/London"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FRIDAY = 4


class HasTimezone(Protocol):
    timezone: str | None


def utcnow() -> datetime:
    """Now, in UTC: the default of every `*_at` column."""
    return datetime.now(UTC)


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA time zones this machine knows. Listing them reads the zone files: once."""
    return frozenset(available_timezones())


def school_zone(timezone: str | None) -> ZoneInfo:
    """The school's time zone; Europe/London when it is unset or unknown here."""
    try:
        return ZoneInfo(timezone or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo(DEFAULT_TIMEZONE)


def school_today(school: HasTimezone, now: datetime | None = None) -> date:
    """Today's date where the school is (a tick at 00:30 in London is not "yesterday")."""
    moment = now or utcnow()
    return moment.astimezone(school_zone(school.timezone)).date()


def staff_today() -> date:
    """Today at the signed-in member of staff's school; in Europe/London for anyone else
    (a trust's staff included: a trust has no time zone of its own)."""
    if current_user and current_user.is_authenticated and current_user.school_id is not None:
        return school_today(current_user.school)
    return datetime.now(school_zone(None)).date()


# ---------------------------------------------------------------- how dates read


def long_date(day: date) -> str:
    """ "Monday 26 October 2026": the weekday, which teachers plan by, and the full date."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    """ "Mon 26 Oct", for tables and lists where the year is plain from the context."""
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {day:%b}"


# ---------------------------------------------------------------- month arithmetic


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or the last day of that month if it is shorter."""
    return day - relativedelta(months=months)


def months_after(day: date, months: int) -> date:
    """The same day `months` later, or the last day of that month if it is shorter."""
    return day + relativedelta(months=months)


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    """(year, month) of every month from `first`'s to `last`'s, both included."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append((month.year, month.month))
        month += relativedelta(months=1)
    return months


def nth_weekday(year: int, month: int, day_of_week: int, n: int) -> date:
    """The `n`th Monday (0), Tuesday (1)... of a month; n = -1 for the last one."""
    which = weekday(day_of_week)(n)
    if n > 0:
        return date(year, month, 1) + relativedelta(weekday=which)
    return date(year, month, 1) + relativedelta(day=31, weekday=which)


def weekday_on_or_after(day: date, day_of_week: int | None = None) -> date:
    """The first day from `day` on that is the given weekday, or any Monday to Friday."""
    if day_of_week is not None:
        return day + relativedelta(weekday=weekday(day_of_week))
    return day if day.weekday() <= FRIDAY else day + relativedelta(weekday=MO)


def weekday_on_or_before(day: date, day_of_week: int | None = None) -> date:
    """The last day up to `day` that is the given weekday, or any Monday to Friday."""
    if day_of_week is not None:
        return day + relativedelta(weekday=weekday(day_of_week)(-1))
    return day if day.weekday() <= FRIDAY else day + relativedelta(weekday=FR(-1))


def init_dates(app: Flask) -> None:
    """`long_date` and `short_date` in every template, pages and PDFs alike."""
    app.add_template_global(long_date)
    app.add_template_global(short_date)
