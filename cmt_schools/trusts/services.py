"""Trust use cases: trusts and their schools, the dashboard, the summary, the trust's log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import School, User
from ..core.services import ServiceError
from ..database import begin_write
from ..extensions import db
from ..onboarding.services import build_checklist
from ..reports.model import DeliveryFigures, GroupSummary
from ..scheduling.models import Term
from .models import Trust, TrustEvent, TrustSchool
from .summary import SchoolPart, TrustSummary, summarise_trust
from .terms import TrustTerm, term_for, trust_terms


def create_trust(name: str) -> Trust:
    """A new trust (a multi-academy trust or a local authority). Commits."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise ServiceError("Give the trust a name of up to 120 characters.", "name")
    begin_write()
    trust = Trust(name=name)
    db.session.add(trust)
    db.session.commit()
    return trust


def find_trust(trust_id: int) -> Trust | None:
    return db.session.get(Trust, trust_id)


def add_school_to_trust(trust: Trust, school: School, *, sees_from: date) -> TrustSchool:
    """The trust sees the school's released figures of check-ins opened from `sees_from`.
    A school belongs to one trust at most. Commits."""
    begin_write()
    held = membership_of(school.id)
    if held is not None:
        db.session.rollback()
        if held.trust_id == trust.id:
            raise ServiceError(f"{school.name} is already in {trust.name}.", "school_id")
        raise ServiceError(
            f"{school.name} is already in another trust ({held.trust.name}).", "school_id"
        )
    membership = TrustSchool(trust_id=trust.id, school_id=school.id, sees_from=sees_from)
    db.session.add(membership)
    db.session.flush()
    _record(trust.id, None, "trust.school_added", f"{school.name} [school {school.id}]")
    db.session.commit()
    return membership


def membership_of(school_id: int) -> TrustSchool | None:
    """The trust a school is in, if any (for the school lead's data page)."""
    return db.session.scalars(
        select(TrustSchool)
        .options(joinedload(TrustSchool.trust))
        .where(TrustSchool.school_id == school_id)
    ).first()


def trust_for_user(user: User, trust_id: int) -> Trust | None:
    """The trust by id if this user is one of its staff; else None (the view's 404)."""
    if user.trust_id is None or user.trust_id != trust_id:
        return None
    return find_trust(trust_id)


def members(trust_id: int) -> list[TrustSchool]:
    return list(
        db.session.scalars(
            select(TrustSchool)
            .options(joinedload(TrustSchool.school))
            .where(TrustSchool.trust_id == trust_id)
            .order_by(TrustSchool.id)
        ).unique()
    )


def terms_by_school(school_ids: list[int]) -> dict[int, list[Term]]:
    found: dict[int, list[Term]] = {school_id: [] for school_id in school_ids}
    if school_ids:
        for term in db.session.scalars(select(Term).where(Term.school_id.in_(school_ids))):
            found[term.school_id].append(term)
    return found


def terms_of_trust(trust_id: int) -> list[TrustTerm]:
    """Every trust term any of its schools has, newest first."""
    schools = [m.school_id for m in members(trust_id)]
    return trust_terms([t for terms in terms_by_school(schools).values() for t in terms])


def summary_for(trust: Trust, term: TrustTerm, *, today: date) -> TrustSummary:
    """The trust's summary for a trust term: each school's term of that name."""
    memberships = members(trust.id)
    terms = terms_by_school([m.school_id for m in memberships])
    parts = [
        SchoolPart(m.school, term_for(term, terms[m.school_id]), m.sees_from) for m in memberships
    ]
    return summarise_trust(trust.id, trust.name, term, parts, today=today)


# ------------------------------------------------------------------ the dashboard


@dataclass(frozen=True)
class SchoolAtAGlance:
    """One school's programme at a glance, for the trust's dashboard."""

    school: School
    term: Term | None
    sees_from: date
    setup_done: int
    setup_total: int
    delivery: DeliveryFigures
    group: GroupSummary

    def participation(self, kind: str) -> int | None:
        return self.group.participation_percent(kind)

    @property
    def check_ins_held(self) -> int:
        return sum(self.group.held.values())


def dashboard_rows(summary: TrustSummary) -> list[SchoolAtAGlance]:
    rows = []
    for part in summary.parts:
        checklist = build_checklist(part.school)
        group = summary.school_group(part.school.id)
        rows.append(
            SchoolAtAGlance(
                school=part.school,
                term=part.term,
                sees_from=part.sees_from,
                setup_done=checklist.done_count,
                setup_total=len(checklist.items),
                delivery=group.delivery,
                group=group,
            )
        )
    return rows


# ------------------------------------------------------------------ the trust's log


def _record(trust_id: int, user_id: int | None, action: str, detail: str) -> TrustEvent:
    event = TrustEvent(trust_id=trust_id, user_id=user_id, action=action, detail=detail[:300])
    db.session.add(event)
    current_app.logger.info(
        "audit: action=%s trust=%s user=%s %s", action, trust_id, user_id, detail[:300]
    )
    return event


def record_download(user: User, trust_id: int, term: TrustTerm, file_format: str) -> None:
    """One entry in the trust's log for a downloaded summary (who, what, when)."""
    begin_write()
    _record(
        trust_id,
        user.id,
        "trust.report_download",
        f"Trust summary ({file_format.upper()}) for {term.label}",
    )
    db.session.commit()


def trust_log(trust_id: int, page: int, size: int) -> tuple[list[TrustEvent], bool]:
    """One page of the trust's log, newest first, and whether an older page exists."""
    events = list(
        db.session.scalars(
            select(TrustEvent)
            .options(joinedload(TrustEvent.user))
            .where(TrustEvent.trust_id == trust_id)
            .order_by(TrustEvent.created_at.desc(), TrustEvent.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    )
    return events[:size], len(events) > size
