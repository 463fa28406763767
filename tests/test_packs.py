"""Lesson packs and term packs: real PDFs, parsed with pypdf.

Rendering costs up to a second a lesson, so the two packs most assertions read are
downloaded once per module (on SQLite: the database plays no part in how a PDF looks), and
the tests that need a fresh database (access, cache, hostile text) print small lessons.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cmt_schools import create_app
from cmt_schools.accounts import services as accounts
from cmt_schools.accounts.models import School, SupportContact
from cmt_schools.curriculum.loader import load_curriculum
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.packs import rendering, services, worksheets
from cmt_schools.renders.models import RenderedFile
from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass

from .conftest import PASSWORD, base_test_config

CURRICULUM = load_curriculum()


# ---------------------------------------------------------------- helpers


def add_class(school, teacher, name: str, year: int, lessons, *, start=date(2026, 9, 8)):
    """A class with occurrences: `lessons` is a list of (lesson_key, status)."""
    begin_write()
    school_class = SchoolClass(
        school_id=school.id, teacher_id=teacher.id, name=name, year_group=year
    )
    db.session.add(school_class)
    db.session.flush()
    for position, (key, status) in enumerate(lessons, start=1):
        db.session.add(
            LessonOccurrence(
                school_id=school.id,
                class_id=school_class.id,
                lesson_key=key,
                position=position,
                scheduled_on=date.fromordinal(start.toordinal() + 7 * (position - 1)),
                starts_at=time(10, 40),
                minutes=CURRICULUM.lesson(key).minutes,
                status=status,
            )
        )
    db.session.commit()
    return school_class


def occurrences_of(school_class) -> list[LessonOccurrence]:
    return list(
        db.session.scalars(
            select(LessonOccurrence)
            .where(LessonOccurrence.class_id == school_class.id)
            .order_by(LessonOccurrence.position)
        )
    )


def read_pdf(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces folded, for phrase searches."""
    return " ".join(text.split())


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


# ---------------------------------------------------------------- packs rendered once


def download_once(folder: Path, make_class) -> object:
    """Sign in as a teacher of a new school and download the pack `make_class` points at."""
    app = create_app(base_test_config(folder / "instance", f"sqlite:///{folder / 'db.sqlite3'}"))
    with app.app_context():
        db.create_all()
        school = accounts.create_school("Oakfield Academy", "england")
        teacher = accounts.create_user(
            school, email="t@oakfield.example", name="Priya Shah", role="teacher", password=PASSWORD
        )
        url = make_class(school, teacher)
        client = app.test_client()
        login(client, teacher)
        response = client.get(url)
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


# Two module-wide downloads. Their tests share an xdist group each, so that with
# `--dist loadgroup` (make test) each is rendered once, and the two on different workers.
@pytest.fixture(scope="module")
def lesson_download(tmp_path_factory):
    """KS3 lesson 2 for class 8B on Tuesday 24 November 2026, over HTTP."""

    def eight_b(school, teacher):
        school_class = add_class(
            school,
            teacher,
            "8B",
            8,
            [("ks3/02-three-systems", "scheduled")],
            start=date(2026, 11, 24),
        )
        return f"/packs/occurrence/{occurrences_of(school_class)[0].id}.pdf"

    return download_once(tmp_path_factory.mktemp("lesson-pack"), eight_b)


@pytest.fixture(scope="module")
def term_download(tmp_path_factory):
    """The term pack of 5K (KS2): three lessons printed, one cancelled, one skipped."""

    def five_k(school, teacher):
        school_class = add_class(
            school,
            teacher,
            "5K",
            5,
            [
                ("ks2/extra-class-charter", "delivered"),
                ("ks2/01-what-compassion-is", "scheduled"),
                ("ks2/02-three-systems", "cancelled"),
                ("ks2/03-soothing-breathing", "skipped"),
                ("ks2/04-mindful-noticing", "scheduled"),
            ],
        )
        return f"/packs/class/{school_class.id}/term.pdf"

    return download_once(tmp_path_factory.mktemp("term-pack"), five_k)


@pytest.fixture(scope="module")
def lesson_pdf(lesson_download):
    return read_pdf(lesson_download.data)


@pytest.fixture(scope="module")
def term_pdf(term_download):
    return read_pdf(term_download.data)


@pytest.mark.xdist_group("packs-lesson")
def test_lesson_pack_holds_the_whole_lesson(lesson_pdf):
    _, pages = lesson_pdf
    lesson = CURRICULUM.lesson("ks3/02-three-systems")
    text = flat("\n".join(pages))
    # The lesson's pages, then one page per printed resource and one of home cards.
    printed = [r for r in lesson.resources if r.use in ("print", "both")]
    assert 8 + len(printed) <= len(pages) <= 16 + len(printed)
    # Cover: school, class, date, title and number, band.
    cover = flat(pages[0])
    for expected in (
        "Oakfield Academy",
        "8B (Year 8)",
        "Tuesday 24 November 2026, 10:40",
        "Lesson 2 of 8",
        lesson.title,
        "KS3: Years 7-9",
    ):
        assert expected in cover, expected
    # The plan on one page: intentions, materials, preparation and the timings table.
    plan = flat(pages[1])
    assert "Lesson plan" in plan and "Teacher script" not in plan
    assert lesson.intentions[0] in plan
    assert lesson.materials[0] in plan
    # Steps start at 10:40, one after another; the lesson's spare minutes come at no step.
    ends = datetime(2026, 11, 24, 10, 40) + timedelta(minutes=sum(s.minutes for s in lesson.steps))
    last = ends - timedelta(minutes=lesson.steps[-1].minutes)
    assert "10:40–10:45" in plan and f"{last:%H:%M}–{ends:%H:%M}" in plan
    # The script, with its steps' headings and minutes.
    first_line = "Greet the class and remind them of the ground rules"
    assert first_line in text
    for number, step in enumerate(lesson.steps, start=1):
        heading = f"{number} {step.stage_label.upper()} {step.title} · {step.minutes} min"
        assert heading in text, heading
    # Practice cards with the counts, the pass and the other way.
    breathing = lesson.steps[0].practice
    assert "Practice cards" in text and "IN 4 OUT 6" in text
    assert flat(breathing.pass_option) in text and flat(breathing.alternative) in text
    # Safeguarding and the school's support contacts for KS3 pupils.
    assert "Safeguarding notes" in text and flat(lesson.safeguarding)[:80] in text
    assert "Childline" in text and "Text SHOUT to 85258" in text
    # Running header and page numbers.
    assert f"Page 3 of {len(pages)}" in pages[2]
    assert "Oakfield Academy · 8B" in pages[2] and "Lesson 2: Our three emotion systems" in pages[2]


@pytest.mark.xdist_group("packs-lesson")
def test_each_worksheet_is_on_its_own_page(lesson_pdf):
    _, pages = lesson_pdf
    lesson = CURRICULUM.lesson("ks3/02-three-systems")
    titles = [sheet.title for sheet in lesson.worksheets]
    assert titles == ["Which system is it?", "My balance"]
    sheet_pages = [flat(page) for page in pages if "WORKSHEET" in page and "photocopiable" in page]
    assert len(sheet_pages) == len(titles)
    for title, page in zip(titles, sheet_pages, strict=True):
        assert f"WORKSHEET {title}" in page
        assert "Say:" not in page  # no teacher script on a pupil's sheet
    sort_page = sheet_pages[0]
    assert "Threat Drive Soothing" in sort_page  # the sorting table's headings
    assert "1 Your first morning at a new school" in sort_page
    assert "One thing in school that helps my soothing system is..." in sheet_pages[1]


@pytest.mark.xdist_group("packs-lesson")
def test_lesson_two_has_the_three_systems_diagram(lesson_pdf):
    _, pages = lesson_pdf
    # The SVG's own labels (drawn as text) sit by the caption in the big-idea step.
    page = next(page for page in pages if "Draw the three circles on the board" in page)
    assert re.search(r"Threat\s+protects us\s+Drive\s+gets us going\s+Soothing\s+safe and", page)


@pytest.mark.xdist_group("packs-lesson")
def test_pack_metadata_title_language_and_tags(lesson_pdf):
    reader, _ = lesson_pdf
    assert reader.metadata.title == (
        "Lesson 2: Our three emotion systems (8B, Tuesday 24 November 2026)"
    )
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog  # tagged (PDF/UA)


@pytest.mark.xdist_group("packs-lesson")
def test_download_is_a_named_attachment_that_is_never_cached(lesson_download):
    assert lesson_download.mimetype == "application/pdf"
    assert lesson_download.headers["Content-Disposition"] == (
        'attachment; filename="8B-lesson-2-2026-11-24.pdf"'
    )
    assert lesson_download.headers["Cache-Control"] == "no-store"


@pytest.mark.xdist_group("packs-term")
def test_term_pack_has_every_lesson_in_order_and_a_contents_page(term_pdf):
    reader, pages = term_pdf
    printed = [
        CURRICULUM.lesson(key).title
        for key in (
            "ks2/extra-class-charter",
            "ks2/01-what-compassion-is",
            "ks2/04-mindful-noticing",
        )
    ]
    left_out = [  # the cancelled and the skipped lesson, as the running header names them
        f"{lesson.label}: {lesson.title}"
        for lesson in map(CURRICULUM.lesson, ("ks2/02-three-systems", "ks2/03-soothing-breathing"))
    ]
    assert reader.metadata.title == "Term pack: 5K, Oakfield Academy"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert 20 <= len(pages) <= 50
    contents = flat(pages[1])
    assert contents.startswith("Contents")
    # Each contents line names the date, the lesson and its page (CSS target-counter);
    # the page it names is the one where that lesson's plan starts.
    dates = ["Tue 8 Sep", "Tue 15 Sep", "Tue 6 Oct"]
    for title, when in zip(printed, dates, strict=True):
        match = re.search(
            re.escape(when) + r" (Lesson \d|Optional extra) " + re.escape(title) + r"[ .]*?(\d+)",
            contents,
        )
        assert match, f"{title} missing from the contents"
        page_number = int(match.group(2))
        assert title in flat(pages[page_number - 1]) and "Lesson plan" in pages[page_number - 1]
    for running_title in left_out:
        assert running_title not in flat("\n".join(pages))
    body = flat("\n".join(pages[2:]))
    positions = [body.index(title) for title in printed]
    assert positions == sorted(positions)
    assert "TUESDAY 6 OCTOBER 2026 · 10:40 · 30 MINUTES" in body  # text-transform: uppercase
    assert body.count("Where pupils can get help") == 1  # once, at the end
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


@pytest.mark.xdist_group("packs-term")
def test_term_pack_download_is_named_for_the_class(term_download):
    assert term_download.headers["Content-Disposition"] == (
        'attachment; filename="5K-term-pack.pdf"'
    )
    assert term_download.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- hostile text


class Canary:
    """A tiny HTTP server on 127.0.0.1 that records every request made to it."""

    def __init__(self):
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


def assert_nothing_leaked(data: bytes, canary: Canary) -> list[str]:
    reader, pages = read_pdf(data)
    text = "\n".join(pages)
    assert canary.requests == []
    assert reader.attachments == {}
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            assert annotation["/Subtype"] != "/FileAttachment"
            assert "/URI" not in (annotation.get("/A") or {})  # no links out of the pack
    assert "root:x:0:0" not in text
    return pages


def test_hostile_text_is_printed_escaped_and_fetches_nothing(
    app, client, make_school, make_teacher, canary
):
    image = '<img src="file:///etc/passwd">'
    attachment = f'<a rel="attachment" href="{canary.url}/attach">a</a>'
    styled = f'<p style="background: url({canary.url}/bg)">b</p>'
    imported = f"<style>@import url({canary.url}/import);</style>"
    school = make_school("Oak " + image)
    teacher = make_teacher(school)
    begin_write()
    school.trusted_adults = f"{attachment} {styled} {imported}"
    school.support_contacts[
        0
    ].detail = f'{attachment} <link rel="stylesheet" href="{canary.url}/s">'
    db.session.commit()
    eight_b = add_class(school, teacher, image, 8, [("ks3/01-what-compassion-is", "scheduled")])
    occurrence = occurrences_of(eight_b)[0]
    login(client, teacher)

    response = client.get(f"/packs/occurrence/{occurrence.id}.pdf")

    assert response.status_code == 200
    pages = assert_nothing_leaked(response.data, canary)
    text = flat("\n".join(pages))
    assert image in text  # the class name, shown as the text it is
    assert f"Oak {image}" in text
    assert "rel=" in text and "@import url(" in text and "background: url(" in text
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="img-src-file-etc-passwd-lesson-1-2026-09-08.pdf"'
    )


def test_the_fetcher_refuses_everything_but_static_files_even_unescaped(canary):
    # Were a template ever to let markup through, the fetcher is the second wall.
    html = f"""<!doctype html><html lang="en-GB"><head><title>t</title>
    <link rel="stylesheet" href="css/print.css">
    <link rel="stylesheet" href="{canary.url}/sheet.css">
    <style>@import url({canary.url}/import.css); p {{ background: url({canary.url}/bg) }}</style>
    </head><body><p>x</p><img src="file:///etc/passwd" alt="">
    <img src="{canary.url}/img.png" alt=""><img src="../../pyproject.toml" alt="">
    <a rel="attachment" href="file:///etc/passwd">passwd</a>
    <a rel="attachment" href="{canary.url}/file">file</a>
    <object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">
    <iframe src="file:///etc/passwd"></iframe></body></html>"""
    assert_nothing_leaked(rendering.render_pdf(html), canary)


@pytest.mark.parametrize(
    "url, allowed",
    [
        (rendering.STATIC_BASE_URL + "css/print.css", True),
        (rendering.STATIC_BASE_URL + "img/three-systems.svg", True),
        (rendering.STATIC_BASE_URL + "../pyproject.toml", False),
        (rendering.STATIC_BASE_URL + "%2e%2e/pyproject.toml", False),
        (rendering.STATIC_BASE_URL + "css/print.css?x=1", False),
        (rendering.STATIC_BASE_URL + "css/", False),
        ("https://static.cmt-schools.invalid.evil.example/css/print.css", False),
        ("file:///etc/passwd", False),
        ("data:text/css,p{}", False),
        ("http://127.0.0.1:9/", False),
    ],
)
def test_static_only_fetcher_paths(url, allowed):
    assert (rendering.StaticOnlyFetcher.static_path(url) is not None) is allowed


# ---------------------------------------------------------------- the cache


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The HTML of every pack rendered in this process from now on (a cache hit renders
    nothing): the real renderer runs, with a tally kept on the way through."""
    rendered: list[str] = []
    render_pdf = rendering.render_pdf

    def render_and_count(html: str) -> bytes:
        rendered.append(html)  # list.append is atomic: packs may render in several threads
        return render_pdf(html)

    monkeypatch.setattr(rendering, "render_pdf", render_and_count)
    return rendered


def stored_packs() -> list[RenderedFile]:
    db.session.rollback()  # a fresh read: the request committed in its own session
    return db.session.scalars(select(RenderedFile).where(RenderedFile.kind == "pack")).all()


def test_a_stored_pack_is_served_without_rendering_and_a_change_renders_anew(
    app, client, make_school, make_teacher, make_lead, renders
):
    school = make_school()
    teacher = make_teacher(school)
    lead = make_lead(school)
    four_r = add_class(school, teacher, "4R", 4, [("ks2/07-giving-receiving", "scheduled")])
    url = f"/packs/occurrence/{occurrences_of(four_r)[0].id}.pdf"
    login(client, teacher)

    before = len(renders)
    first = client.get(url)
    assert first.status_code == 200
    assert len(renders) == before + 1
    kept = stored_packs()
    assert len(kept) == 1 and kept[0].content == first.data and kept[0].school_id == school.id
    key, written_at = kept[0].key, kept[0].created_at

    second = client.get(url)
    assert second.data == first.data
    assert len(renders) == before + 1  # no render: straight from the store
    assert [(row.key, row.created_at) for row in stored_packs()] == [(key, written_at)]

    accounts.update_school_settings(
        db.session.get(School, school.id),
        name=school.name,
        nation="england",
        suppression_threshold=10,
        min_wave_size=30,
        retention_months=24,
        trusted_adults="Mr Jones in the library",
        contacts=[("Childline", "Call 0800 1111", True, True), ("Kooth", "kooth.com", True, True)],
        lead=lead,
    )
    third = client.get(url)
    assert third.status_code == 200
    assert len(renders) == before + 2
    text = flat("\n".join(read_pdf(third.data)[1]))
    assert "Mr Jones in the library" in text and "Kooth kooth.com" in text
    assert len(stored_packs()) == 2  # a new key; the old file waits to be pruned


# ---------------------------------------------------------------- who may download what


def test_teachers_get_their_own_classes_and_leads_the_school(
    app, client, make_school, make_teacher, make_lead, renders
):
    school, elsewhere = make_school(), make_school()
    teacher, colleague, lead = make_teacher(school), make_teacher(school), make_lead(school)
    outsider = make_lead(elsewhere)
    mine = add_class(school, teacher, "3T", 3, [("ks2/extra-class-charter", "scheduled")])
    theirs = add_class(school, colleague, "3C", 3, [("ks2/extra-class-charter", "scheduled")])
    other_school = add_class(
        elsewhere, make_teacher(elsewhere), "3X", 3, [("ks2/extra-class-charter", "scheduled")]
    )
    mine_id, theirs_id, other_id = mine.id, theirs.id, other_school.id
    occurrence = {c.id: occurrences_of(c)[0].id for c in (mine, theirs, other_school)}

    assert client.get(f"/packs/class/{mine_id}/term.pdf").status_code == 302  # sign in first

    login(client, teacher)
    assert client.get(f"/packs/occurrence/{occurrence[mine_id]}.pdf").status_code == 200
    term = client.get(f"/packs/class/{mine_id}/term.pdf")
    assert term.status_code == 200 and term.mimetype == "application/pdf"
    for class_id in (theirs_id, other_id):
        assert client.get(f"/packs/occurrence/{occurrence[class_id]}.pdf").status_code == 404
        assert client.get(f"/packs/class/{class_id}/term.pdf").status_code == 404
    assert client.get("/packs/occurrence/999999.pdf").status_code == 404
    assert client.get("/packs/class/999999/term.pdf").status_code == 404
    client.post("/logout")

    login(client, lead)
    before = len(renders)
    lead_copy = client.get(f"/packs/occurrence/{occurrence[mine_id]}.pdf")
    assert lead_copy.status_code == 200
    assert len(renders) == before  # the same pack as the teacher's: cached
    assert client.get(f"/packs/class/{other_id}/term.pdf").status_code == 404
    client.post("/logout")

    login(client, outsider)
    assert client.get(f"/packs/occurrence/{occurrence[mine_id]}.pdf").status_code == 404
    assert client.get(f"/packs/class/{mine_id}/term.pdf").status_code == 404


def test_any_staff_can_print_any_bands_lesson_and_unknown_lessons_are_404(client, make_teacher):
    login(client, make_teacher())
    response = client.get("/packs/lesson/ks2/extra-class-charter.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="ks2-class-charter.pdf"'
    )
    text = flat("\n".join(read_pdf(response.data)[1]))
    assert "Not scheduled: write the date here" in text
    for path in (
        "/packs/lesson/ks5/01-what-compassion-is.pdf",
        "/packs/lesson/ks2/no-such-lesson.pdf",
        "/packs/lesson/ks2/..%2F..%2Fetc.pdf",
        "/packs/lesson/KS2/01-what-compassion-is.pdf",
    ):
        assert client.get(path).status_code == 404, path


# ---------------------------------------------------------------- bounded cost


def test_absurd_inputs_are_refused_before_rendering(
    app, client, make_school, make_teacher, renders
):
    school = make_school()
    teacher = make_teacher(school)
    keys = [lesson.key for lesson in CURRICULUM.band("ks3").lessons]
    crowded = add_class(
        school, teacher, "9Z", 9, [(keys[i % len(keys)], "scheduled") for i in range(13)]
    )
    empty = add_class(school, teacher, "9E", 9, [("ks3/01-what-compassion-is", "cancelled")])
    login(client, teacher)
    before = len(renders)

    too_many = client.get(f"/packs/class/{crowded.id}/term.pdf")
    assert too_many.status_code == 400
    assert "at most 12 lessons" in too_many.get_data(as_text=True)
    nothing = client.get(f"/packs/class/{empty.id}/term.pdf")
    assert nothing.status_code == 400
    assert "no lessons scheduled" in nothing.get_data(as_text=True)

    begin_write()
    db.session.get(School, school.id).trusted_adults = "x" * 5000
    db.session.commit()
    long_text = client.get("/packs/lesson/ks3/01-what-compassion-is.pdf")
    assert long_text.status_code == 400
    assert "500 characters at most" in long_text.get_data(as_text=True)

    begin_write()
    db.session.get(School, school.id).trusted_adults = "Mrs Patel"
    for position in range(20):
        db.session.add(
            SupportContact(school_id=school.id, position=10 + position, name="n", detail="d")
        )
    db.session.commit()
    assert client.get("/packs/lesson/ks3/01-what-compassion-is.pdf").status_code == 400
    assert len(renders) == before


@pytest.mark.parametrize(
    "name, expected",
    [
        ("8B", "8B"),
        ("../x", "x"),
        ("=cmd", "cmd"),
        ("Year 7 / Set 2", "Year-7-Set-2"),
        ("Élan café", "Elan-cafe"),
        ('"; rm -rf /', "rm-rf"),
        ("日本", "class"),
        ("", "class"),
        ("a" * 200, "a" * 40),
    ],
)
def test_file_names_keep_to_letters_digits_and_hyphens(name, expected):
    assert services.safe_name_part(name, "class") == expected


def test_every_shipped_worksheet_is_laid_out_to_fit_one_page():
    # The sizes follow print.css and print-resources.css (the estimate is a little
    # generous); a sheet that will not fit even compact fails here.
    for band in ("ks2", "ks3", "ks4"):
        for lesson in CURRICULUM.band(band).lessons:
            for sheet in lesson.worksheets:
                height = worksheets.estimated_height(sheet, band)
                assert height <= worksheets.PAGE_AREA_MM, f"{lesson.key}: {sheet.title}"
