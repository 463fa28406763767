"""Join codes, submission ids, and whether a check-in is open: the small rules everything
else in check-ins leans on."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from .models import (
    CheckIn,
)

# Join codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B,
# 2/Z, U/V), so a pupil copying from the board cannot mistake one for another. 24**6 is
# about 191 million codes: with even a few hundred open at once a guess almost never hits,
# which is what the (generous) throttle on wrong codes relies on.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY346792"
JOIN_CODE_LENGTH = 6


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_open(checkin: CheckIn, now: datetime) -> bool:
    return checkin.closed_at is None and now < aware(checkin.closes_at)


def normalise_code(raw: str | None) -> str:
    """What the pupil typed, upper-cased, without spaces or dashes (codes are case-insensitive)."""
    return "".join(ch for ch in (raw or "")[:40] if ch not in " -\t").upper()


def is_plausible_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_CODE_ALPHABET for ch in code)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def is_submission_id(value: str | None) -> bool:
    """A canonical random (version 4) UUID, as the form was given."""
    if not value or len(value) != 36:
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value
