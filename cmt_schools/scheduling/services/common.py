"""What the scheduling modules share: limits, school weekdays and name checks."""

from __future__ import annotations

from ...core.dates import WEEKDAY_NAMES
from ...core.services import ServiceError
from ...curriculum.schema import BAND_RULES

NATION_SUBDIVISIONS = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
SCHOOL_WEEKDAYS = {n: WEEKDAY_NAMES[n] for n in range(5)}
BANDS = tuple(BAND_RULES)
# Lessons that take up their day: a skipped or cancelled lesson leaves the day free.
ACTIVE_STATUSES = ("scheduled", "delivered")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_TERM_DAYS = 190
MIN_MINUTES, MAX_MINUTES = 10, 120
MAX_NAME = {"term": 60, "closure": 80, "class": 40}


def _check_name(name: str | None, what: str, limit: int) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(f"Give the {what} a name.", "name")
    if len(name) > limit:
        raise ServiceError(f"Keep the {what}'s name to {limit} characters or fewer.", "name")
    return name
