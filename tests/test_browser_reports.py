"""The term summary and the audit log in a real Chromium, with axe-core on each page."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from cmt_schools.demo import DEMO_LEAD, seed_demo

from .conftest import PASSWORD, browser_login

pytestmark = pytest.mark.browser


def test_lead_reads_the_summary_downloads_a_csv_and_finds_it_in_the_audit_log(
    page, live_server, axe_check
):
    with live_server.app.app_context():
        seed_demo(password=PASSWORD, today=date.today())
    browser_login(page, live_server.url, DEMO_LEAD[0])

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Term summary").click()
    expect(page.get_by_role("heading", name="Term summary", level=1)).to_be_visible()
    expect(page.get_by_text("This is not a screening tool")).to_be_visible()
    expect(page.get_by_role("heading", name="Whole school")).to_be_visible()
    # The chart is an image with a name and a description, and its numbers are a table.
    chart = page.get_by_role("img", name="Right now, week by week: Oakfield Academy (demo)")
    expect(chart).to_be_visible()
    page.get_by_text("The chart's numbers as a table").first.click()
    expect(
        page.get_by_role("table", name="Right now, week by week: Oakfield Academy (demo)")
    ).to_be_visible()
    expect(page.get_by_text("Fewer than 10 answers: not shown").first).to_be_visible()
    axe_check(page)

    # The term picker works from the keyboard.
    page.get_by_label("Term").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/term-summary?term=*")
    expect(page.get_by_role("heading", name="Term summary", level=1)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV (for Excel)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("term-summary-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), "rb") as handle:
        assert handle.read(3) == b"\xef\xbb\xbf"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Downloaded a term summary")
    assert row.count() == 1
    assert "Term summary (CSV)" in row.inner_text()
    axe_check(page)
