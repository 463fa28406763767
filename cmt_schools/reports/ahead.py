"""Term summaries as render jobs: the PDF, the CSV and the page's figures of a school's term,
made by a worker.

A summary's key must be known before the summary is: working the summary out is what takes
the time. So the key is a hash of what the summary is made from, read cheaply: the school's
settings, the term, the date (it says which lessons are overdue and which week it is), the
classes and their teachers, each class's lesson and delivery counts (two grouped statements,
a row per class), and the term's finalised check-ins by count and ids (their released
figures are written once, when the check-in is finalised, and never change). Anything that
changes what the PDF shows changes one of these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, select

from ..accounts.models import School
from ..checkins.models import CheckIn, CheckInRelease
from ..checkins.services import finalise_due_checkins
from ..core.dates import school_today, utcnow
from ..extensions import db
from ..packs.rendering import render_pdf
from ..renders import RenderJob, each_day, every_few_minutes, plans_ahead, renderer, watch
from ..renders.jobs import content_hash, layout_hash
from ..renders.store import stored_or_made
from ..runner.models import Delivery
from ..scheduling.models import SchoolClass, Term
from . import exports, queries
from .context import summary_context
from .summary import summarise_term

PRINT_TEMPLATE = "reports/term_summary_print.html"
# Bump when the PDF changes in a way the templates' and modules' hash would not show.
SUMMARY_LAYOUT_VERSION = "1"


BODY_TEMPLATE = "reports/_term_summary_body.html"
FORMATS = {
    "pdf": "the term summary",
    "csv": "the term summary's table",
    "html": "the term summary's page",
}


@dataclass(frozen=True)
class SummarySpec:
    school_id: int
    term_id: int
    today: date


def summary_job(school: School, term: Term, today: date, file_format: str = "pdf") -> RenderJob:
    """The summary as a PDF ("pdf"), its tidy table ("csv") or the figures of its page
    ("html", without the page around them): one key each."""
    return summary_jobs(school, term, today, (file_format,))[0]


def summary_jobs(
    school: School, term: Term, today: date, formats: Sequence[str]
) -> list[RenderJob]:
    """A job for each format, from one reading of what the summary shows."""
    key = summary_key(school, term, today)
    return [_summary_job(school, term, today, key, file_format) for file_format in formats]


def _summary_job(school: School, term: Term, today: date, key: str, file_format: str) -> RenderJob:
    if file_format != "pdf":
        key = hashlib.sha256(f"{key}:{file_format}".encode()).hexdigest()
    return RenderJob(
        kind=f"summary-{file_format}",
        key=key,
        school_id=school.id,
        spec=SummarySpec(school.id, term.id, today),
        what=f"{FORMATS[file_format]} for {' '.join(term.name.split())}",
    )


def summary_filename(term: Term, file_format: str = "pdf") -> str:
    return f"term-summary-{exports.safe_filename(term.name, f'term-{term.id}')}.{file_format}"


def summary_key(school: School, term: Term, today: date) -> str:
    params = queries.query_params(school.id, term, today)
    connection = db.session.connection()
    classes = connection.execute(queries.CLASS_QUERY, {"school_id": school.id}).all()
    delivery = connection.execute(queries.DELIVERY_QUERY, params).all()
    checkins = connection.execute(
        select(
            func.count(CheckIn.id),
            func.coalesce(func.sum(CheckIn.id), 0),
            func.coalesce(func.sum(CheckIn.answer_count), 0),
            func.count(CheckInRelease.check_in_id),
        )
        .select_from(CheckIn)
        .outerjoin(CheckInRelease, CheckInRelease.check_in_id == CheckIn.id)
        .where(queries._TERM_CHECKINS),
        params,
    ).one()
    payload = {
        "school": {column.key: getattr(school, column.key) for column in School.__table__.c},
        "term": [term.id, term.name, term.first_day, term.last_day],
        "today": today,
        "classes": [list(row) for row in sorted(classes)],
        "delivery": [list(row) for row in sorted(delivery)],
        "checkins": list(checkins),
        "layout": layout_version(),
    }
    return content_hash(payload)


def layout_version() -> str:
    """A hash of the summary's templates, its print stylesheet and the reports modules."""
    return layout_hash(
        SUMMARY_LAYOUT_VERSION,
        templates="reports",
        modules_beside=__file__,
        static=("css/report-print.css",),
    )


def _summary(spec: SummarySpec):
    school = db.session.get(School, spec.school_id)
    term = db.session.get(Term, spec.term_id)
    if school is None or term is None or term.school_id != school.id:
        raise LookupError("the school or its term is gone")
    return summarise_term(school, term, today=spec.today)


@renderer("summary-pdf")
def render(spec: SummarySpec) -> bytes:
    summary = _summary(spec)
    return render_pdf(render_template(PRINT_TEMPLATE, **summary_context(summary)))


@renderer("summary-csv")
def render_csv(spec: SummarySpec) -> bytes:
    return exports.to_csv(_summary(spec))


@renderer("summary-html")
def render_page_body(spec: SummarySpec) -> bytes:
    return render_body(_summary(spec)).encode()


def summary_body(school: School, term: Term, today: date) -> Markup:
    """The summary page's figures: from the store (the worker renders them ahead), or worked
    out here and kept for the next lead who opens the page."""
    job = summary_job(school, term, today, "html")
    content = stored_or_made(
        job, lambda: render_body(summarise_term(school, term, today=today)).encode()
    )
    return Markup(content.decode())  # noqa: S704 - rendered by our own escaping templates


def render_body(summary) -> str:
    """The summary page's figures (all but the page around them and its term picker)."""
    return render_template(BODY_TEMPLATE, **summary_context(summary))


@plans_ahead("summary")
def current_summary(school_id: int) -> Iterator[RenderJob]:
    """The summary a lead opening the page today would see: the term today falls in (or
    the latest started, or the next)."""
    school = db.session.get(School, school_id)
    if school is None:
        return
    today = school_today(school)
    terms = db.session.scalars(
        select(Term).where(Term.school_id == school_id).order_by(Term.first_day.desc())
    ).all()
    term = queries.default_term(list(terms), today)
    if term is not None:
        # Page first: more leads open the page than download its files.
        yield from summary_jobs(school, term, today, ("html", "pdf", "csv"))


@plans_ahead("school")
def school_summary(school_id: int) -> Iterator[RenderJob]:
    yield from current_summary(school_id)


@plans_ahead("class")
def class_summary(class_id: int) -> Iterator[RenderJob]:
    school_id = db.session.scalar(select(SchoolClass.school_id).where(SchoolClass.id == class_id))
    if school_id is not None:
        yield from current_summary(school_id)


@every_few_minutes
def finalise_closed_checkins() -> None:
    finalise_due_checkins(utcnow())


@each_day
def every_school() -> set[tuple[str, int]]:
    return {("summary", school_id) for school_id in db.session.scalars(select(School.id))}


watch(CheckIn, lambda check_in: [("summary", check_in.school_id)])
watch(Delivery, lambda delivery: [("summary", delivery.school_id)])
watch(Term, lambda term: [("summary", term.school_id)])
# A lesson moved, skipped or cancelled changes the summary's counts too: its class's scope
# (packs watch lessons for it) plans the summary as well (class_summary).
