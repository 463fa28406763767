"""Downloads that are not made yet, in Chromium: a teacher's term pack and a lead's export
of the school's data. The progress page shows (no JavaScript of its own: a refresh), a real
worker starts and makes the file, the page says it is ready and the browser downloads it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
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


class DemoSite:
    """The demo school served by a real server with a render queue of its own, and a
    worker started when the test says (until then downloads wait for it)."""

    def __init__(self, tmp_path, sqlite_template) -> None:
        self.tmp_path = tmp_path
        self.instance = tmp_path / "instance"
        self.database = fresh_sqlite(sqlite_template, tmp_path / "live.sqlite3")
        queue_url = f"sqlite:///{tmp_path / 'render-queue.sqlite3'}"
        self.app = create_app(
            {**base_test_config(self.instance, self.database), "RENDER_QUEUE_URL": queue_url}
        )
        # The worker goes straight to the file asked for (not every class's week first).
        self.environment = {"CMT_RENDER_QUEUE_URL": queue_url, "CMT_RENDER_WARM_ON_START": "false"}
        self.worker: subprocess.Popen | None = None
        with self.app.app_context():
            self.demo = seed_demo(password=PASSWORD, today=date.today())
            self.lead_email = self.demo.lead.email
            eight_b = db.session.scalars(select(SchoolClass).where(SchoolClass.name == "8B")).one()
            self.class_id, self.class_name = eight_b.id, eight_b.name
            db.session.remove()
            # A worker was heard from a moment ago (and is busy): downloads wait for it.
            queue_of(self.app).beat()
            self.url, self.server, _log = start_server(
                self.instance, self.database, extra_env=self.environment
            )

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "cmt", "worker"],
            cwd=ROOT,
            env={
                **os.environ,
                "CMT_INSTANCE_PATH": str(self.instance),
                "CMT_DATABASE_URL": self.database,
                "CMT_SECRET_KEY": self.app.config["SECRET_KEY"],
                **self.environment,
            },
            stdout=(self.tmp_path / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.terminate()
            self.worker.wait(timeout=30)
        stop_server(self.server)
        with self.app.app_context():
            queue_of(self.app).huey.storage.flush_all()
            db.engine.dispose()


@pytest.fixture
def site(tmp_path, sqlite_template) -> Iterator[DemoSite]:
    demo_site = DemoSite(tmp_path, sqlite_template)
    yield demo_site
    demo_site.stop()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_pack_not_made_yet_shows_progress_then_downloads(browser, javascript, site, axe_check):
    """With JavaScript the page asks again without reloading; without, it refreshes."""
    context = browser.new_context(
        locale="en-GB", timezone_id="Europe/London", java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    class_name = site.class_name
    try:
        browser_login(page, site.url, DEMO_TEACHERS[0][0])
        page.goto(f"{site.url}/classes/{site.class_id}")
        page.get_by_role("link", name="Term pack (PDF)").click()
        expect(
            page.get_by_role("heading", name=f"Making the term pack for {class_name}")
        ).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("usually takes less than a minute")
        if javascript:
            axe_check(page)  # axe needs scripts; without them the page is the same markup

        with page.expect_download(timeout=180_000) as download_info:
            site.start_worker()
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


def test_a_leads_export_of_the_schools_data_waits_for_the_worker_then_downloads(
    browser, site, axe_check
):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        browser_login(page, site.url, site.lead_email)
        page.goto(f"{site.url}/school/data")
        page.get_by_role("link", name="Download the school's data (ZIP)").click()
        expect(
            page.get_by_role("heading", name="Making the export of your school's data")
        ).to_be_visible()
        axe_check(page)
        with page.expect_download(timeout=180_000) as download_info:
            site.start_worker()
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
