"""Fixtures every feature's tests reuse.

- `app`: a fresh app on SQLite, and again on PostgreSQL when CMT_TEST_DATABASE_URL is set,
  with tables created and an app context pushed.
- `client`, `runner`, `auth`: the test client, the CLI runner and a sign-in helper.
- `make_school`, `make_lead`, `make_teacher`: factories returning callables.
- `live_server`: the app in a real gunicorn process on a free port (SQLite file).
- `browser`, `page`, `axe_check`: Debian's Chromium through Playwright, and axe-core.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cmt_schools import create_app
from cmt_schools.accounts import services as accounts
from cmt_schools.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a calm green kettle"
CHROMIUM = os.environ.get("CMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The cheapest argon2id settings OWASP accepts: hashing stays real but quick in tests.
FAST_ARGON2 = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_KIB": 19456, "ARGON2_PARALLELISM": 1}
FAST_ARGON2_ENV = {f"CMT_{key}": str(value) for key, value in FAST_ARGON2.items()}

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("CMT_TEST_DATABASE_URL") else [])


def base_test_config(instance: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
        **FAST_ARGON2,
    }


# ---------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str | None]:
    """A new, empty PostgreSQL database for this test session (and xdist worker)."""
    server_url = os.environ.get("CMT_TEST_DATABASE_URL")
    if not server_url:
        yield None
        return
    server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"cmt_test_{worker}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_ready() -> dict:
    return {"created": False}


def database_url_for(backend: str, tmp_path: Path, postgres_url: str | None) -> str:
    if backend == "postgresql":
        if not postgres_url:
            pytest.skip("CMT_TEST_DATABASE_URL is not set")
        return postgres_url
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to change the app's configuration."""
    return {}


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    The `app` fixture keeps an app context pushed for the test's own queries; without this,
    requests would share its `g` (and Flask-Login's cached user) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own read snapshot so it sees what the request committed.
        db.session.rollback()
        return response


@pytest.fixture
def app(backend, tmp_path, postgres_database_url, postgres_schema_ready, app_config):
    url = database_url_for(backend, tmp_path, postgres_database_url)
    app = create_app({**base_test_config(tmp_path / "instance", url), **app_config})
    app.test_client_class = IsolatedClient
    with app.app_context():
        if backend == "postgresql" and not postgres_schema_ready["created"]:
            db.drop_all()
            db.create_all()
            postgres_schema_ready["created"] = True
        elif backend == "sqlite":
            db.create_all()
        yield app
        db.session.remove()
        if backend == "postgresql":
            # Empty every table for the next test: faster than dropping the schema.
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- factories

_counter = itertools.count(1)


@pytest.fixture
def make_school(app) -> Callable:
    def make(name: str | None = None, nation: str = "england"):
        return accounts.create_school(name or f"School {next(_counter)}", nation)

    return make


@pytest.fixture
def make_user(app, make_school) -> Callable:
    def make(
        role: str,
        school=None,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
    ):
        school = school or make_school()
        number = next(_counter)
        return accounts.create_user(
            school,
            email=email or f"{role}{number}@school{school.id}.example",
            name=name or f"{role.title()} {number}",
            role=role,
            password=password,
        )

    return make


@pytest.fixture
def make_lead(make_user) -> Callable:
    return lambda school=None, **kwargs: make_user("lead", school, **kwargs)


@pytest.fixture
def make_teacher(make_user) -> Callable:
    return lambda school=None, **kwargs: make_user("teacher", school, **kwargs)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD, **kwargs):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


# ---------------------------------------------------------------- a real server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object
    process: subprocess.Popen
    log_path: Path
    instance: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start in {timeout}s:\n{log_path.read_text()}")


def start_server(
    instance: Path, database_url: str, *, workers: int = 1, extra_env: dict | None = None
) -> tuple[str, subprocess.Popen, Path]:
    port = free_port()
    log_path = instance / f"server-{port}.log"
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CMT_INSTANCE_PATH": str(instance),
        "CMT_DATABASE_URL": database_url,
        "CMT_SECRET_KEY": "live-secret-key-" + "y" * 32,
        "CMT_LOCAL_DEVELOPMENT": "true",
        **FAST_ARGON2_ENV,
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            "4",
            # The machine running the tests is shared and can be very busy: a request
            # slowed past gunicorn's default 30 s would have its worker killed.
            "--timeout",
            "120",
            "--bind",
            f"127.0.0.1:{port}",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url, process, log_path)
    except RuntimeError:
        process.kill()
        raise
    return url, process, log_path


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """The app in a real gunicorn process; `live_server.app` shares its SQLite database."""
    instance = tmp_path / "live-instance"
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    app = create_app(base_test_config(instance, url))
    with app.app_context():
        db.create_all()
        server_url, process, log_path = start_server(instance, url)
        try:
            yield LiveServer(server_url, app, process, log_path, instance)
        finally:
            stop_server(process)
            db.session.remove()
            db.engine.dispose()


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("CMT_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and CMT_REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def run_axe(page, *, allowed_impacts: tuple[str, ...] = ("minor", "moderate")) -> list[dict]:
    """axe-core (shipped inside axe-playwright-python) on the page; serious/critical fail."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") not in allowed_impacts
    ]
    assert not bad, (
        "axe-core found serious problems on "
        + page.url
        + ":\n"
        + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(str(node.get("target")) for node in v["nodes"][:3])
            for v in bad
        )
    )
    return results.response["violations"]


@pytest.fixture
def axe_check() -> Callable:
    return run_axe


def browser_login(
    page, base_url: str, email: str, password: str = PASSWORD, *, landing: str = "dashboard"
) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Teachers land on the dashboard; a lead whose school is not set up on the checklist.
    page.wait_for_url(lambda url: url.rstrip("/").endswith(("/dashboard", "/setup")))
    if landing == "dashboard" and not page.url.endswith("/dashboard"):
        page.goto(base_url + "/dashboard")
