"""Rate limits shared across gunicorn workers through Redis (CMT_RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import requests

from cmt_schools import create_app
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
from .conftest import PASSWORD, base_test_config, free_port, start_server, stop_server

REDIS_SERVER = os.environ.get("CMT_REDIS_SERVER", "redis-server")

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url():
    url = os.environ.get("CMT_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CMT_REQUIRE_SERVICES") == "1":
            pytest.fail("CMT_TEST_REDIS_URL is required in CI")
        pytest.skip("CMT_TEST_REDIS_URL is not set")
    return url


def post_login(url: str, email: str) -> int:
    body = urllib.parse.urlencode({"email": email, "password": "wrong guess here"}).encode()
    request = urllib.request.Request(url + "/login", data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_login_limit_holds_across_two_workers_sharing_redis(tmp_path, redis_url):
    import redis

    prefix = "cmt-test-" + secrets.token_hex(4)
    database = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    app = create_app(base_test_config(tmp_path / "instance", database))
    with app.app_context():
        db.create_all()
    url, process, _log = start_server(
        tmp_path / "instance",
        database,
        workers=2,
        extra_env={
            "CMT_RATELIMIT_STORAGE_URI": redis_url,
            "CMT_RATELIMIT_KEY_PREFIX": prefix,
            "CMT_LOGIN_LIMIT_PER_ACCOUNT": "6 per minute",
            "CMT_WTF_CSRF_ENABLED": "false",
        },
    )
    try:
        statuses = [post_login(url, "someone@example.org") for _ in range(10)]
    finally:
        stop_server(process)
    # Both workers answered from one count: with per-process memory storage each worker
    # would allow six of its own.
    assert statuses[:6] == [401] * 6
    assert statuses[6:] == [429] * 4
    client = redis.Redis.from_url(redis_url)
    keys = client.keys(f"*{prefix}*")
    assert keys, "the limiter wrote nothing to Redis"
    client.delete(*keys)


# ---------------------------------------------------------------- when Redis stops


class OwnRedis:
    """A redis-server of this test's own, on a free port: stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        arguments += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            [REDIS_SERVER, *arguments],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which(REDIS_SERVER):
        if os.environ.get("CMT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{REDIS_SERVER} is required in CI")
        pytest.skip(f"{REDIS_SERVER} is not installed")
    server = OwnRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def health_of(session: requests.Session, base: str) -> tuple[int, dict]:
    response = session.get(base + "/healthz", timeout=10)
    return response.status_code, response.json()


def staff_signs_in(base: str, email: str, password: str) -> int:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10)
    token = TOKEN.search(page.text).group(1)
    response = browser.post(
        base + "/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


def pupil_joins_and_sends(base: str, code: str) -> tuple[int, int, bool]:
    device = requests.Session()
    joined = device.get(base + "/join", params={"code": code}, timeout=10)
    fields = form_fields(joined.text)
    sent = device.post(f"{base}/join/{code}", data={**fields, **ALL_THREES}, timeout=10)
    return joined.status_code, sent.status_code, SAVED in sent.text


def test_when_redis_stops_pupils_join_and_staff_sign_in_and_healthz_says_degraded(
    tmp_path, own_redis
):
    instance = tmp_path / "instance"
    database = f"sqlite:///{tmp_path / 'redis-down.sqlite3'}"
    app = create_app(base_test_config(instance, database))
    with app.app_context():
        db.create_all()
        teacher = make_teacher_in(app)
        checkin = open_for(make_class(teacher), teacher)
        code, email = checkin.join_code, teacher.email
        url, process, log = start_server(
            instance,
            database,
            extra_env={
                "CMT_RATELIMIT_STORAGE_URI": own_redis.url,
                "CMT_LOGIN_LIMIT_PER_ACCOUNT": "5 per minute",
            },
        )
        try:
            monitor = requests.Session()
            assert health_of(monitor, url) == (200, HEALTHY)
            assert pupil_joins_and_sends(url, code) == (200, 200, True)
            assert staff_signs_in(url, email, PASSWORD) == 302
            assert staff_signs_in(url, email, "a wrong password") == 401
            assert requests.get(url + "/join?code=WRONG1", timeout=10).status_code == 404
            assert redis_keys(own_redis.url), "the limiter wrote nothing to this Redis"

            own_redis.stop()  # mid-test, with the server running

            status, body = health_of(monitor, url)
            assert status == 200
            assert body == {**HEALTHY, "status": "degraded", "rate_limit_storage": "unreachable"}
            for _ in range(3):
                assert pupil_joins_and_sends(url, code) == (200, 200, True)
            assert requests.get(url + "/join?code=WRONG2", timeout=10).status_code == 404
            assert staff_signs_in(url, email, PASSWORD) == 302
            # Limits still hold, counted in the process's memory meanwhile.
            wrong = [staff_signs_in(url, email, f"wrong {i}") for i in range(7)]
            assert wrong == [401] * 5 + [429] * 2

            own_redis.start()
            assert health_of(monitor, url) == (200, HEALTHY)
        finally:
            stop_server(process)
        server_log = log.read_text()
        assert "Rate limit storage unreachable" in server_log
        assert "rate_limit_storage is unreachable" in server_log
        assert "rate_limit_storage is ok again" in server_log
        assert answer_count(checkin.id) == 4
        db.session.remove()
        db.engine.dispose()


HEALTHY = {
    "status": "ok",
    "database": "ok",
    "rate_limit_storage": "ok",
    "instance_folder": "ok",
    "render_worker": "inline",
}


def make_teacher_in(app):
    from cmt_schools.accounts import services as accounts

    school = accounts.create_school("Redis Down Primary", "england")
    return accounts.create_user(
        school,
        email="teacher@redis-down.example",
        name="A Teacher",
        role="teacher",
        password=PASSWORD,
    )


def redis_keys(url: str) -> list:
    import redis

    return redis.Redis.from_url(url).keys("*")
