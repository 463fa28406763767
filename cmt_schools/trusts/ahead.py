"""Trust summaries as render jobs: the PDF, the CSV and the page's figures of a trust's term,
made by a worker.

A trust summary is its member schools' released figures, summed and protected again
(summary.py), so its key is made of theirs: each member school's own summary key for its
term of that name (reports/ahead.py says what that covers), with the day it joined the
trust, plus the trust's name, the term, the date and a hash of the trust's templates and
modules. Whatever changes a school's summary changes its trust's too, and the worker
renders both: a school's summary scope plans its trust's summary (below).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from markupsafe import Markup
from sqlalchemy import delete, select

from ..core.dates import school_zone
from ..extensions import db
from ..onboarding.data import before_school_data_deleted
from ..packs.rendering import render_pdf
from ..renders import RenderJob, plans_ahead, renderer, watch
from ..renders.jobs import content_hash, layout_hash
from ..renders.models import RenderedFile
from ..renders.store import stored_or_made
from ..reports.ahead import layout_version as school_layout_version
from ..reports.ahead import summary_key
from . import exports, services
from .context import summary_context
from .models import Trust, TrustSchool
from .terms import TrustTerm, default_trust_term, find_trust_term, term_for

PRINT_TEMPLATE = "trusts/summary_print.html"
BODY_TEMPLATE = "trusts/_summary_body.html"
FORMATS = {
    "pdf": "the trust summary",
    "csv": "the trust summary's table",
    "html": "the trust summary's page",
}


@dataclass(frozen=True)
class TrustSummarySpec:
    trust_id: int
    term_slug: str
    today: date


def trust_today() -> date:
    """A trust has no time zone of its own: its pages and files go by London's date."""
    return datetime.now(school_zone(None)).date()


def trust_summary_job(trust: Trust, term: TrustTerm, today: date, file_format: str) -> RenderJob:
    """The trust's summary for a term as a PDF ("pdf"), its tidy table ("csv") or the
    figures of its page ("html")."""
    return trust_summary_jobs(trust, term, today, (file_format,))[0]


def trust_summary_jobs(
    trust: Trust, term: TrustTerm, today: date, formats: Sequence[str]
) -> list[RenderJob]:
    """A job for each format, from one reading of the member schools' summaries' inputs."""
    key = trust_summary_key(trust, term, today)
    return [_trust_summary_job(trust, term, today, key, file_format) for file_format in formats]


def _trust_summary_job(
    trust: Trust, term: TrustTerm, today: date, key: str, file_format: str
) -> RenderJob:
    return RenderJob(
        kind=f"trust-summary-{file_format}",
        key=hashlib.sha256(f"{key}:trust:{file_format}".encode()).hexdigest(),
        school_id=None,
        trust_id=trust.id,
        spec=TrustSummarySpec(trust.id, term.slug, today),
        what=f"{FORMATS[file_format]} for {term.label}",
    )


def trust_summary_key(trust: Trust, term: TrustTerm, today: date) -> str:
    memberships = services.members(trust.id)
    terms = services.terms_by_school([m.school_id for m in memberships])
    parts = []
    for membership in memberships:
        school_term = term_for(term, terms[membership.school_id])
        school_key = summary_key(membership.school, school_term, today) if school_term else None
        parts.append([membership.school_id, membership.sees_from, school_key])
    payload = {
        "trust": [trust.id, trust.name],
        "term": [term.name, term.year, term.first_day],
        "today": today,
        "schools": parts,
        "layout": layout_version(),
    }
    return content_hash(payload)


def layout_version() -> str:
    """The school summary's layout hash, with the trust's templates and modules."""
    return layout_hash(school_layout_version(), templates="trusts", modules_beside=__file__)


def _summary(spec: TrustSummarySpec):
    trust = services.find_trust(spec.trust_id)
    term = find_trust_term(services.terms_of_trust(spec.trust_id), spec.term_slug)
    if trust is None or term is None:
        raise LookupError("the trust or its term is gone")
    return services.summary_for(trust, term, today=spec.today)


@renderer("trust-summary-pdf")
def render_trust_pdf(spec: TrustSummarySpec) -> bytes:
    return render_pdf(render_template(PRINT_TEMPLATE, **summary_context(_summary(spec))))


@renderer("trust-summary-csv")
def render_trust_csv(spec: TrustSummarySpec) -> bytes:
    return exports.to_csv(_summary(spec))


@renderer("trust-summary-html")
def render_trust_page_body(spec: TrustSummarySpec) -> bytes:
    return render_body(_summary(spec)).encode()


def render_body(summary) -> str:
    """The trust summary page's figures (all but the page around them and its term picker)."""
    return render_template(BODY_TEMPLATE, **summary_context(summary))


def trust_summary_body(trust: Trust, term: TrustTerm, today: date) -> Markup:
    """The trust summary page's figures: from the store, or worked out here and kept.
    A trust's summary reads every member school's, so on a trust of many schools this is
    what keeps its page quick."""
    job = trust_summary_job(trust, term, today, "html")
    content = stored_or_made(
        job, lambda: render_body(services.summary_for(trust, term, today=today)).encode()
    )
    return Markup(content.decode())  # noqa: S704 - rendered by our own escaping templates


@plans_ahead("trust")
def current_trust_summary(trust_id: int) -> Iterator[RenderJob]:
    """The summary a trust's staff opening its page today would see (its default term)."""
    trust = services.find_trust(trust_id)
    if trust is None:
        return
    today = trust_today()
    term = default_trust_term(services.terms_of_trust(trust_id), today)
    if term is not None:
        # Page first: more of the trust's staff read it than download its files.
        yield from trust_summary_jobs(trust, term, today, ("html", "pdf", "csv"))


@plans_ahead("school")
@plans_ahead("summary")
def member_school_summary(school_id: int) -> Iterator[RenderJob]:
    """A school's summary changed: so did its trust's."""
    membership = services.membership_of(school_id)
    if membership is not None:
        yield from current_trust_summary(membership.trust_id)


@before_school_data_deleted
def forget_files_showing(school_id: int) -> dict[str, int]:
    """A school's data is being deleted: its trust's rendered summaries show its figures,
    and go too (the next request renders them without it)."""
    result = db.session.execute(
        delete(RenderedFile).where(
            RenderedFile.trust_id.in_(
                select(TrustSchool.trust_id).where(TrustSchool.school_id == school_id)
            )
        )
    )
    return {"rendered_file (the trust's)": result.rowcount} if result.rowcount else {}


# Each morning's renders need nothing more: every school's summary scope is due then
# (reports/ahead.py), and plans its trust's summary too.
watch(Trust, lambda trust: [("trust", trust.id)])
watch(TrustSchool, lambda membership: [("trust", membership.trust_id)])
