"""A read-only instance folder: the operator is told what is wrong (log and /healthz), and
pupils and staff get a kind page, not a bare "something went wrong".

The server is a real gunicorn process whose instance folder is mounted read-only (as
root, in a mount namespace of its own: root ignores file modes) or has its write
permission taken away (as anyone else).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cmt_schools import create_app
from cmt_schools.accounts import services as accounts
from cmt_schools.extensions import db

from .checkins_fixtures import (
    ALL_THREES,
    SAVED,
    TOKEN,
    answer_count,
    form_fields,
    make_class,
    open_for,
)
from .conftest import (
    FAST_ARGON2_ENV,
    PASSWORD,
    ROOT,
    IsolatedClient,
    base_test_config,
    free_port,
)

pytestmark = pytest.mark.slow
SECRET = "read-only-secret-key-" + "z" * 32


def gunicorn(port: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    return [sys.executable, "-m", "gunicorn", "--threads", "4", "--bind", bind, "app:app"]


@contextmanager
def server(instance: Path, database: str, log: Path, *, read_only: bool) -> Iterator[str]:
    port = free_port()
    command = gunicorn(port)
    restore = None
    if read_only and os.geteuid() == 0:
        # The server's own mount namespace: the instance folder is read-only for it alone.
        mount = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mount, "sh"]
        command += [str(instance), *gunicorn(port)]
    elif read_only:
        restore = instance.stat().st_mode
        instance.chmod(0o555)
    env = {
        **os.environ,
        "CMT_INSTANCE_PATH": str(instance),
        "CMT_DATABASE_URL": database,
        "CMT_SECRET_KEY": SECRET,
        "CMT_LOCAL_DEVELOPMENT": "true",
        **FAST_ARGON2_ENV,
    }
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                requests.get(url + "/login", timeout=10)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        if restore is not None:
            instance.chmod(restore)


def signed_in(url: str, email: str) -> requests.Session:
    browser = requests.Session()
    token = TOKEN.search(browser.get(url + "/login", timeout=10).text).group(1)
    response = browser.post(
        url + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    return browser


@pytest.fixture
def school(tmp_path):
    """A school with a teacher and an open check-in, in a database of `where`'s choosing."""

    def make(database: str):
        app = create_app(base_test_config(tmp_path / "setup-instance", database))
        with app.app_context():
            db.create_all()
            school = accounts.create_school("Read Only Academy", "england")
            teacher = accounts.create_user(
                school,
                email="t@read-only.example",
                name="Ada Teacher",
                role="teacher",
                password=PASSWORD,
            )
            checkin = open_for(make_class(teacher), teacher)
            found = (teacher.email, checkin.join_code, checkin.id)
            db.session.remove()
            db.engine.dispose()
        return app, found

    return make


def assert_kind_page(response, *words: str) -> None:
    page = response.text
    assert response.status_code == 503
    assert "Something went wrong" not in page and "Traceback" not in page
    for word in words:
        assert word in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_read_only_instance_holding_the_database_is_down_and_says_so_kindly(tmp_path, school):
    instance = tmp_path / "instance"
    instance.mkdir()
    database = f"sqlite:///{instance / 'cmt.sqlite3'}"
    _, (email, code, _checkin_id) = school(database)
    log = tmp_path / "server.log"
    with server(instance, database, log, read_only=False) as url:
        teachers_browser = signed_in(url, email)
    with server(instance, database, log, read_only=True) as url:
        health = requests.get(url + "/healthz", timeout=10)
        assert health.status_code == 503
        assert health.json() == {
            "status": "down",
            "database": "read-only",
            "rate_limit_storage": "ok",
            "instance_folder": "read-only",
            "render_worker": "unreachable",  # its queue file cannot be made there
        }
        assert_kind_page(
            teachers_browser.get(url + "/dashboard", timeout=10),
            "cannot open or save your school",
            "Nothing you did caused this",
        )
        pupil = requests.Session()
        assert pupil.get(url + "/join", timeout=10).status_code == 200
        assert_kind_page(
            pupil.get(f"{url}/join/{code}", timeout=10),
            "Check-ins are not working just now",
            "tell your teacher",
        )
    server_log = log.read_text()
    assert "storage is read-only" in server_log
    assert f"{instance} cannot be written by this process" in server_log
    assert "health: database is read-only" in server_log


def test_a_read_only_instance_with_the_database_elsewhere_keeps_working(tmp_path, school):
    instance = tmp_path / "instance"
    instance.mkdir()
    (tmp_path / "data").mkdir()
    database = f"sqlite:///{tmp_path / 'data' / 'cmt.sqlite3'}"
    _, (email, code, checkin_id) = school(database)
    log = tmp_path / "server.log"
    with server(instance, database, log, read_only=True) as url:
        health = requests.get(url + "/healthz", timeout=10)
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        assert health.json()["instance_folder"] == "read-only"
        assert health.json()["database"] == "ok"
        assert health.json()["render_worker"] == "unreachable"
        teachers_browser = signed_in(url, email)
        pack = teachers_browser.get(url + "/packs/lesson/ks3/01-what-compassion-is.pdf", timeout=60)
        assert pack.status_code == 200 and pack.content.startswith(b"%PDF-")
        pupil = requests.Session()
        page = pupil.get(f"{url}/join/{code}", timeout=10)
        sent = pupil.post(
            f"{url}/join/{code}", data={**form_fields(page.text), **ALL_THREES}, timeout=10
        )
        assert SAVED in sent.text
    assert not any(instance.iterdir()), "something was written in a read-only folder"
    server_log = log.read_text()
    # The render queue's file cannot be made: the pack was rendered in the request instead.
    assert "the queue cannot be reached" in server_log
    assert "health: instance_folder is read-only" in server_log
    app = create_app(base_test_config(tmp_path / "check-instance", database))
    with app.app_context():
        assert answer_count(checkin_id) == 1
        db.session.remove()
        db.engine.dispose()


def test_a_read_only_postgresql_is_reported_and_refuses_kindly(tmp_path):
    server_url = os.environ.get("CMT_TEST_DATABASE_URL")
    if not server_url:
        pytest.skip("CMT_TEST_DATABASE_URL is not set")
    server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"cmt_read_only_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        app = create_app(base_test_config(tmp_path / "instance", url))
        app.test_client_class = IsolatedClient  # each request in an app context of its own
        with app.app_context():
            db.create_all()
            school = accounts.create_school("Replica Academy", "england")
            teacher = accounts.create_user(
                school, email="teacher@replica.example", name="Rita Teacher", role="teacher",
                password=PASSWORD,
            )  # fmt: skip
            client = app.test_client()
            client.post("/login", data={"email": teacher.email, "password": PASSWORD})
            db.session.remove()
            db.engine.dispose()
            with admin.connect() as connection:  # as a hot standby would be
                connection.execute(
                    text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
                )
            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.get_json()["database"] == "read-only"
            data = {"name": "8B", "year_group": "8", "band_override": ""}
            response = client.post("/classes/new", data=data)
            assert response.status_code == 503
            assert "cannot open or save your school" in response.get_data(as_text=True)
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
