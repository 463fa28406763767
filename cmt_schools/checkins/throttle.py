"""Slowing down join-code guessing without holding a school's pupils back.

What it does:
- Only *wrong* codes count: the limit is deducted when the answer is "no such code" (404),
  per network (an IPv4 address or an IPv6 /64) as core/network.py keys it, so storage
  holds a keyed hash, never an address.
- A right code is never counted, and on its own school's network it is never refused:
  a network where the school's staff have been signed in today (`remember_where_staff_are`)
  lets that school's codes through whatever wrong codes came from it. One pupil with a
  script cannot stop a school's morning.
- Elsewhere, a network over the limit is told "wait" for every code, right or wrong. If a
  right code still got through there, the limit would tell a guesser which codes are
  right, and guessing would run as fast as the server answers.

Why guessing stays infeasible: codes are 6 characters from 24, so 24**6 = 191,102,976
codes. A network may send 300 wrong codes per 10 minutes (moving window), 43,200 a day;
past that it learns nothing. With 100 check-ins open at once (each stays open a week at
most) a guess hits one with probability 100 / 191,102,976, so one network needs on average
1,911,030 guesses, 44 days of non-stop guessing, per hit; with 1,000 open, 4.4 days. A hit
lets the guesser add answers to one check-in (capped at its class size plus a margin) and
shows them nothing. On a school's own network its own codes pass at server speed, but
that network already sees them on the board, and only its school's few open check-ins
(about 10 at once: 19 million guesses per hit) are there to find. A guesser with many
networks is bounded by the same arithmetic per network.
"""

from __future__ import annotations

import logging
import time

from flask import Response, current_app, g, request, session

from ..accounts.sessions import has_signed_in_user
from ..core.network import hashed_client_network
from ..extensions import limiter

SCOPE = "checkin-join"
THROTTLED_ENDPOINTS = frozenset({"checkins.join", "checkins.join_code"})
# A note that a network is a school's lasts the day: its key is a keyed hash whose secret
# changes every (UTC) day, so tomorrow's key is another one anyway.
STAFF_NETWORK_SECONDS = 24 * 60 * 60
# A signed-in session notes its network at most this often.
STAFF_NETWORK_REFRESH_SECONDS = 30 * 60

logger = logging.getLogger(__name__)


def hashed_address_key() -> str:
    """The limiter key for wrong join codes: a keyed hash of the network, never the address."""
    return "join:" + hashed_client_network("join")


def join_limit() -> str:
    return current_app.config.get("CHECKIN_JOIN_LIMIT", "300 per 10 minutes")


def was_wrong_code(response: Response) -> bool:
    """Deduct only when the answer was "no check-in with that code" (404)."""
    return response.status_code == 404


join_throttle = limiter.shared_limit(
    join_limit, scope=SCOPE, key_func=hashed_address_key, deduct_when=was_wrong_code
)


@limiter.request_filter
def _join_pages_are_throttled_where_they_look_the_code_up() -> bool:
    # Flask-Limiter also checks each request before its view runs (for limits it knows the
    # view calls). On the join pages that would refuse a right code before anyone looked
    # it up, and cost every pupil's submit a look-up of the limit: the throttle runs only
    # from `check_code`, once the code has been looked up.
    return request.endpoint in THROTTLED_ENDPOINTS and not g.get("checking_join_throttle")


@join_throttle
def _count_wrong_codes() -> None:
    """Raises 429 when this network is over the limit; the limit counts a 404 answer."""


def check_code(school_id: int | None) -> None:
    """After looking a code up: let it through, or count it and refuse it past the limit.

    `school_id` is the school of the check-in the code found, None for a wrong code.
    """
    # Looked up for a wrong code too, so how long the answer takes does not tell them apart.
    if _is_staff_network(school_id if school_id is not None else 0):
        return
    g.checking_join_throttle = True
    try:
        _count_wrong_codes()
    finally:
        g.checking_join_throttle = False


# ---------------------------------------------------------------- a school's own networks


def _staff_network_key(school_id: int) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return f"{prefix}school-network:{school_id}:{hashed_client_network('staff')}"


def _storage():
    # The limiter's storage, or its in-memory stand-in while that is unreachable.
    return limiter.limiter.storage


def _is_staff_network(school_id: int) -> bool:
    try:
        return bool(_storage().get(_staff_network_key(school_id)))
    except Exception as error:  # storage down: the limit alone decides, as on any network
        logger.warning(
            "join throttle: could not read the staff networks (%s)", type(error).__name__
        )
        return False


def remember_where_staff_are(response: Response) -> Response:
    """after_request: note that this network is the signed-in staff member's school's.

    Written to storage once per half hour per session and network, so a teacher's pages
    cost nothing more. Never fails the response it is given.
    """
    if response.status_code >= 400 or not has_signed_in_user():  # pupils, visitors, errors
        return response
    network = hashed_client_network("staff")
    stamp = int(time.time() // STAFF_NETWORK_REFRESH_SECONDS)
    if session.get("staff_network") == [network, stamp]:
        return response
    try:
        user = g.get("_login_user")  # the user this request loaded (Flask-Login keeps it here)
        school_id = getattr(user, "school_id", None) if user and user.is_authenticated else None
        if school_id:
            _storage().incr(_staff_network_key(school_id), STAFF_NETWORK_SECONDS)
            session["staff_network"] = [network, stamp]
    except Exception as error:
        logger.warning("join throttle: could not note a staff network (%s)", type(error).__name__)
    return response
