"""Rate limits shared across gunicorn workers through Redis (CMT_RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest

from cmt_schools import create_app
from cmt_schools.extensions import db

from .conftest import base_test_config, start_server, stop_server

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
