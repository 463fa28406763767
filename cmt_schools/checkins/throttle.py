"""Slowing down join-code guessing without recording who the pupils are.

The choice, and why:
- Only *wrong* codes count (the limit is deducted when the answer is "no such code"), so a
  class typing the right code from the board is never slowed down.
- The count is kept per network address, because that is what a guesser cannot easily
  change. But a whole school shares one address, and nothing about a pupil's request
  may be written to rate-limit storage (docs/privacy.md). So the limiter never sees the address:
  its key is an HMAC of the address under a secret that changes every day (derived from the
  app's secret key), cut to 16 hex digits. Redis (or memory) holds only that; without the
  app's secret it cannot be turned back into an address, and keys from different days
  cannot be linked to each other. Entries expire with the limit's window anyway.
- The limit is generous (default 300 wrong codes per 10 minutes per address): a school of
  several classes joining at once, with some typos, stays far below it. What really stops
  guessing is the code space: 24**6 (about 191 million) codes, so at the limit a guesser
  needs on average about six weeks of non-stop guessing to hit any one of a hundred open
  check-ins, and a hit only lets them add answers to one check-in (capped at its class size
  plus a margin; nothing is ever shown to a pupil). A guesser with many addresses is
  bounded by the same arithmetic per address.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from functools import lru_cache

from flask import Response, current_app, request

SCOPE = "checkin-join"
DAY_SECONDS = 24 * 60 * 60


def _secret_for_today() -> bytes:
    return _secret_for_day(str(current_app.config["SECRET_KEY"]), int(time.time() // DAY_SECONDS))


@lru_cache(maxsize=4)
def _secret_for_day(secret_key: str, day: int) -> bytes:
    return hmac.new(
        secret_key.encode(), f"cmt-join-throttle:{day}".encode(), hashlib.sha256
    ).digest()


def hashed_address_key() -> str:
    """The limiter key for wrong join codes: a keyed hash of the address, never the address."""
    address = (request.remote_addr or "unknown").encode()
    digest = hmac.new(_secret_for_today(), address, hashlib.sha256).hexdigest()[:16]
    return f"join:{digest}"


def join_limit() -> str:
    return current_app.config.get("CHECKIN_JOIN_LIMIT", "300 per 10 minutes")


def was_wrong_code(response: Response) -> bool:
    """Deduct only when the answer was "no check-in with that code" (404)."""
    return response.status_code == 404
