"""The answer-set table holds the check-in and the answers: nothing else (docs/privacy.md).

These read the real tables: the one the app runs on (SQLite and PostgreSQL) and, on SQLite,
the one the migrations make. Adding a column (a time, an address, a counter) fails here.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import inspect

from cmt_schools.extensions import db

from .conftest import ROOT

ALLOWED_COLUMNS = {"id", "check_in_id", "w1", "w2", "c1", "c2", "s1", "g1", "right_now"}
ANSWER_COLUMNS = ALLOWED_COLUMNS - {"id", "check_in_id"}


def test_answer_set_has_only_the_check_in_and_the_answers(app, backend):
    inspector = inspect(db.engine)
    columns = {column["name"]: column for column in inspector.get_columns("answer_set")}
    assert set(columns) == ALLOWED_COLUMNS
    assert all(columns[name]["nullable"] for name in ANSWER_COLUMNS)
    assert inspector.get_pk_constraint("answer_set")["constrained_columns"] == ["id"]
    # The key is a UUID string, never an auto-incrementing number that counts submissions.
    assert "CHAR" in str(columns["id"]["type"]).upper()
    # No server-side defaults: no sequence, no CURRENT_TIMESTAMP slipped in.
    assert all(column.get("default") is None for column in columns.values())
    foreign = inspector.get_foreign_keys("answer_set")
    assert [(f["constrained_columns"], f["referred_table"]) for f in foreign] == [
        (["check_in_id"], "check_in")
    ]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # WITHOUT ROWID is SQLite's
def test_answer_set_is_without_rowid_on_sqlite(app, backend):
    with db.engine.connect() as connection:
        sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name='answer_set'"
        ).scalar()
        assert "WITHOUT ROWID" in sql.upper()
        with pytest.raises(Exception, match="rowid"):
            connection.exec_driver_sql("SELECT rowid FROM answer_set").all()


def test_the_migrated_sqlite_table_is_the_same(tmp_path):
    path = tmp_path / "migrated.sqlite3"
    env = {
        **os.environ,
        "CMT_INSTANCE_PATH": str(tmp_path / "instance"),
        "CMT_DATABASE_URL": f"sqlite:///{path}",
        "CMT_SECRET_KEY": "k" * 40,
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    connection = sqlite3.connect(path)
    try:
        names = {row[1] for row in connection.execute("PRAGMA table_info(answer_set)")}
        sql = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name='answer_set'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert names == ALLOWED_COLUMNS
    assert "WITHOUT ROWID" in sql.upper()
