"""What the scheduling modules share: limits, weekday names, date wording, name checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ...accounts.models import School
from ...core.services import ServiceError
from ...curriculum.schema import BAND_RULES

NATION_SUBDIVISIONS = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHOOL_WEEKDAYS = {n: WEEKDAY_NAMES[n] for n in range(5)}
BANDS = tuple(BAND_RULES)
# Lessons that take up their day: a skipped or cancelled lesson leaves the day free.
ACTIVE_STATUSES = ("scheduled", "delivered")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_TERM_DAYS = 190
MIN_MINUTES, MAX_MINUTES = 10, 120
MAX_NAME = {"term": 60, "closure": 80, "class": 40}


def format_day(day: date) -> str:
    """ "Monday 26 October 2026": how dates read in messages."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%B %Y}"


def format_short(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {day:%b}"


def school_today(school: School, now: datetime | None = None) -> date:
    """Today's date where the school is (the server may run in UTC)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(school.timezone or "Europe/London")).date()


def _check_name(name: str | None, what: str, limit: int) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(f"Give the {what} a name.", "name")
    if len(name) > limit:
        raise ServiceError(f"Keep the {what}'s name to {limit} characters or fewer.", "name")
    return name
