"""Once per device per check-in, without the server keeping anything about the device.

The pupil's browser keeps a signed cookie listing the check-ins answered on it. It holds
check-in ids only (the same for every pupil who answered the same check-ins) and is never
stored server-side; the signature stops a device from forging or editing the list.
Clearing cookies lets a device answer again: the per-check-in cap bounds what that can do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.http import dump_cookie

COOKIE_NAME = "cmt_answered"
COOKIE_PATH = "/join"
MAX_REMEMBERED = 50
MAX_AGE_SECONDS = 60 * 60 * 24 * 180


@dataclass(frozen=True)
class AnsweredList:
    ids: tuple[int, ...]
    tampered: bool = False  # a cookie was sent but its signature or shape was wrong


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeSerializer:
    # Built once per key: every pupil's submit reads and writes this cookie.
    return URLSafeSerializer(secret_key, salt="cmt-checkins-answered")


def read_answered(request: Request) -> AnsweredList:
    raw = request.cookies.get(COOKIE_NAME)
    if raw is None:
        return AnsweredList(())
    if len(raw) > 2000:
        return AnsweredList((), tampered=True)
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return AnsweredList((), tampered=True)
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    ):
        return AnsweredList((), tampered=True)
    return AnsweredList(tuple(value[-MAX_REMEMBERED:]))


@lru_cache(maxsize=1024)
def _answered_cookie(secret_key: str, ids: tuple[int, ...], secure: bool) -> str:
    # The same list always gives the same header, and in a burst most devices are sent the
    # same one-id list, so each header is made once. Max-Age alone sets the lifetime (no
    # Expires date, which would change every second and could not be kept).
    return dump_cookie(
        COOKIE_NAME,
        _serializer_for(secret_key).dumps(list(ids)),
        max_age=MAX_AGE_SECONDS,
        sync_expires=False,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def remember_answered(response: Response, answered: AnsweredList, check_in_id: int) -> None:
    ids = (*[i for i in answered.ids if i != check_in_id][-(MAX_REMEMBERED - 1) :], check_in_id)
    config = current_app.config
    response.headers.add(
        "Set-Cookie",
        _answered_cookie(config["SECRET_KEY"], ids, bool(config["SESSION_COOKIE_SECURE"])),
    )


def forget_tampered(response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
