"""Fixtures every feature's tests reuse.

- `app`: a fresh app on SQLite, and again on PostgreSQL when CMT_TEST_DATABASE_URL is set,
  with tables created and an app context pushed. SQLite tests start from a copy of one
  template file made per session; PostgreSQL tests share one database per session, emptied
  after each test.
- `client`, `runner`, `auth`: the test client, the CLI runner and a sign-in helper.
- `make_school`, `make_lead`, `make_teacher`: factories returning callables.
- `live_server`: the app in a real gunicorn process on a free port (SQLite file).
- `browser`, `page`, `axe_check`: Debian's Chromium through Playwright, and axe-core.
"""

from __future__ import annotations

import inspect
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import argon2.profiles
import jinja2
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

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
# Tests hash with argon2id at argon2-cffi's own test profile (one pass over 8 KiB): the same
# code and hash format, at a fraction of a millisecond instead of tens of milliseconds per
# sign-in. Only tests do: test_accounts.py checks that the app's own defaults stay at or
# above OWASP's minimum.
FAST_ARGON2 = {
    "ARGON2_TIME_COST": argon2.profiles.CHEAPEST.time_cost,
    "ARGON2_MEMORY_KIB": argon2.profiles.CHEAPEST.memory_cost,
    "ARGON2_PARALLELISM": argon2.profiles.CHEAPEST.parallelism,
}
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
        # Files are rendered in the request that asks (tests/test_renders.py runs a worker).
        "RENDER_QUEUE_URL": "inline",
        "RENDER_AHEAD": False,
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file with every table and no rows, made once per session (and xdist worker).
    Each test starts from a copy of it: copying a file is quicker than creating the tables."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    template_app = create_app(base_test_config(folder / "instance", f"sqlite:///{path}"))
    with template_app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists(), "the template must be one self-contained file"
    return path


def fresh_sqlite(template: Path, path: Path) -> str:
    """A new database at `path` with every table (a copy of the template); its URL."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


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


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates, shared by every test's app in this process.

    Each test makes a new app, and so a new Jinja environment that would compile every page
    it renders again. Jinja checks each entry against the template's source, so an edited
    template is compiled anew; what the pages render is unchanged.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


@pytest.fixture(scope="session", autouse=True)
def url_builders_compiled_once() -> Iterator[None]:
    """Werkzeug compiles two URL builders (Python code) for every route each time an app is
    made: 40 ms of the 60 ms a test's app took. A builder depends only on its rule, so in
    tests each is compiled once per process and reused by every later app's same rule."""
    compile_builder = Rule._compile_builder
    # Fail loudly, not subtly, if a Werkzeug release changes what this wraps.
    assert list(inspect.signature(compile_builder).parameters) == ["self", "append_unknown"]
    builders: dict[tuple, Callable] = {}

    def compile_once(self: Rule, append_unknown: bool = True) -> Callable:
        defaults = tuple(
            sorted(
                (name, repr(value), type(self._converters.get(name)))
                for name, value in (self.defaults or {}).items()
            )
        )
        key = (append_unknown, self.rule, tuple(self._trace), defaults)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = compile_once
    yield
    Rule._compile_builder = compile_builder


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
def app(
    backend, tmp_path, postgres_database_url, postgres_schema_ready, sqlite_template, app_config
):
    url = database_url_for(backend, tmp_path, postgres_database_url)
    if backend == "sqlite":
        fresh_sqlite(sqlite_template, tmp_path / "test.sqlite3")
    app = create_app({**base_test_config(tmp_path / "instance", url), **app_config})
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        if backend == "postgresql" and not postgres_schema_ready["created"]:
            db.drop_all()
            db.create_all()
            postgres_schema_ready["created"] = True
        yield app
        db.session.remove()
        if backend == "postgresql":
            empty_postgres(postgres_schema_ready)
        db.engine.dispose()


def empty_postgres(state: dict) -> None:
    """Empty every table and restart every id sequence, for the next test.

    DELETE, children before parents, then ALTER SEQUENCE ... RESTART, in one round trip:
    on tables this small it took 3 ms a test here, where TRUNCATE ... RESTART IDENTITY took
    26 ms and a new database copied from a template 25 ms (each the median of 13 resets).
    """
    with db.engine.begin() as connection:
        if "empty" not in state:
            sequences = connection.scalars(
                text(
                    "SELECT sequence_name FROM information_schema.sequences"
                    " WHERE sequence_schema = current_schema()"
                )
            )
            state["empty"] = "; ".join(
                [f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables)]  # noqa: S608
                + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
            )
        connection.exec_driver_sql(state["empty"])


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
    instance: Path,
    database_url: str,
    *,
    workers: int = 1,
    extra_env: dict | None = None,
    app_module: str = "app:app",
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
        # No worker runs beside these servers: each renders its files in the request.
        "CMT_RENDER_QUEUE_URL": "inline",
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
            app_module,
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


@contextmanager
def server_of_its_own(
    folder: Path, prepare: Callable[[], None] | None = None, **start_options
) -> Iterator[LiveServer]:
    """A real server on an SQLite file of its own in `folder`, for a module's tests: the tables
    made and `prepare` run (in an app context: a school, its staff) before it starts.

    No app context stays pushed while it runs: other modules' tests may run in between.
    `start_options` go to start_server (another app module, extra environment)."""
    instance = folder / "instance"
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    app = create_app(base_test_config(instance, url))
    with app.app_context():
        db.create_all()
        if prepare is not None:
            prepare()
        db.session.remove()
    server_url, process, log_path = start_server(instance, url, **start_options)
    try:
        yield LiveServer(server_url, app, process, log_path, instance)
    finally:
        stop_server(process)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path, sqlite_template) -> Iterator[LiveServer]:
    """The app in a real gunicorn process; `live_server.app` shares its SQLite database."""
    instance = tmp_path / "live-instance"
    url = fresh_sqlite(sqlite_template, tmp_path / "live.sqlite3")
    app = create_app(base_test_config(instance, url))
    with app.app_context():
        server_url, process, log_path = start_server(instance, url)
        try:
            yield LiveServer(server_url, app, process, log_path, instance)
        finally:
            stop_server(process)
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def lessons_with_resources(tmp_path_factory, monkeypatch):
    """The app's curriculum read from a copy in which ks2/02 ships three test resources
    (curriculum_fixtures.APP_RESOURCES): the lesson, for the test's own use."""
    from cmt_schools.curriculum import loader

    from .curriculum_fixtures import APP_LESSON, install_lessons_with_resources

    install_lessons_with_resources(tmp_path_factory.mktemp("curriculum"), monkeypatch)
    yield loader.load_curriculum().lesson(APP_LESSON)
    monkeypatch.undo()
    loader.load_curriculum.cache_clear()


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
