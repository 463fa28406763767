"""Browsers a staff member has signed in on before, so a guesser cannot lock them out there.

Failed sign-ins are counted per account *and network* (accounts/views.py): a guesser on
another network never slows the real teacher down. On the same network (a school behind
one address, a pupil guessing a teacher's password) the pair is shared, so a browser on
which this account signed in before carries a signed cookie naming the account (by a
keyed hash), and its tries are counted on their own. This is OWASP's "device cookie"
defence against lock-out: the guesser cannot make such a cookie without the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "cmt_known_device"
LIFETIME_SECONDS = 180 * 24 * 60 * 60
# A shared staffroom computer remembers its last few accounts.
ACCOUNTS_KEPT = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="cmt-known-device")


def _account_tag(email: str) -> str:
    key = f"{current_app.secret_key}:known-device".encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:16]


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=LIFETIME_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        return None
    return data


def limit_key_for(email: str) -> str | None:
    """The throttle key of this browser for this account, if the account signed in here."""
    data = _read()
    if data is None or _account_tag(email) not in data["accounts"]:
        return None
    return f"login-device:{data['device']}:{_account_tag(email)}"


def remember(response: Response, email: str) -> None:
    """After a good sign-in: this browser is known for this account from now on."""
    data = _read() or {"device": secrets.token_hex(8), "accounts": []}
    tag = _account_tag(email)
    accounts = [tag, *(other for other in data["accounts"] if other != tag)][:ACCOUNTS_KEPT]
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps({"device": str(data["device"]), "accounts": accounts}),
        max_age=LIFETIME_SECONDS,
        path=url_for("accounts.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
