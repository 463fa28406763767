"""Once per device per check-in, without the server keeping anything about the device.

The pupil's browser keeps a signed cookie listing the check-ins answered on it. It holds
check-in ids (the same for every pupil who answered the same check-ins) and, while a form is
open and not yet sent, that form's submission id, so every tab of the device shows the very
same form: two tabs sent at once store one answer set. The pending id goes when the answers
are saved. None of it is stored server-side; the signature stops a device from forging or
editing the cookie. Clearing cookies lets a device answer again: the per-check-in cap
bounds what that can do.
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


MAX_PENDING = 5


@dataclass(frozen=True)
class AnsweredList:
    ids: tuple[int, ...]
    tampered: bool = False  # a cookie was sent but its signature or shape was wrong
    # Forms shown on this device and not sent yet: join code -> submission id. Keyed by
    # the code, which the request names, so a submit is checked before any look-up.
    pending: tuple[tuple[str, str], ...] = ()

    def pending_for(self, code: str) -> str | None:
        return dict(self.pending).get(code)


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeSerializer:
    # Built once per key: every pupil's submit reads and writes this cookie.
    return URLSafeSerializer(secret_key, salt="cmt-checkins-answered")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
    # A plain list is the cookie as it was before pending forms were kept.
    if isinstance(value, list):
        value = {"a": value, "p": []}
    if not isinstance(value, dict) or set(value) != {"a", "p"}:
        return AnsweredList((), tampered=True)
    answered, pending = value["a"], value["p"]
    if not isinstance(answered, list) or not all(_is_id(item) for item in answered):
        return AnsweredList((), tampered=True)
    if not isinstance(pending, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and len(pair[0]) <= 12
        and isinstance(pair[1], str)
        and len(pair[1]) == 36
        for pair in pending
    ):
        return AnsweredList((), tampered=True)
    return AnsweredList(
        tuple(answered[-MAX_REMEMBERED:]),
        pending=tuple((pair[0], pair[1]) for pair in pending[-MAX_PENDING:]),
    )


@lru_cache(maxsize=1024)
def _answered_cookie(
    secret_key: str, ids: tuple[int, ...], pending: tuple[tuple[str, str], ...], secure: bool
) -> str:
    # The same list always gives the same header, and in a burst most devices are sent the
    # same one-id list, so each header is made once. Max-Age alone sets the lifetime (no
    # Expires date, which would change every second and could not be kept).
    value = {"a": list(ids), "p": [list(pair) for pair in pending]}
    return dump_cookie(
        COOKIE_NAME,
        _serializer_for(secret_key).dumps(value),
        max_age=MAX_AGE_SECONDS,
        sync_expires=False,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def _set(response: Response, ids: tuple[int, ...], pending: tuple[tuple[str, str], ...]) -> None:
    config = current_app.config
    response.headers.add(
        "Set-Cookie",
        _answered_cookie(config["SECRET_KEY"], ids, pending, bool(config["SESSION_COOKIE_SECURE"])),
    )


def remember_answered(
    response: Response, answered: AnsweredList, check_in_id: int, code: str
) -> None:
    """The device answered this check-in: list it, and forget its pending form."""
    ids = (*[i for i in answered.ids if i != check_in_id][-(MAX_REMEMBERED - 1) :], check_in_id)
    pending = tuple(pair for pair in answered.pending if pair[0] != code)
    _set(response, ids, pending)


def remember_pending(
    response: Response, answered: AnsweredList, code: str, submission_id: str
) -> None:
    """The device was shown this check-in's form (by its join code), with this id."""
    if answered.pending_for(code) == submission_id:
        return
    others = [pair for pair in answered.pending if pair[0] != code]
    pending = (*others[-(MAX_PENDING - 1) :], (code, submission_id))
    _set(response, answered.ids, pending)


def forget_tampered(response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
