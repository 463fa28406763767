"""Lesson packs and term packs: what goes into them, and rendering them once.

A pack is described by a `PackInput` of plain values (school, class, lessons and dates),
read from the database by `lesson_pack_input` or `term_pack_input`. The PDF depends on
nothing else but the lesson files and the print templates, so a hash of the input, the
lessons' content versions and the templates' own hash is a complete cache key:
a worker renders each pack once and keeps it under that key (cmt_schools/renders/), and a
download of an unchanged pack finds it there.

Bounded cost: every piece of teacher- or lead-entered text has a length limit (the form's),
a term pack holds at most MAX_TERM_LESSONS lessons, and a lesson file is itself limited
by its schema. With those limits a lesson pack (about 12 pages) renders in under a second
and a ten-lesson term pack (about 100 pages) in about 6 s on a small server core
(benchmarks/RESULTS.md). RENDER_BUDGET_SECONDS is the budget: WeasyPrint cannot be
interrupted mid-render, so the limits above are what keep a render within it, and a render
that overruns it is logged as a warning so it is seen and looked into.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time as clock
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Literal

import weasyprint
from flask import current_app, render_template
from sqlalchemy import select

from ..accounts.models import School
from ..core.dates import long_date, short_date
from ..core.services import ServiceError
from ..curriculum.loader import load_curriculum
from ..curriculum.schema import BAND_RULES, Lesson
from ..extensions import db
from ..scheduling.models import LessonOccurrence, SchoolClass
from . import rendering
from .resources import HOME_CARDS_PER_PAGE, resource_pages, resources_version
from .worksheets import sheet_layout

# Bump when the layout changes in a way the template files' hash would not show.
PACK_LAYOUT_VERSION = "1"
MAX_TERM_LESSONS = 12
MAX_CONTACTS = 12
# The most characters of each piece of user-entered text a pack will print (the forms' limits).
TEXT_LIMITS = {
    "school name": 120,
    "class name": 40,
    "trusted adults": 500,
    "support contact name": 80,
    "support contact detail": 160,
}
RENDER_BUDGET_SECONDS = {"lesson": 2.0, "term": 10.0}
# Occurrences a term pack prints: cancelled and skipped lessons are not taught.
PRINTED_STATUSES = ("scheduled", "delivered")
TEMPLATES = {"lesson": "print/lesson_pack.html", "term": "print/term_pack.html"}


class PackRefused(ServiceError):
    """A pack that cannot be made from this input (too long, too many lessons, none)."""


@dataclass(frozen=True)
class SchoolPart:
    id: int
    name: str
    trusted_adults: str
    contacts: tuple[tuple[str, str], ...]  # (name, how to reach them), for the pack's band


@dataclass(frozen=True)
class ClassPart:
    id: int
    name: str
    year_label: str
    band: str


@dataclass(frozen=True)
class PackLesson:
    key: str
    content_version: str
    on: date | None = None
    starts_at: time | None = None


@dataclass(frozen=True)
class PackInput:
    """Everything a pack shows that does not come from the lesson files or templates."""

    kind: Literal["lesson", "term"]
    band: str
    school: SchoolPart
    school_class: ClassPart | None
    lessons: tuple[PackLesson, ...]

    def cache_key(self) -> str:
        curriculum = load_curriculum()
        printed = [curriculum.lesson(planned.key) for planned in self.lessons]
        payload = {
            "input": dataclasses.asdict(self),
            "band_rules": dataclasses.asdict(BAND_RULES[self.band]),
            "templates": template_version(),
            "resources": resources_version(lesson for lesson in printed if lesson),
        }
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


# ---------------------------------------------------------------- reading the input


def _school_part(school: School, band: str) -> SchoolPart:
    contacts = tuple(
        (contact.name, contact.detail)
        for contact in school.support_contacts
        if contact.shown_to(band)
    )
    part = SchoolPart(
        id=school.id,
        name=school.name,
        trusted_adults=school.trusted_adults or "",
        contacts=contacts,
    )
    _check_length("school name", part.name)
    _check_length("trusted adults", part.trusted_adults)
    if len(contacts) > MAX_CONTACTS:
        raise PackRefused(
            f"A pack lists at most {MAX_CONTACTS} support contacts; the school settings have more.",
            "contacts",
        )
    for name, detail in contacts:
        _check_length("support contact name", name)
        _check_length("support contact detail", detail)
    return part


def _class_part(school_class: SchoolClass) -> ClassPart:
    _check_length("class name", school_class.name)
    return ClassPart(
        id=school_class.id,
        name=school_class.name,
        year_label=school_class.year_label,
        band=school_class.band,
    )


def _check_length(label: str, text: str) -> None:
    limit = TEXT_LIMITS[label]
    if len(text) > limit:
        raise PackRefused(
            f"The {label} is longer than a pack can print ({limit} characters at most). "
            "Shorten it, then download the pack again.",
            label.replace(" ", "_"),
        )


def lesson_pack_input(
    school: School, lesson: Lesson, *, occurrence: LessonOccurrence | None = None
) -> PackInput:
    """The input of a lesson pack: a band's lesson, or one lesson as a class will have it."""
    school_class = occurrence.school_class if occurrence else None
    return PackInput(
        kind="lesson",
        band=lesson.band,
        school=_school_part(school, lesson.band),
        school_class=_class_part(school_class) if school_class else None,
        lessons=(
            PackLesson(
                key=lesson.key,
                content_version=lesson.content_version,
                on=occurrence.scheduled_on if occurrence else None,
                starts_at=occurrence.starts_at if occurrence else None,
            ),
        ),
    )


def term_pack_input(school: School, school_class: SchoolClass) -> PackInput:
    """The input of a class's term pack: its scheduled and delivered lessons, in order."""
    occurrences = db.session.scalars(
        select(LessonOccurrence)
        .where(
            LessonOccurrence.class_id == school_class.id,
            LessonOccurrence.school_id == school.id,
            LessonOccurrence.status.in_(PRINTED_STATUSES),
        )
        .order_by(LessonOccurrence.position, LessonOccurrence.scheduled_on)
    ).all()
    if not occurrences:
        raise PackRefused(
            "There are no lessons scheduled for this class yet, so there is no term pack to "
            "print. Schedule the programme first."
        )
    if len(occurrences) > MAX_TERM_LESSONS:
        raise PackRefused(
            f"A term pack holds at most {MAX_TERM_LESSONS} lessons, and this class has "
            f"{len(occurrences)} scheduled. Print the lesson packs one at a time instead."
        )
    curriculum = load_curriculum()
    lessons = []
    for occurrence in occurrences:
        lesson = curriculum.lesson(occurrence.lesson_key)
        if lesson is None:
            raise PackRefused(
                f"A scheduled lesson ({occurrence.lesson_key}) is no longer in the curriculum. "
                "Ask your school's lead to check the class's plan."
            )
        lessons.append(
            PackLesson(
                key=lesson.key,
                content_version=lesson.content_version,
                on=occurrence.scheduled_on,
                starts_at=occurrence.starts_at,
            )
        )
    band = school_class.band
    return PackInput(
        kind="term",
        band=band,
        school=_school_part(school, band),
        school_class=_class_part(school_class),
        lessons=tuple(lessons),
    )


# ---------------------------------------------------------------- rendering


def render_pack(pack: PackInput) -> bytes:
    """The pack's PDF, rendered now (a worker calls this; downloads take the stored file)."""
    return _render(pack)


def _render(pack: PackInput) -> bytes:
    started = clock.perf_counter()
    html = pack_html(pack)
    pdf = rendering.render_pdf(html)
    elapsed = clock.perf_counter() - started
    budget = RENDER_BUDGET_SECONDS[pack.kind]
    if elapsed > budget:
        current_app.logger.warning(
            "packs: %s pack took %.1f s to render (budget %.1f s, %d lessons)",
            pack.kind,
            elapsed,
            budget,
            len(pack.lessons),
        )
    return pdf


# Whitespace that holds a line break between two tags is only template layout. Dropping it
# spares the renderer thousands of empty text nodes and boxes; templates keep a space on
# one line where two inline elements need one between them.
_LAYOUT_WHITESPACE = re.compile(r">\s*\n\s*<")


def pack_html(pack: PackInput) -> str:
    """The pack as an HTML document for the renderer (Jinja's autoescaping on)."""
    html = render_template(TEMPLATES[pack.kind], **_template_context(pack))
    return _LAYOUT_WHITESPACE.sub("><", html)


def template_version() -> str:
    """A hash of the print templates, the print CSS and images, and the code that fills them."""
    digest = hashlib.sha256(f"{PACK_LAYOUT_VERSION}:{weasyprint.__version__}".encode())
    template_root = Path(current_app.root_path) / (current_app.template_folder or "templates")
    files = sorted((template_root / "print").glob("*.html"))
    files += [rendering.STATIC_DIR / "css" / name for name in PRINT_STYLESHEETS]
    files += sorted(_PACK_IMAGES.values())
    files += [Path(__file__), Path(rendering.__file__)]
    files += [Path(__file__).with_name(name) for name in ("resources.py", "worksheets.py")]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- what the templates get

_PACK_IMAGES = {"three-systems": rendering.STATIC_DIR / "img" / "three-systems.svg"}
PRINT_STYLESHEETS = ("print.css", "print-resources.css")
PRACTICE_KINDS = {
    "breathing": "Breathing practice",
    "timer": "Quiet timer",
    "body_scan": "Body scan",
    "imagery": "Imagery practice",
}
# Lessons that show a diagram in one of their steps: (slug, stage) -> image name.
DIAGRAMS = {("02-three-systems", "big_idea"): "three-systems"}


@dataclass(frozen=True)
class PackEntry:
    number: int  # 1-based place in the pack
    anchor: str
    lesson: Lesson
    planned: PackLesson


def _template_context(pack: PackInput) -> dict:
    curriculum = load_curriculum()
    entries = []
    for number, planned in enumerate(pack.lessons, start=1):
        lesson = curriculum.lesson(planned.key)
        if lesson is None:
            raise PackRefused(f"The lesson {planned.key} is no longer in the curriculum.")
        entries.append(PackEntry(number, f"lesson-{number}", lesson, planned))
    return {
        "pack": pack,
        "entries": entries,
        "band_rules": BAND_RULES[pack.band],
        "title": document_title(pack, entries[0].lesson),
        "text_blocks": text_blocks,
        "screen_lines": screen_lines,
        "long_date": long_date,
        "short_date": short_date,
        "clock_time": clock_time,
        "timings": timings,
        "practice_kind": PRACTICE_KINDS.get,
        "diagram_for": lambda lesson, step: DIAGRAMS.get((lesson.slug, step.stage)),
        "plan_is_long": plan_is_long,
        "sheet_layout": sheet_layout,
        "resource_pages": resource_pages,
        "home_cards_per_page": HOME_CARDS_PER_PAGE,
        "worksheet_count": sum(len(entry.lesson.worksheets) for entry in entries),
        "resource_count": sum(len(entry.lesson.printed_resources) for entry in entries),
    }


def document_title(pack: PackInput, first: Lesson) -> str:
    class_name = pack.school_class.name if pack.school_class else None
    if pack.kind == "term":
        return f"Term pack: {class_name}, {pack.school.name}"
    label = f"{first.label}: {first.title}"
    planned = pack.lessons[0]
    if class_name and planned.on:
        return f"{label} ({class_name}, {long_date(planned.on)})"
    return f"{label} ({BAND_RULES[pack.band].name} lesson pack)"


def text_blocks(text: str) -> list[tuple[str, str | list[str]]]:
    """A lesson file's prose as ("p", paragraph) and ("ul", [items]) blocks.

    Paragraphs are separated by blank lines; their line breaks fold into spaces, except
    before lines that start with "- ", which are the items of a bulleted list.
    """
    blocks: list[tuple[str, str | list[str]]] = []
    for part in re.split(r"\n\s*\n", text):
        lines: list[str] = []
        items: list[str] = []
        for raw in part.splitlines():
            line = raw.strip()
            if line.startswith("- "):
                if lines:
                    blocks.append(("p", " ".join(lines)))
                    lines = []
                items.append(line[2:].strip())
            elif line and items and raw[:1].isspace():
                items[-1] += " " + line  # an item's continuation line, indented
            elif line:
                if items:
                    blocks.append(("ul", items))
                    items = []
                lines.append(line)
        if lines:
            blocks.append(("p", " ".join(lines)))
        if items:
            blocks.append(("ul", items))
    return blocks


def screen_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def clock_time(moment: time) -> str:
    return f"{moment:%H:%M}"


def plan_is_long(lesson: Lesson) -> bool:
    """A plan with this much text is set tighter so that it still fits on one page."""
    characters = len(lesson.preparation) + sum(map(len, (*lesson.intentions, *lesson.materials)))
    return characters > 1350


def timings(lesson: Lesson, starts_at: time | None) -> list[tuple[str, object]]:
    """Each step with its slot: clock times when the start is known, else minutes in."""
    rows = []
    elapsed = 0
    for step in lesson.steps:
        start, end = elapsed, elapsed + step.minutes
        if starts_at is not None:
            base = starts_at.hour * 60 + starts_at.minute
            slot = f"{_hhmm(base + start)}–{_hhmm(base + end)}"
        else:
            slot = f"{start}–{end} min"
        rows.append((slot, step))
        elapsed = end
    return rows


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------- file names

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def safe_name_part(text: str, fallback: str) -> str:
    """Letters, digits and single hyphens only: `../x` is `x`, `=cmd` is `cmd`, `8 B` is `8-B`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_text).strip("-")[:40].strip("-")
    return cleaned or fallback


def _lesson_slug_part(lesson: Lesson) -> str:
    if lesson.number:
        return f"lesson-{lesson.number}"
    return safe_name_part(lesson.slug.removeprefix("extra-"), "lesson")


def pack_filename(pack: PackInput) -> str:
    """`8B-lesson-3-2026-11-24.pdf`, `ks3-lesson-3.pdf` or `8B-term-pack.pdf`."""
    class_part = safe_name_part(pack.school_class.name, "class") if pack.school_class else None
    if pack.kind == "term":
        return f"{class_part}-term-pack.pdf"
    lesson = load_curriculum().lesson(pack.lessons[0].key)
    lesson_part = _lesson_slug_part(lesson) if lesson else "lesson"
    planned = pack.lessons[0]
    if class_part and planned.on:
        return f"{class_part}-{lesson_part}-{planned.on.isoformat()}.pdf"
    return f"{pack.band}-{lesson_part}.pdf"
