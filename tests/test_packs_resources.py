"""The lesson pack's resources section, home practice cards and worksheets that work.

A lesson pack is rendered from a lessons copy in which ks2/02 ships three printed resources
(curriculum_fixtures.APP_RESOURCES), a home card and a writing frame, and read back with
pypdf: each resource on its own page, in its orientation, carrying its drawing (the shapes
it paints, and the drawing's own words). The sort tables of every shipped lesson are
checked in the pack's HTML: one tick box per item per column. The worksheet pages are
rendered to PNG (pdftoppm) to be looked at, and checked for ink where the blocks are.
"""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from cmt_schools import create_app
from cmt_schools.accounts import services as accounts
from cmt_schools.curriculum.loader import load_curriculum
from cmt_schools.curriculum.resource_checks import resource_path
from cmt_schools.curriculum.svg_check import SVG_NS
from cmt_schools.extensions import db
from cmt_schools.packs import rendering, services

from .conftest import PASSWORD, base_test_config
from .curriculum_fixtures import APP_LESSON, APP_RESOURCE_SIZES, install_lessons_with_resources

SHOTS = Path("/tmp/res-infra-shots")


PAINTING = {b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*"}


def _paints_on(page) -> int:
    """Shapes the page fills or strokes, in its own content and in the Form XObjects it
    draws (WeasyPrint draws an SVG into the page, some parts as forms). A resource page
    has no rules or boxes of its own, so without its drawing it paints nothing."""
    return _paints(page.get_contents(), page["/Resources"].get_object(), depth=0)


def _paints(stream, resources, depth: int) -> int:
    if stream is None or depth > 8:
        return 0
    xobjects = resources.get("/XObject") if resources is not None else None
    xobjects = xobjects.get_object() if xobjects is not None else {}
    count = 0
    for operands, operator in ContentStream(stream, None).operations:
        if operator in PAINTING:
            count += 1
        elif operator == b"Do" and operands and operands[0] in xobjects:
            form = xobjects[operands[0]].get_object()
            if form.get("/Subtype") == "/Form":
                inner = form.get("/Resources")
                count += _paints(form, inner.get_object() if inner else resources, depth + 1)
    return count


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The ks2/02 lesson pack (PDF and HTML), rendered once from the lessons copy."""
    folder = tmp_path_factory.mktemp("resource-pack")
    with pytest.MonkeyPatch.context() as patch:
        install_lessons_with_resources(folder / "curriculum", patch)
        app = create_app(
            base_test_config(folder / "instance", f"sqlite:///{folder / 'db.sqlite3'}")
        )
        with app.app_context():
            db.create_all()
            school = accounts.create_school("Oakfield Academy", "england")
            teacher = accounts.create_user(
                school, email="t@oak.example", name="Priya", role="teacher", password=PASSWORD
            )
            lesson = load_curriculum().lesson(APP_LESSON)
            html = services.pack_html(services.lesson_pack_input(school, lesson))
            client = app.test_client()
            client.post("/login", data={"email": teacher.email, "password": PASSWORD})
            response = client.get(f"/packs/lesson/{APP_LESSON}.pdf")
            db.session.remove()
            db.engine.dispose()
    from cmt_schools.curriculum import loader

    loader.load_curriculum.cache_clear()
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return {
        "lesson": lesson,
        "html": html,
        "pdf": response.data,
        "reader": reader,
        "pages": [" ".join(page.extract_text().split()) for page in reader.pages],
    }


def test_each_printed_resource_has_a_page_of_its_own_with_its_drawing(pack):
    lesson, pages, reader = pack["lesson"], pack["pages"], pack["reader"]
    printed = [r for r in lesson.printed_resources if r.id.startswith("test-")]
    assert [r.id for r in printed] == list(APP_RESOURCE_SIZES)
    for resource in printed:
        (size, word), title = APP_RESOURCE_SIZES[resource.id], resource.title.upper()
        found = [i for i, text in enumerate(pages) if f"RESOURCE TO PRINT {title}" in text.upper()]
        assert len(found) == 1, resource.id
        page, text = reader.pages[found[0]], pages[found[0]]
        assert f"Print: {resource.copies}" in text
        assert ("For: " in text and "Explore" in text) or resource.id == "test-calm-sign"
        assert word in text  # the drawing's own big word, drawn on this page
        assert _paints_on(page) >= 1, f"{resource.id}: the drawing is not on its page"
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (width > height) == (size[0] > size[1]), f"{resource.id}: orientation"
        # Its own page: nothing of the script or of another resource on it.
        assert "Say:" not in text and "Teacher script" not in text
    # The projected-only picture of a lesson never gets a print page.
    assert "Which system is it? · Resource" not in " ".join(pages)


def test_a_resource_page_without_its_drawing_paints_nothing():
    """The check above can fail: the same page with its image refused paints no shape."""
    html = (
        '<!doctype html><html lang="en-GB"><head><title>t</title>'
        '<link rel="stylesheet" href="css/print.css">'
        '<link rel="stylesheet" href="css/print-resources.css"></head><body>'
        '<section class="resource-page resource-landscape"><p class="resource-kicker">Lesson</p>'
        '<h2 class="resource-title">Sorting cards</h2><p class="resource-use">For: Explore</p>'
        f'<img class="resource-image" src="{rendering.RESOURCES_BASE_URL}ks2/x/none.svg" alt="">'
        "</section></body></html>"
    )
    reader = PdfReader(io.BytesIO(rendering.render_pdf(html)))
    assert len(reader.pages) == 1 and _paints_on(reader.pages[0]) == 0


def test_the_cover_counts_the_resources_and_the_home_card(pack):
    cover = pack["pages"][0]
    count = len(pack["lesson"].printed_resources)
    assert f"{count} resources to print" in cover
    assert "A home practice card, 4 to a page to cut out" in cover


def test_the_home_card_prints_four_to_a_page_to_cut(pack):
    card = pack["lesson"].home_card
    found = [text for text in pack["pages"] if "nothing to hand in" in text]
    assert len(found) == 1
    assert found[0].count(card.title) >= 4
    assert "nothing to hand in" in found[0]
    assert pack["html"].count('<div class="home-card">') == 4


class _Tables(HTMLParser):
    """Each sort table of a page: its columns, and the tick boxes in each item row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._in_head = self._in_table = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "sort-table" in classes:
            self.tables.append({"columns": 0, "rows": []})
            self._in_table = True
        elif not self._in_table:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "th" and self._in_head:
            self.tables[-1]["columns"] += 1
        elif tag == "tr" and not self._in_head:
            self.tables[-1]["rows"].append(0)
        elif tag == "span" and "tickbox" in classes:
            self.tables[-1]["rows"][-1] += 1

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._in_table = False


def _sort_tables(html: str) -> list[dict]:
    reader = _Tables()
    reader.feed(html)
    return reader.tables


def test_every_shipped_sort_table_has_a_tick_box_per_item_per_column(app):
    school = accounts.create_school("Tick School", "england")
    checked = 0
    for lesson in load_curriculum().by_key.values():
        blocks = [b for sheet in lesson.worksheets for b in sheet.blocks if b.kind == "sort_table"]
        if not blocks:
            continue
        tables = _sort_tables(services.pack_html(services.lesson_pack_input(school, lesson)))
        assert len(tables) == len(blocks), lesson.key
        for block, table in zip(blocks, tables, strict=True):
            assert table["columns"] == len(block.columns) + 1  # the items' own column
            assert table["rows"] == [len(block.columns)] * len(block.items), lesson.key
            checked += 1
    assert checked >= 10  # the programme has a dozen sorting tables


def test_the_tick_box_count_fails_on_a_table_without_boxes():
    html = '<table class="sort-table"><thead><tr><th>a</th><th>b</th></tr></thead>'
    html += "<tbody><tr><th>1</th><td></td></tr></tbody></table>"
    assert _sort_tables(html) == [{"columns": 2, "rows": [0]}]


def test_a_writing_frame_prints_one_starter_a_line_with_writing_space(pack):
    html, pages = pack["html"], pack["pages"]
    frame = html.split('<div class="frame">', 1)[1].split("</div></div>", 1)[0] + "</div>"
    chunks = frame.split('<p class="frame-starter">')[1:]
    starters = [chunk.split("</p>", 1) for chunk in chunks]
    assert [starter for starter, _ in starters] == [
        "My guard dog barks when ...",
        "My engine gets going when ...",
        "I feel calm when ...",
    ]
    assert [after.count('<div class="line"></div>') for _, after in starters] == [2, 2, 2]
    sheet = next(text for text in pages if "Finish each sentence." in text)
    assert "My guard dog barks when ... My engine gets going when ..." in sheet


WORKSHEET_KINDS = {"lines", "draw_box", "tick_list", "sort_table", "frame"}


def _printed_pages(pdf: bytes) -> list[int]:
    """Worksheets, resources and home cards: the pages a teacher photocopies."""
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    marks = ("photocopiable", "RESOURCE TO PRINT", "nothing to hand in")
    return [n for n, text in enumerate(pages) if any(mark in text for mark in marks)]


def test_every_worksheet_kind_and_resource_page_is_rendered_to_a_picture(app, pack, tmp_path):
    """The sheets, resources and home cards as a photocopier sees them, saved in
    /tmp/res-infra-shots to be looked at (pdftoppm); each has ink on it (a page that
    rendered empty would be white)."""
    school = accounts.create_school("Sheet School", "england")
    # The pack above has lines, a drawing box, a sorting table and a writing frame; a
    # lesson with a tick list adds the last kind.
    with_ticks = next(
        lesson
        for lesson in load_curriculum().by_key.values()
        if any(b.kind == "tick_list" for s in lesson.worksheets for b in s.blocks)
    )
    ticks_pdf = rendering.render_pdf(
        services.pack_html(services.lesson_pack_input(school, with_ticks))
    )
    sources = [(pack["lesson"], pack["pdf"]), (with_ticks, ticks_pdf)]
    kinds = {b.kind for lesson, _ in sources for s in lesson.worksheets for b in s.blocks}
    assert kinds >= WORKSHEET_KINDS
    SHOTS.mkdir(exist_ok=True)
    for lesson, pdf in sources:
        path = tmp_path / "pack.pdf"
        path.write_bytes(pdf)
        numbers = _printed_pages(pdf)
        home_cards = 1 if lesson.home_card else 0
        assert len(numbers) == len(lesson.worksheets) + len(lesson.printed_resources) + home_cards
        for number in numbers:
            name = f"{lesson.key.replace('/', '-')}-page-{number + 1}"
            subprocess.run(
                ["pdftoppm", "-r", "50", "-png", "-gray", "-f", str(number + 1),
                 "-l", str(number + 1), "-singlefile", str(path), str(SHOTS / name)],
                check=True,
            )  # fmt: skip
            assert _ink(SHOTS / f"{name}.png") > 0.01, name


def _ink(png: Path) -> float:
    """The share of the page's pixels that are darker than light grey (a PGM-free read)."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    dark = sum(histogram[:200])
    return dark / sum(histogram)


# ---------------------------------------------------------------- every shipped lesson


def _first_word(svg: Path) -> str:
    """The first word of three letters or more in the drawing's text, lower case."""
    root = ElementTree.parse(svg).getroot()  # noqa: S314 - the package's own checked files
    for element in root.iter(f"{{{SVG_NS}}}text"):
        for word in re.findall(r"[A-Za-z]{3,}", "".join(element.itertext())):
            return word.lower()
    return ""


LESSON_KEYS = sorted(load_curriculum().by_key)


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_every_lesson_pack_prints_each_of_its_resources_with_its_drawing(app, key):
    """Every shipped lesson's pack: each printed resource on its own page, carrying its
    drawing; each worksheet and the home card on theirs."""
    lesson = load_curriculum().lesson(key)
    school = accounts.create_school("Every Pack School", "england")
    pdf = rendering.render_pdf(services.pack_html(services.lesson_pack_input(school, lesson)))
    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    for resource in lesson.printed_resources:
        heading = f"RESOURCE TO PRINT {resource.title}".upper()
        found = [n for n, text in enumerate(pages) if heading in text.upper()]
        assert len(found) == 1, f"{key}: {resource.id} is not on a page of its own"
        assert _paints_on(reader.pages[found[0]]) >= 1, f"{key}: {resource.id} has no drawing"
        word = _first_word(resource_path(lesson, resource))
        if word:  # a drawing with words in it: they are on the page, drawn from the SVG
            assert word in pages[found[0]].replace(" ", "").lower(), f"{key}: {resource.id}"
    sheets = [text for text in pages if "WORKSHEET" in text and "photocopiable" in text]
    assert len(sheets) == len(lesson.worksheets)
    cards = [text for text in pages if "nothing to hand in" in text]
    assert len(cards) == (1 if lesson.home_card else 0)
