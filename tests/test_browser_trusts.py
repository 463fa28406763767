"""A trust's staff in a real Chromium: sign in, read the dashboard and the summary, download
the PDF and the CSV; axe-core on each page; screenshots at phone and desktop widths."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cmt_schools.demo import seed_demo
from cmt_schools.trusts.demo import TRUST_LOGIN, TRUST_NAME

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
# Screenshots for a person to look at, in the ignored test-results folder (never in docs/).
SHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


def test_a_trust_user_reads_the_dashboard_and_downloads_the_summary(page, live_server, axe_check):
    with live_server.app.app_context():
        seed_demo(password=PASSWORD, today=date.today())
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(TRUST_LOGIN[0])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/trusts/*/")
    expect(page.get_by_role("heading", name=TRUST_NAME, level=1)).to_be_visible()
    table = page.get_by_role("table", name="The programme in each school")
    expect(table.get_by_role("rowheader").filter(has_text="Oakfield")).to_be_visible()
    expect(table.get_by_role("rowheader").filter(has_text="Riverside")).to_be_visible()
    expect(page.get_by_text("The schools' dates differ.")).to_be_visible()
    axe_check(page)
    _shots(page, "trust-dashboard")

    page.get_by_role("link", name="Read the").click()
    expect(page.get_by_role("heading", name="Trust summary", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="By school")).to_be_visible()
    axe_check(page)
    _shots(page, "trust-summary")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV (for Excel)").click()
    with open(download_info.value.path(), "rb") as handle:
        data = handle.read()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert "Oakfield" in data.decode("utf-8-sig")

    # Rendering a PDF on a busy machine can take longer than a click's usual wait.
    with page.expect_download(timeout=90_000) as download_info:
        page.get_by_role("link", name="Download PDF").click(no_wait_after=True)
    with open(download_info.value.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert TRUST_NAME in text and "By school" in text

    page.get_by_role("link", name="the trust's log").click()
    rows = page.get_by_role("row").filter(has_text="Downloaded a trust summary")
    assert rows.count() == 2
    axe_check(page)

    # A school route is not there at all for a trust's staff.
    response = page.goto(live_server.url + "/reports/term-summary")
    assert response.status == 404


def _shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", (390, 844)), ("desktop", (1280, 800))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=label == "desktop")
    page.set_viewport_size({"width": 1280, "height": 800})
