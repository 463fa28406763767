"""`make run` on a fresh instance: migrates, seeds the demo, serves, and the lead signs in."""

from __future__ import annotations

import os
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
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
