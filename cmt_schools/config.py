"""Configuration defaults. Later layers override: instance/config.py, CMT_* env, test mapping."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import ClassVar


class Defaults:
    # Off outside development; `make run` turns LOCAL_DEVELOPMENT on for plain-HTTP cookies.
    DEBUG = False
    LOCAL_DEVELOPMENT = False
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "cmt_session"
    # The signed-in session: ends after this long without a request, and after this long at all.
    IDLE_TIMEOUT = timedelta(minutes=30)
    ABSOLUTE_TIMEOUT = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Sensitive changes need the password to have been entered this recently.
    REAUTH_WINDOW = timedelta(minutes=10)
    INVITATION_LIFETIME = timedelta(days=7)

    WTF_CSRF_TIME_LIMIT = 3600 * 4
    # Flask-WTF's strict HTTPS check wants a same-site Referer, but every page is sent with
    # Referrer-Policy: no-referrer (join codes sit in URLs), so browsers send none and every
    # form would be refused over HTTPS. The signed CSRF token (plus SameSite=Lax cookies)
    # is the protection; the Referer check adds nothing a token does not already give.
    WTF_CSRF_SSL_STRICT = False
    MAX_CONTENT_LENGTH = 256 * 1024

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"
    # When the storage (Redis) cannot be reached, limits are counted in each process's
    # memory until it answers again, and nobody gets a 500 for it: Flask-Limiter logs a
    # warning and /healthz reports rate_limit_storage "unreachable".
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Seconds to wait for Redis before counting in memory instead (redis:// storage only).
    RATELIMIT_STORAGE_TIMEOUT = 0.5
    # Failed sign-ins per account and network (never per network alone: a school shares one
    # address). A browser the account signed in on before counts on its own.
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 5 minutes"
    # Trust X-Forwarded-For from this many proxies (0: the app faces clients directly).
    PROXY_FIX_X_FOR = 0

    DEMO_PASSWORD: str | None = None

    # Invitation and reset links go by email when MAIL_SMTP_HOST is set (docs/operations.md);
    # without it the lead copies the link from the staff page and sends it themselves.
    MAIL_SMTP_HOST: str | None = None
    MAIL_SMTP_PORT = 587
    # "starttls" (port 587), "ssl" (implicit TLS, port 465) or "none" (a relay on localhost).
    MAIL_SMTP_SECURITY = "starttls"
    MAIL_SMTP_USERNAME: str | None = None
    MAIL_SMTP_PASSWORD: str | None = None
    MAIL_SMTP_TIMEOUT = 10.0
    MAIL_FROM: str | None = None

    # Packs and term summaries are rendered by a worker (`flask --app app cmt worker`) and
    # kept in the database (cmt_schools/renders/). The queue: unset for an SQLite file in
    # the instance folder (one machine), redis://... for several hosts, "inline" to render
    # in the request (tests).
    RENDER_QUEUE_URL: str | None = None
    RENDER_QUEUE_NAME = "cmt-renders"
    RENDER_QUEUE_TIMEOUT = 1.0  # seconds to wait for the queue's storage before rendering here
    RENDER_WORKER_THREADS = 2
    # The worker's CPU priority below the web workers' (os.nice): on a machine that runs
    # both, a render gives way to the requests pupils and staff are waiting for.
    RENDER_WORKER_NICENESS = 10
    # Render what a change alters as soon as it is committed, after this many seconds (a
    # burst of changes, such as a plan laid out, then makes one round of renders).
    RENDER_AHEAD = True
    RENDER_AHEAD_DELAY_SECONDS = 5.0
    # The worker renders every school's files for the coming week when it starts (after a
    # deployment that changed a lesson, they are new files).
    RENDER_WARM_ON_START = True
    RENDER_STORE_MAX_BYTES = 512 * 1024 * 1024
    RENDER_STORE_MAX_FILES = 2000


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_or_create_secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, writing a new random one the first time.

    O_EXCL makes the first write safe when several workers start at once.
    """
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{key_file} holds too short a secret key; delete it to make a new one")
    return key
