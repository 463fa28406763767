"""What `/healthz` reports, and how a failure to write is told to the operator.

Each dependency has a state, and the whole one status a load balancer can act on:

- `database`: "ok", "read-only" (the SQLite file or its folder cannot be written, or
  PostgreSQL is a read-only replica) or "unreachable".
- `rate_limit_storage`: "ok" or "unreachable" (limits are then counted in each process's
  memory: they still hold, but per process).
- `instance_folder`: "ok" or "read-only" (rendered packs are then not kept).
- `status`: "down" (HTTP 503: take this instance out of service) when the database is
  unreachable or read-only; "degraded" (HTTP 200: keep serving, but an operator should
  look) when anything else is wrong; otherwise "ok" (HTTP 200).
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db, limiter

OK = "ok"
READ_ONLY = "read-only"
UNREACHABLE = "unreachable"
DOWN = "down"
DEGRADED = "degraded"

logger = logging.getLogger("cmt_schools.health")
# What each process last reported per dependency, so a change is logged once, not per poll.
_last_reported: dict[str, str] = {}
# Parts that features add (the render worker): name -> a function giving its state. A
# state in HEALTHY_STATES is not a reason for "degraded".
_feature_parts: dict[str, tuple[Callable[[], str], frozenset[str], Callable[[str], str]]] = {}


def add_health_part(
    name: str, state: Callable[[], str], healthy: frozenset[str], advice: Callable[[str], str]
) -> None:
    """Report `state()` as `name` in /healthz; `advice(state)` is logged when it turns bad."""
    _feature_parts[name] = (state, healthy, advice)


def _writable(path: Path) -> bool:
    """`path` can be written, or (if it does not exist yet) created, by this process."""
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return os.access(path, os.W_OK)


def sqlite_file() -> Path | None:
    """The SQLite database file, or None (PostgreSQL, or an in-memory database)."""
    url = db.engine.url  # Flask-SQLAlchemy has made a relative path the instance folder's
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def database_state() -> str:
    database = sqlite_file()
    # SQLite in WAL mode writes beside its file even to read: a read-only folder stops both.
    if (
        database is not None
        and database.exists()
        and not (_writable(database) and _writable(database.parent))
    ):
        return READ_ONLY
    try:
        db.session.execute(text("SELECT 1"))
        if database is None and db.engine.dialect.name == "postgresql":
            read_only = db.session.execute(text("SHOW transaction_read_only")).scalar()
            if read_only == "on":
                return READ_ONLY
    except SQLAlchemyError:
        return UNREACHABLE
    finally:
        db.session.rollback()
    return OK


def rate_limit_storage_state() -> str:
    try:
        return OK if limiter.storage.check() else UNREACHABLE
    except Exception:
        return UNREACHABLE


def instance_folder_state() -> str:
    return OK if _writable(Path(current_app.instance_path)) else READ_ONLY


def health() -> tuple[dict[str, str], int]:
    """The /healthz body and its HTTP status."""
    report = {
        "database": database_state(),
        "rate_limit_storage": rate_limit_storage_state(),
        "instance_folder": instance_folder_state(),
    }
    healthy = {part: frozenset({OK}) for part in report}
    for part, (state, healthy_states, _advice_for) in _feature_parts.items():
        report[part] = state()
        healthy[part] = healthy_states
    for part, state in report.items():
        _log_if_changed(part, state, healthy[part])
    if report["database"] != OK:
        return {"status": DOWN, **report}, 503
    if any(state not in healthy[part] for part, state in report.items()):
        return {"status": DEGRADED, **report}, 200
    return {"status": OK, **report}, 200


def _log_if_changed(part: str, state: str, healthy: frozenset[str] = frozenset({OK})) -> None:
    before = _last_reported.get(part, OK)
    _last_reported[part] = state
    if state == before or (state in healthy and before in healthy | {OK}):
        return
    if state in healthy:
        logger.warning("health: %s is ok again", part)
    else:
        logger.error("health: %s is %s: %s", part, state, _advice(part, state))


def _advice(part: str, state: str) -> str:
    if part in _feature_parts:
        return _feature_parts[part][2](state)
    if part == "rate_limit_storage":
        return (
            "rate limits are counted in each process's memory until it answers "
            f"({current_app.config['RATELIMIT_STORAGE_URI'].split('@')[-1]})"
        )
    if part == "database" and state == UNREACHABLE:
        return "nothing can be loaded or saved; check DATABASE_URL and the database server"
    if part == "database" and sqlite_file() is None:
        return (
            "PostgreSQL takes no writes (a read-only replica?); point DATABASE_URL at the primary"
        )
    folder = sqlite_file().parent if part == "database" else Path(current_app.instance_path)
    return _write_advice(folder)


def _write_advice(folder: Path) -> str:
    return (
        f"{folder} cannot be written by this process (uid {os.geteuid()}); make it writable "
        "by the user the app runs as, or set CMT_INSTANCE_PATH / DATABASE_URL to a place "
        "that is"
    )


def _unwritable_folder(error: BaseException) -> Path:
    """The folder a failed write was for: the one the error names, else the database's
    (if that is what cannot be written), else the instance folder."""
    where = getattr(error, "filename", None)
    if where:
        path = Path(where)
        while not path.is_dir() and path.parent != path:
            path = path.parent
        return path
    database = sqlite_file()
    if database is not None and not _writable(database.parent):
        return database.parent
    return Path(current_app.instance_path)


# ---------------------------------------------------------------- failures to write

_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_READ_ONLY_SQLSTATES = {"25006"}  # PostgreSQL: read_only_sql_transaction
_LOG_EVERY_SECONDS = 60
_last_logged = [0.0]


def is_storage_unwritable(error: BaseException) -> bool:
    """The error came from a database or instance folder that cannot be written."""
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10:
        seen += 1
        if isinstance(current, OSError) and current.errno in _READ_ONLY_ERRNOS:
            return True
        if getattr(current, "sqlstate", None) in _READ_ONLY_SQLSTATES:
            return True
        if type(current).__module__.startswith("sqlite3") and _sqlite_cannot_write(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _sqlite_cannot_write(error: BaseException) -> bool:
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith("SQLITE_READONLY"):
        return True
    # "unable to open database file": a folder that cannot be written (or does not exist).
    if name.startswith("SQLITE_CANTOPEN"):
        database = sqlite_file()
        return database is not None and not _writable(database.parent)
    return False


def report_unwritable(error: BaseException) -> None:
    """Tell the operator what is wrong and what to do (at most once a minute per process)."""
    now = time.monotonic()
    if now - _last_logged[0] < _LOG_EVERY_SECONDS:
        return
    _last_logged[0] = now
    if getattr(error, "sqlstate", None) in _READ_ONLY_SQLSTATES:
        advice = _advice("database", READ_ONLY)
    else:
        advice = _write_advice(_unwritable_folder(error))
    logger.error("storage is read-only (%s): %s", type(error).__name__, advice)


def _on_database_error(context) -> None:
    # Services that catch database errors themselves (a pupil's "not saved, try again")
    # log only the kind of error; the operator still learns why from here.
    try:
        if is_storage_unwritable(context.original_exception):
            report_unwritable(context.original_exception)
    except Exception:  # outside the app (no app context): the error speaks for itself
        return


def init_health() -> None:
    if not event.contains(Engine, "handle_error", _on_database_error):
        event.listen(Engine, "handle_error", _on_database_error)
