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
from datetime import UTC, datetime
from pathlib import Path

import brotli
import pytest

from cmt_schools.checkins import services
from cmt_schools.core.static_files import YEAR

from .checkins_fixtures import (  # noqa: F401
    SAVED,
    login,
    make_class,
    open_checkin,
    open_for,
    pupil_submits,
    teacher_and_class,
)

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
    assert {"css/base.css", "css/pupil.css", "img/favicon.svg"} <= files
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
        # Never asked again for a year: no validators, and no header that says what a
        # browser does anyway (a third of a small file's bytes were its headers).
        for header in ("ETag", "Last-Modified", "Content-Disposition"):
            assert header not in response.headers, (url, header)


def test_a_static_file_without_its_current_hash_is_checked_each_time(client):
    current = client.get("/static/css/app.css?v=000000000000")
    bare = client.get("/static/css/app.css")
    for response in (current, bare):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert "Content-Security-Policy" in response.headers
    # It keeps its validator, so checking costs a 304 and no file.
    for encoding in ("br", ""):
        first = client.get("/static/css/base.css", headers={"Accept-Encoding": encoding})
        again = client.get(
            "/static/css/base.css",
            headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]},
        )
        assert again.status_code == 304, encoding
        assert again.headers["Cache-Control"] == "no-cache", encoding
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


# ---------------------------------------------------------------- the pupil's stylesheet
# Pupils' pages load base.css (what every page shares) and pupil.css, never the staff
# stylesheet: on a first visit that was more than half of a pupil's check-in (issue 20).

STAFF_STYLESHEETS = ("css/app.css", "css/checkins.css")
CSS = ROOT / "static" / "css"


def stylesheets(html: str) -> list[str]:
    return re.findall(r'rel="stylesheet" href="/static/([^"?]+)\?v=', html)


def css_without_comments(name: str) -> str:
    return re.sub(r"/\*.*?\*/", "", (CSS / name).read_text(), flags=re.S)


def class_names_in_css(*names: str) -> set[str]:
    return {
        m for name in names for m in re.findall(r"\.([a-zA-Z][\w-]*)", css_without_comments(name))
    }


def class_names_in_html(html: str) -> set[str]:
    return {c for value in re.findall(r'class="([^"]*)"', html) for c in value.split()}


def every_pupil_page(client, teacher_and_class) -> dict[str, tuple[int, str]]:
    """Each page a pupil can reach, KS3 and KS2 (pictures), with its status and markup."""
    teacher, school_class = teacher_and_class
    primary = make_class(teacher, name="5C", year_group=5)
    seen = {}

    def visit(name, response):
        seen[name] = (response.status_code, decoded(response))

    visit("join", client.get("/join"))
    visit("join, no code typed", client.get("/join?code="))
    visit("join, wrong code", client.get("/join?code=ZZZZZZ"))
    for band, group in (("ks3", school_class), ("ks2", primary)):
        checkin = open_for(group, teacher)
        visit(f"questions {band}", client.get(f"/join/{checkin.join_code}"))
        sent, _ = pupil_submits(client, checkin.join_code, {})
        visit(f"answers sent {band}", sent)
        visit(f"already answered {band}", client.get(f"/join/{checkin.join_code}"))
        services.close_checkin(checkin, now=datetime.now(UTC), by=teacher)
        visit(f"closed {band}", client.get(f"/join/{checkin.join_code}"))
    visit("an address under /join that is not there", client.get("/join/AB/CD"))
    visit("a method the join page refuses", client.post("/join"))
    return seen


def test_pupil_pages_load_no_staff_stylesheet(client, teacher_and_class):
    pages = every_pupil_page(client, teacher_and_class)
    assert pages["answers sent ks3"][0] == 200 and SAVED in pages["answers sent ks3"][1]
    assert pages["an address under /join that is not there"][0] == 404
    assert pages["a method the join page refuses"][0] == 405
    for name, (_status, html) in pages.items():
        linked = stylesheets(html)
        assert linked[0] == "css/base.css", name
        assert not set(linked) & set(STAFF_STYLESHEETS), name
        # The error pages use base.css alone; every other pupil page adds pupil.css.
        if name.startswith(("an address", "a method")):
            assert linked == ["css/base.css"], name
        else:
            assert linked == ["css/base.css", "css/pupil.css"], name


def test_every_rule_a_pupil_page_uses_is_in_the_pupil_stylesheets(client, teacher_and_class):
    """A class on a pupil page that some stylesheet styles is styled in base.css or
    pupil.css: a rule left only in app.css would be lost on the pupil's phone."""
    used = set()
    for _status, html in every_pupil_page(client, teacher_and_class).values():
        used |= class_names_in_html(html)
    # The stylesheets browser pages link (the *print* ones style PDFs only).
    on_screen = [path.name for path in CSS.glob("*.css") if "print" not in path.name]
    styled_anywhere = class_names_in_css(*on_screen)
    styled_for_pupils = class_names_in_css("base.css", "pupil.css")
    assert {"pupil-page", "choice", "help", "code-input", "site-header"} <= used
    assert (used & styled_anywhere) - styled_for_pupils == set()


def test_staff_pages_load_base_then_the_staff_stylesheet(client, teacher_and_class):
    teacher, _ = teacher_and_class
    login(client, teacher)
    for path in ("/dashboard", "/checkins", "/no-such-page"):
        linked = stylesheets(client.get(path).get_data(as_text=True))
        assert linked[:2] == ["css/base.css", "css/app.css"], path
        assert "css/pupil.css" not in linked, path


def test_each_rule_has_one_source():
    """base.css, app.css, pupil.css and checkins.css share no selector: a rule both sides
    use lives in base.css, not copied into two files to drift apart."""

    def selectors(name: str) -> set[str]:
        found = re.findall(r"([^{};]+)\{", css_without_comments(name))
        return {" ".join(s.split()) for s in found if not s.strip().startswith("@")}

    names = ("base.css", "app.css", "pupil.css", "checkins.css")
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            assert selectors(first) & selectors(second) == set(), (first, second)


def test_static_files_are_compressed_once_at_the_highest_level(client):
    from cmt_schools.core import static_files

    for name in ("base.css", "pupil.css"):
        content = (CSS / name).read_bytes()
        version = hashlib.sha256(content).hexdigest()[:12]
        url = f"/static/css/{name}?v={version}"
        best = {
            "br": brotli.compress(content, quality=11),
            "gzip": gzip.compress(content, compresslevel=9, mtime=0),
        }
        for encoding, smallest in best.items():
            response = client.get(url, headers={"Accept-Encoding": f"{encoding}, identity"})
            assert response.headers["Content-Encoding"] == encoding, (name, encoding)
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert "Accept-Encoding" in response.headers["Vary"]
            body = response.get_data()
            assert len(body) == len(smallest), (name, encoding)
            assert int(response.headers["Content-Length"]) == len(body)
            assert (brotli.decompress if encoding == "br" else gzip.decompress)(body) == content
            # Made once: the next request is sent the bytes kept from the first.
            kept = static_files._compressed[(f"css/{name}", version, encoding)]
            again = client.get(url, headers={"Accept-Encoding": encoding})
            assert again.get_data() == kept == body
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers and plain.get_data() == content


def test_pupil_pages_holding_join_codes_stay_no_store(client, teacher_and_class):
    pages = every_pupil_page(client, teacher_and_class)
    assert any(re.search(r"/join/[A-Z0-9]{6}", html) for _s, html in pages.values())
    teacher, school_class = teacher_and_class
    checkin = open_for(school_class, teacher, kind="now")
    for path in ("/join", f"/join/{checkin.join_code}", "/join?code=ZZZZZZ", "/join/AB/CD"):
        response = client.get(path, headers={"Accept-Encoding": "br"})
        assert response.headers["Cache-Control"] == "no-store", path
    sent, _ = pupil_submits(client, checkin.join_code, {})
    assert sent.headers["Cache-Control"] == "no-store"
