"""Database engine set-up: SQLite pragmas, and write transactions that take the lock up front.

On SQLite a transaction that reads first and writes later cannot wait for the write lock:
under a burst it fails at once with "database is locked", whatever the busy timeout. So
every use case that writes starts with `begin_write()`, which opens its transaction with
BEGIN IMMEDIATE; concurrent writers then queue on the busy timeout instead of failing.
Reads use plain (deferred) transactions, which in WAL mode never block or wait for writers.
A flush outside a write transaction is refused, so a forgotten `begin_write()` fails in
tests rather than under load.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session

from .extensions import db

WRITE_OPTION = "cmt_write"


def sqlite_engine_options(busy_timeout_ms: int) -> dict:
    # pysqlite's own transaction handling is switched off (isolation_level=None) so that
    # the "begin" hook below can choose BEGIN or BEGIN IMMEDIATE itself.
    return {"connect_args": {"timeout": busy_timeout_ms / 1000, "isolation_level": None}}


def begin_write() -> None:
    """Start this use case's write transaction now (on SQLite: BEGIN IMMEDIATE).

    A read-only transaction still open from earlier in the request is ended first; the
    objects it loaded reload on next use, inside the write transaction.
    """
    session = db.session()
    if session.in_transaction():
        if session.connection().info.get(WRITE_OPTION):
            return
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def on_postgresql() -> bool:
    """Whether the app's one engine is PostgreSQL (asked on every pupil's submit: it reads
    the engine's dialect, cheaper than asking the session for its bind)."""
    return db.engine.dialect.name == "postgresql"


def autocommit_connection() -> Connection:
    """A connection of its own in autocommit, for a write that is one statement.

    On PostgreSQL such a statement is its own transaction: sent without BEGIN and COMMIT
    it takes one round trip to the database instead of three, and it returns only once
    committed. (Not for SQLite, whose writers take the write lock with begin_write().)
    """
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout, foreign keys on and FULL sync on every new connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Check-in answers must survive a power cut once the pupil has seen "saved".
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = bool(connection.get_execution_options().get(WRITE_OPTION))
        connection.info[WRITE_OPTION] = write
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@event.listens_for(Session, "before_flush")
def _refuse_writes_outside_a_write_transaction(session: Session, _context, _instances) -> None:
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if not session.connection().info.get(WRITE_OPTION):
        raise RuntimeError(
            "write outside a write transaction: call begin_write() before changing rows"
        )


def init_database(app: Flask) -> None:
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def make_instance_folder_for(url: str, instance_path: str) -> None:
    """Create the instance folder when the SQLite file lives in it (a new server's first
    `db upgrade`): SQLite makes files, never folders. Flask leaves the folder to the app.
    A database elsewhere is the operator's to place; a folder that cannot be made is left
    to the first connection to report, and /healthz to name."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(instance_path)
    if Path(database).resolve().parent == folder.resolve():
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
