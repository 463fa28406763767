"""Database set-up, migrations both ways on both databases, backups and the health check."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from cmt_schools import create_app
from cmt_schools.accounts.models import School
from cmt_schools.database import begin_write
from cmt_schools.extensions import db

from .conftest import ROOT, base_test_config

# SQLite behaviour: these run on SQLite only (PostgreSQL has its own tests below).
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_sqlite_connections_use_wal_busy_timeout_foreign_keys_and_full_sync(app, backend):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@SQLITE_ONLY
def test_sqlite_write_transactions_take_the_lock_up_front(app, backend, make_school):
    school = make_school()
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    # A read does not hold the write lock...
    db.session.get(School, school.id)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    # ...a write transaction takes it before its first statement.
    begin_write()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    db.session.rollback()
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


@SQLITE_ONLY
def test_a_write_without_begin_write_is_refused(app, backend, make_school):
    school = make_school()
    school.name = "Changed without the write lock"
    with pytest.raises(RuntimeError, match="begin_write"):
        db.session.commit()
    db.session.rollback()


def _migrate(url: str, instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CMT_INSTANCE_PATH": str(instance),
        "CMT_DATABASE_URL": url,
        "CMT_SECRET_KEY": "k" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _fresh_url(backend: str, tmp_path: Path, postgres_database_url: str | None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    if not postgres_database_url:
        pytest.skip("CMT_TEST_DATABASE_URL is not set")
    # A database of its own: the shared test database has tables made by create_all.
    base = postgres_database_url.rsplit("/", 1)[0]
    name = f"cmt_migrate_{os.getpid()}_{tmp_path.name[-8:]}".lower().replace("-", "_")
    admin = create_engine(postgres_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_migrations_upgrade_from_empty_and_downgrade_to_base_with_data(
    backend_name, tmp_path, postgres_database_url
):
    url = _fresh_url(backend_name, tmp_path, postgres_database_url)
    instance = tmp_path / "instance"
    up = _migrate(url, instance, "upgrade")
    assert up.returncode == 0, up.stderr
    app = create_app(base_test_config(instance, url))
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        model_tables = {table.name for table in db.metadata.sorted_tables}
        assert model_tables <= tables, f"models without a migration: {model_tables - tables}"
        from datetime import date

        from cmt_schools.demo import seed_demo

        seed_demo(password="demo password here", today=date(2026, 11, 22))
        db.session.remove()
        db.engine.dispose()
    check = _migrate(url, instance, "check")
    assert check.returncode == 0, (
        "models differ from the migrations:\n" + check.stdout + check.stderr
    )
    down = _migrate(url, instance, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    left = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()
    again = _migrate(url, instance, "upgrade")
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_the_help_stamp_migration_gives_each_existing_school_its_own(
    backend_name, tmp_path, postgres_database_url
):
    url = _fresh_url(backend_name, tmp_path, postgres_database_url)
    instance = tmp_path / "instance"
    before = _migrate(url, instance, "upgrade", "0003o")
    assert before.returncode == 0, before.stderr
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        for name in ("Oak School", "Ash School"):
            connection.execute(
                text(
                    "INSERT INTO school (name, nation, timezone, suppression_threshold,"
                    " min_wave_size, retention_months, trusted_adults, created_at)"
                    " VALUES (:name, 'england', 'Europe/London', 10, 30, 24, 'Mr A',"
                    " CURRENT_TIMESTAMP)"
                ),
                {"name": name},
            )
    up = _migrate(url, instance, "upgrade")
    assert up.returncode == 0, up.stderr
    with engine.connect() as connection:
        stamps = connection.execute(text("SELECT help_stamp FROM school")).scalars().all()
    engine.dispose()
    assert len(stamps) == len(set(stamps)) == 2
    assert all(len(stamp) == 32 and int(stamp, 16) >= 0 for stamp in stamps)


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_the_release_migration_draws_each_finalised_check_ins_figures_once(
    backend_name, tmp_path, postgres_database_url
):
    """Migration 0005: finalised check-ins get released figures (from their answers, or
    from the old tallies where the answers were purged); the exact tallies go; down again,
    tallies come back from the answers still held."""
    url = _fresh_url(backend_name, tmp_path, postgres_database_url)
    instance = tmp_path / "instance"
    before = _migrate(url, instance, "upgrade", "0004")
    assert before.returncode == 0, before.stderr
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    held = [{"w1": v, "w2": 6 - v, "c1": 3, "c2": 2, "s1": 4, "g1": None} for v in (1, 2, 3, 4, 5)]
    with engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO school (id, name, nation, timezone, suppression_threshold,"
                " min_wave_size, retention_months, trusted_adults, help_stamp, created_at)"
                " VALUES (1, 'Oak', 'england', 'Europe/London', 12, 30, 24, 'Mr A', 'x',"
                " CURRENT_TIMESTAMP)"
            )
        )
        run(
            text(
                'INSERT INTO "user" (id, school_id, email, name, role, active,'
                " session_version, created_at) VALUES (1, 1, 't@oak.example', 'T', 'teacher',"
                " TRUE, 1, CURRENT_TIMESTAMP)"
            )
        )
        run(
            text(
                "INSERT INTO school_class (id, school_id, teacher_id, name, year_group,"
                " archived, created_at) VALUES (1, 1, 1, '8B', 8, FALSE, CURRENT_TIMESTAMP)"
            )
        )
        for check_in_id, count in ((1, 5), (2, 3), (3, None)):
            run(
                text(
                    "INSERT INTO check_in (id, school_id, class_id, kind, band, join_code,"
                    " opened_on, closes_at, max_answers, answer_count) VALUES (:id, 1, 1,"
                    " 'baseline', 'ks3', :code, '2026-09-08', '2026-09-08 15:00:00', 40,"
                    " :count)"
                ),
                {"id": check_in_id, "code": f"CODE{check_in_id}", "count": count},
            )
        for number, answers in enumerate(held):
            run(
                text(
                    "INSERT INTO answer_set (id, check_in_id, w1, w2, c1, c2, s1, g1)"
                    " VALUES (:id, 1, :w1, :w2, :c1, :c2, :s1, :g1)"
                ),
                {"id": f"00000000-0000-4000-8000-{number:012d}", **answers},
            )
        # Check-in 2's answers were purged: only its exact tallies are left (W1: 3 x 4).
        for measure, value, n in (("w1", 4.0, 3), ("worry", 62.5, 3)):
            run(
                text(
                    "INSERT INTO check_in_tally (check_in_id, measure, value, n)"
                    " VALUES (2, :measure, :value, :n)"
                ),
                {"measure": measure, "value": value, "n": n},
            )
    up = _migrate(url, instance, "upgrade")
    assert up.returncode == 0, up.stderr
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert "check_in_tally" not in tables
        releases = connection.execute(
            text("SELECT check_in_id, protection, threshold FROM check_in_release")
        ).all()
        figures = connection.execute(
            text(
                "SELECT check_in_id, measure, statistic, value, numerator, weight, noise_sd"
                " FROM released_figure"
            )
        ).all()
        protection = connection.execute(text("SELECT protection FROM school")).scalar()
    assert sorted(releases) == [(1, "standard", 12), (2, "standard", 12)]
    assert protection == "standard"
    by_check_in = {1: {}, 2: {}}
    for check_in_id, measure, statistic, value, numerator, weight, noise_sd in figures:
        assert noise_sd == pytest.approx(65.0 / weight)
        by_check_in[check_in_id][(measure, statistic, value)] = numerator / weight
    assert len(by_check_in[1]) == 43 and ("any", "n", 0) in by_check_in[1]
    assert len(by_check_in[2]) == 42 and ("any", "n", 0) not in by_check_in[2]
    # Near the exact figures (within 8 noise SDs), and not all of them exact.
    for key, exact in ((("w1", "count", 4), 3), (("w1", "count", 0), 0)):
        assert abs(by_check_in[2][key] - exact) < 8 * 2.5
    assert abs(by_check_in[1][("s1", "count", 4)] - 5) < 8 * 2.5
    assert any(v != round(v) for v in by_check_in[1].values())
    down = _migrate(url, instance, "downgrade", "0004")
    assert down.returncode == 0, down.stderr
    with engine.connect() as connection:
        tallies = connection.execute(
            text("SELECT check_in_id, measure, value, n FROM check_in_tally")
        ).all()
        tables = set(inspect(connection).get_table_names())
        # Dropping the school's new column copies the table on SQLite: nothing that points
        # at the school may go with it.
        survivors = [
            connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()  # noqa: S608
            for table in ("school", "user", "school_class", "check_in", "answer_set")
        ]
    engine.dispose()
    assert survivors == [1, 1, 1, 3, 5]
    assert "released_figure" not in tables and "check_in_release" not in tables
    assert {row[0] for row in tallies} == {1}  # the purged check-in has no exact figures now
    assert sorted((m, v, n) for _, m, v, n in tallies if m == "w1") == [
        ("w1", float(v), 1) for v in (1, 2, 3, 4, 5)
    ]


@SQLITE_ONLY
def test_backup_and_restore_drill(app, backend, runner, make_lead, make_teacher, tmp_path):
    lead = make_lead()
    make_teacher(lead.school)
    target = tmp_path / "backups" / "copy.sqlite3"
    result = runner.invoke(args=["cmt", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    restored = sqlite3.connect(target)
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    live = sqlite3.connect(db.engine.url.database)
    for table in ("school", "user", "support_contact"):
        query = f"SELECT COUNT(*) FROM {table}"  # noqa: S608 - fixed table names
        assert restored.execute(query).fetchone() == live.execute(query).fetchone()
    # The restored copy serves the app.
    copy_app = create_app(base_test_config(tmp_path / "restored", f"sqlite:///{target}"))
    client = copy_app.test_client()
    assert (
        client.post(
            "/login", data={"email": lead.email, "password": "a calm green kettle"}
        ).status_code
        == 302
    )
    again = runner.invoke(args=["cmt", "backup", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "rate_limit_storage": "ok",
        "instance_folder": "ok",
        "render_worker": "inline",
    }


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'nope.sqlite3'}"
    app = create_app(base_test_config(tmp_path / "instance", url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert response.get_json()["status"] == "down"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CMT_SECRET_KEY", raising=False)
    config = base_test_config(tmp_path / "inst", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    config.pop("SECRET_KEY")
    first = create_app(config)
    second = create_app(config)
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()


def test_database_url_selects_postgresql_with_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example:5432/cmt")
    monkeypatch.delenv("CMT_DATABASE_URL", raising=False)
    monkeypatch.setenv("CMT_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "s" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/cmt"
    monkeypatch.delenv("DATABASE_URL")
    default = create_app({"SECRET_KEY": "s" * 40})
    assert default.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'cmt.sqlite3'}"
