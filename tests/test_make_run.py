"""`make run` on a fresh instance: migrates, seeds the demo, serves, and the lead signs in;
and nothing about anyone's requests (their address, a pupil's path) reaches its output."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import FAST_ARGON2_ENV, ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_make_run_serves_the_login_and_the_demo_lead_signs_in(tmp_path, page):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CMT_INSTANCE_PATH": str(tmp_path / "instance"),
        "CMT_DEMO_PASSWORD": "make run demo words",
        **FAST_ARGON2_ENV,
    }
    env.pop("CMT_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/login", timeout=2) as response:  # noqa: S310
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "make-run.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "make-run.log").read_text()
                time.sleep(0.3)
        output = (tmp_path / "make-run.log").read_text()
        assert "lead@oakfield.example" in output and "lead" in output
        assert (tmp_path / "instance" / "cmt.sqlite3").exists()
        page.goto(base + "/login")
        page.get_by_label("Email").fill("lead@oakfield.example")
        page.get_by_label("Password").fill("make run demo words")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/dashboard")
        expect(page.get_by_role("heading", name="Hello, Sam Okafor")).to_be_visible()
        code = re.search(r"join code ([A-Z0-9]{6})", output).group(1)
        # The render worker started beside the server and is heard from.
        while json_of(base + "/healthz")["render_worker"] != "ok":
            assert time.monotonic() < deadline + 60, (tmp_path / "make-run.log").read_text()
            time.sleep(0.5)
        assert "renders: worker started" in (tmp_path / "make-run.log").read_text()
        # A pupil on another address joins the demo's open check-in, and mistypes once.
        for path in (f"/join?code={code}", f"/join/{code}", "/join?code=QQQQQQ", "/nope"):
            assert get_from(PUPIL_ADDRESS, port, path) in {200, 302, 404}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    output = (tmp_path / "make-run.log").read_text()
    assert not group_alive(process.pid, within=30), "the render worker outlived make run"
    assert PUPIL_ADDRESS not in output and "pupil-device-marker" not in output
    assert code not in output.split("join code", 1)[1].split("\n", 1)[1]
    assert "/join" not in output.split("at /join", 1)[1]
    assert not re.search(r'"(GET|POST) /', output), "the server wrote an access log"


PUPIL_ADDRESS = "127.0.0.2"


def group_alive(group: int, *, within: float) -> bool:
    """Whether any process of the group is still there after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.2)
    return True


def json_of(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return json.load(response)


def get_from(source: str, port: int, path: str) -> int:
    """GET `path` over a connection from `source` (a loopback address of its own)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers={"User-Agent": "pupil-device-marker"})
        return connection.getresponse().status
    finally:
        connection.close()
