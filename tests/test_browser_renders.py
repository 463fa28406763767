"""A teacher downloads a term pack that is not made yet, in Chromium: the progress page (no
JavaScript of its own: a refresh), a real worker starts and makes the pack, the page says
it is ready and the browser downloads it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cmt_schools import create_app
from cmt_schools.demo import DEMO_TEACHERS, seed_demo
from cmt_schools.extensions import db
from cmt_schools.renders import queue_of
from cmt_schools.scheduling.models import SchoolClass

from .conftest import (
    PASSWORD,
    ROOT,
    base_test_config,
    browser_login,
    fresh_sqlite,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.browser


def start_worker(app, instance, database, environment, tmp_path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "cmt", "worker"],
        cwd=ROOT,
        env={
            **os.environ,
            "CMT_INSTANCE_PATH": str(instance),
            "CMT_DATABASE_URL": database,
            "CMT_SECRET_KEY": app.config["SECRET_KEY"],
            **environment,
        },
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_pack_not_made_yet_shows_progress_then_downloads(
    browser, javascript, tmp_path, sqlite_template, axe_check
):
    """With JavaScript the page asks again without reloading; without, it refreshes."""
    context = browser.new_context(
        locale="en-GB", timezone_id="Europe/London", java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    instance = tmp_path / "instance"
    database = fresh_sqlite(sqlite_template, tmp_path / "live.sqlite3")
    queue_url = f"sqlite:///{tmp_path / 'render-queue.sqlite3'}"
    app = create_app({**base_test_config(instance, database), "RENDER_QUEUE_URL": queue_url})
    # The worker goes straight to the pack asked for (not every class's week first).
    environment = {"CMT_RENDER_QUEUE_URL": queue_url, "CMT_RENDER_WARM_ON_START": "false"}
    with app.app_context():
        seed_demo(password=PASSWORD, today=date.today())
        teacher_email = DEMO_TEACHERS[0][0]
        school_class = db.session.scalars(select(SchoolClass).where(SchoolClass.name == "8B")).one()
        class_id, class_name = school_class.id, school_class.name
        db.session.remove()
        queue = queue_of(app)
        # A worker was heard from a moment ago (and is busy): downloads wait for it.
        queue.beat()
        server_url, server, _log = start_server(instance, database, extra_env=environment)
    worker = None
    try:
        browser_login(page, server_url, teacher_email)
        page.goto(f"{server_url}/classes/{class_id}")
        page.get_by_role("link", name="Term pack (PDF)").click()
        expect(
            page.get_by_role("heading", name=f"Making the term pack for {class_name}")
        ).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("usually takes less than a minute")
        if javascript:
            axe_check(page)  # axe needs scripts; without them the page is the same markup

        with page.expect_download(timeout=180_000) as download_info:
            worker = start_worker(app, instance, database, environment, tmp_path)
        download = download_info.value
        assert download.suggested_filename == f"{class_name}-term-pack.pdf"
        assert download.path().read_bytes().startswith(b"%PDF-")
        expect(
            page.get_by_role("heading", name=f"The term pack for {class_name} is ready")
        ).to_be_visible()
        expect(page.get_by_role("link", name="Download it")).to_be_visible()
        if javascript:
            axe_check(page)
    finally:
        context.close()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        stop_server(server)
        with app.app_context():
            queue_of(app).huey.storage.flush_all()
            db.engine.dispose()


def test_a_leads_export_of_the_schools_data_waits_for_the_worker_then_downloads(
    browser, tmp_path, sqlite_template, axe_check
):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    instance = tmp_path / "instance"
    database = fresh_sqlite(sqlite_template, tmp_path / "live.sqlite3")
    queue_url = f"sqlite:///{tmp_path / 'render-queue.sqlite3'}"
    app = create_app({**base_test_config(instance, database), "RENDER_QUEUE_URL": queue_url})
    environment = {"CMT_RENDER_QUEUE_URL": queue_url, "CMT_RENDER_WARM_ON_START": "false"}
    with app.app_context():
        demo = seed_demo(password=PASSWORD, today=date.today())
        lead_email = demo.lead.email
        db.session.remove()
        queue_of(app).beat()
        server_url, server, _log = start_server(instance, database, extra_env=environment)
    worker = None
    try:
        browser_login(page, server_url, lead_email)
        page.goto(f"{server_url}/school/data")
        page.get_by_role("link", name="Download the school's data (ZIP)").click()
        expect(
            page.get_by_role("heading", name="Making the export of your school's data")
        ).to_be_visible()
        axe_check(page)
        with page.expect_download(timeout=180_000) as download_info:
            worker = start_worker(app, instance, database, environment, tmp_path)
        download = download_info.value
        assert download.suggested_filename.startswith("cmt-data-")
        assert download.path().read_bytes().startswith(b"PK")  # a ZIP file
        expect(
            page.get_by_role("heading", name="The export of your school's data is ready")
        ).to_be_visible()
        page.get_by_role("link", name="Back to your school's data").click()
        expect(
            page.get_by_role("heading", name="Download all of the school's data")
        ).to_be_visible()
    finally:
        context.close()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        stop_server(server)
        with app.app_context():
            queue_of(app).huey.storage.flush_all()
            db.engine.dispose()
