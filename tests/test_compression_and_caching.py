"""Pupils' pages come compressed, static files carry their content's hash and are kept for a
year, and every page that holds a join code stays `no-store` (issue 20).

Each check-in page a pupil opens on a school's shared Wi-Fi sent its stylesheets and the
favicon again (or asked whether they had changed): now the page links each by its hash,
the browser keeps them, and the page itself travels brotli- or gzip-compressed.
"""

# ruff: noqa: F811 - pytest fixtures imported from checkins_fixtures are used as arguments

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest

from cmt_schools.core.static_files import YEAR

from .checkins_fixtures import login, open_checkin, teacher_and_class  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
STATIC_LINK = re.compile(r'(?:href|src)="(/static/([^"?]+)\?v=([0-9a-f]+))"')
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def decoded(response) -> str:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "gzip":
        body = gzip.decompress(body)
    return body.decode("utf-8")


def pupil_pages(open_checkin) -> dict[str, str]:
    return {
        "join": "/join",
        "questions": f"/join/{open_checkin.join_code}",
        "privacy for pupils": "/privacy/pupils",
    }


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pupil_pages_are_compressed_and_never_stored(client, open_checkin, encoding):
    for name, path in pupil_pages(open_checkin).items():
        response = client.get(path, headers={"Accept-Encoding": f"{encoding}, identity"})
        assert response.status_code == 200, name
        assert response.headers["Content-Encoding"] == encoding, name
        assert "Accept-Encoding" in response.headers["Vary"], name
        html = decoded(response)
        assert "</html>" in html, name
        # A third smaller at least, even on the shortest page (markup repeats itself).
        assert len(response.get_data()) < len(html.encode()) * 2 / 3, name
        # Pupils' pages hold join codes (and the questions page a form for them alone).
        assert response.headers["Cache-Control"] == "no-store", name
        for header in SECURITY_HEADERS:
            assert header in response.headers, (name, header)


def test_a_browser_that_asks_for_no_compression_gets_none(client, open_checkin):
    response = client.get(f"/join/{open_checkin.join_code}", headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in response.headers
    assert open_checkin.join_code in response.get_data(as_text=True)


def test_static_links_carry_the_files_hash_and_are_kept_for_a_year(client, open_checkin):
    page = decoded(client.get(f"/join/{open_checkin.join_code}"))
    links = STATIC_LINK.findall(page)
    files = {filename for _url, filename, _version in links}
    assert {"css/app.css", "css/checkins.css", "img/favicon.svg"} <= files
    # Every static link is versioned: none is left without its hash.
    assert page.count("/static/") == len(links)
    # The favicon is linked once, so the browser never asks for /favicon.ico instead.
    assert len(re.findall(r'rel="icon"', page)) == 1
    for url, filename, version in links:
        content = (ROOT / "static" / filename).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12], filename
        response = client.get(url, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        # The same file for everyone: kept whatever cookies the pupil's browser holds.
        assert "Cookie" not in response.headers.get("Vary", ""), url
        for header in SECURITY_HEADERS:
            assert header in response.headers, (url, header)
        if filename.endswith((".css", ".svg")) and len(content) > 500:
            assert response.headers["Content-Encoding"] == "br", url
            assert brotli.decompress(response.get_data()) == content, url


def test_a_static_file_without_its_current_hash_is_checked_each_time(client):
    current = client.get("/static/css/app.css?v=000000000000")
    bare = client.get("/static/css/app.css")
    for response in (current, bare):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert "Content-Security-Policy" in response.headers
    missing = client.get("/static/css/none.css?v=000000000000")
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == "no-store"


def test_a_changed_file_gets_a_new_url(app, tmp_path):
    from flask import url_for

    from cmt_schools.core import static_files

    static = tmp_path / "static"
    static.mkdir()
    app.static_folder = str(static)
    (static / "site.css").write_text("body { color: black }")
    (tmp_path / "outside.css").write_text("not a static file")
    with app.test_request_context():
        first = url_for("static", filename="site.css")
        (static / "site.css").write_text("body { color: navy; }")
        second = url_for("static", filename="site.css")
        assert first != second and first.startswith("/static/site.css?v=")
        assert url_for("static", filename="nowhere.css") == "/static/nowhere.css"
        # Only files inside the static folder are read.
        assert static_files.static_version("../outside.css") is None


def test_the_staff_board_with_the_join_code_is_never_stored(
    client, open_checkin, teacher_and_class
):
    teacher, _ = teacher_and_class
    login(client, teacher)
    for path in (f"/checkins/{open_checkin.id}/board", f"/checkins/{open_checkin.id}/qr.svg"):
        response = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert open_checkin.join_code in decoded(response) or path.endswith(".svg")


def test_signed_in_pages_are_sent_uncompressed(client, teacher_and_class):
    """A signed-in page holds the sign-in's form token beside text a request can put on it:
    compressed, its size could leak the token (BREACH). Static files stay compressed."""
    teacher, _class = teacher_and_class
    login(client, teacher)
    for path in ("/dashboard", "/classes", "/checkins", "/join"):
        response = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, path
        assert "Content-Encoding" not in response.headers, path
    stylesheet = client.get("/static/css/app.css", headers={"Accept-Encoding": "br"})
    assert stylesheet.headers["Content-Encoding"] == "br"
