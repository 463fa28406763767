"""Getting a school started: the lead's set-up checklist, its manual ticks, and what the
printed documents (parent letter, DSL and staff briefings) are filled in with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select

from ..accounts.models import (
    DEFAULT_MIN_WAVE_SIZE,
    DEFAULT_RETENTION_MONTHS,
    DEFAULT_SUPPORT_CONTACTS,
    DEFAULT_SUPPRESSION_THRESHOLD,
    School,
    User,
)
from ..audit.models import AuditEvent
from ..audit.services import record_event
from ..checkins import release
from ..checkins.questions import RATHER_NOT_SAY, questions_for
from ..core.dates import long_date
from ..core.services import ServiceError
from ..core.wording import count_of
from ..database import begin_write
from ..extensions import db
from ..scheduling.models import SchoolClass, Term
from .models import SetupTick

# The audit event accounts records when the lead saves the school settings form. The
# settings items of the checklist are done once the lead has been through that form.
SETTINGS_SAVED_ACTION = "school.settings_changed"

# The items only the lead can say are done: (title, label of the date field).
MANUAL_ITEMS: dict[str, tuple[str, str]] = {
    "dsl_briefed": ("DSL briefed", "Date the DSL was briefed"),
    "parents_informed": ("Parents and carers informed", "Date parents and carers were told"),
}
EARLIEST_TICK_DATE = date(2000, 1, 1)


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    done: bool
    # What the app found, in a few words ("2 terms", "Childline, Shout"), or "" when nothing.
    evidence: str = ""
    tick: SetupTick | None = None

    @property
    def manual(self) -> bool:
        return self.key in MANUAL_ITEMS


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def complete(self) -> bool:
        return all(item.done for item in self.items)

    def item(self, key: str) -> ChecklistItem:
        return next(item for item in self.items if item.key == key)


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def settings_saved(school_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    AuditEvent.school_id == school_id, AuditEvent.action == SETTINGS_SAVED_ACTION
                )
            )
        )
    )


def ticks_of(school_id: int) -> dict[str, SetupTick]:
    rows = db.session.scalars(select(SetupTick).where(SetupTick.school_id == school_id))
    return {tick.item: tick for tick in rows}


def build_checklist(school: School) -> Checklist:
    """Where the school is in getting started: each item done or not, with what was found."""
    saved = settings_saved(school.id)
    terms = _count(select(func.count()).select_from(Term).where(Term.school_id == school.id))
    teachers = _count(
        select(func.count())
        .select_from(User)
        .where(User.school_id == school.id, User.role == "teacher", User.active.is_(True))
    )
    classes = _count(
        select(func.count())
        .select_from(SchoolClass)
        .where(SchoolClass.school_id == school.id, SchoolClass.archived.is_(False))
    )
    contacts = [contact.name for contact in school.support_contacts]
    has_help = bool((school.trusted_adults or "").strip()) and bool(contacts)
    ticks = ticks_of(school.id)
    items = [
        ChecklistItem(
            "details",
            "School details and nation",
            saved and bool(school.name) and bool(school.nation),
            f"{school.name}, {school.nation_label}",
        ),
        ChecklistItem("terms", "Term dates", terms > 0, count_of(terms, "term") if terms else ""),
        ChecklistItem(
            "support",
            "Support contacts pupils will see",
            saved and has_help,
            ", ".join(contacts),
        ),
        ChecklistItem(
            "privacy",
            "Privacy of results and how long answers are kept",
            saved,
            f"results shown from {school.suppression_threshold} answers; raw answers kept "
            f"{school.retention_months} months",
        ),
        ChecklistItem(
            "staff",
            "Staff invited",
            teachers > 0,
            count_of(teachers, "teacher") if teachers else "",
        ),
        ChecklistItem(
            "classes", "Classes created", classes > 0, count_of(classes, "class") if classes else ""
        ),
    ]
    items += [
        ChecklistItem(key, title, key in ticks, tick=ticks.get(key))
        for key, (title, _label) in MANUAL_ITEMS.items()
    ]
    return Checklist(items)


def setup_incomplete(school: School) -> bool:
    """True while the school's set-up checklist has an item left to do.

    For the dashboard: a lead whose school is not set up yet lands on the checklist.
    """
    return not build_checklist(school).complete


def tick_item(school: School, item: str, *, done_on: date | None, lead: User, today: date) -> None:
    """Mark a manual checklist item done on `done_on` (ticking again changes the date). Commits."""
    begin_write()
    if item not in MANUAL_ITEMS:
        raise ServiceError("There is no such item on the checklist.")
    if done_on is None:
        raise ServiceError("Enter the date it was done.", "done_on")
    if done_on > today:
        raise ServiceError("The date cannot be in the future.", "done_on")
    if done_on < EARLIEST_TICK_DATE:
        raise ServiceError("Enter a date from 2000 onwards.", "done_on")
    tick = db.session.scalars(
        select(SetupTick).where(SetupTick.school_id == school.id, SetupTick.item == item)
    ).first()
    if tick is None:
        tick = SetupTick(school_id=school.id, item=item)
        db.session.add(tick)
    tick.done_on = done_on
    tick.ticked_by_id = lead.id
    record_event(
        "setup.ticked",
        school_id=school.id,
        user_id=lead.id,
        detail=f"{MANUAL_ITEMS[item][0]}, done on {long_date(done_on)}",
    )
    db.session.commit()


def untick_item(school: School, item: str, *, lead: User) -> None:
    """Mark a manual checklist item not done again. Commits."""
    begin_write()
    if item not in MANUAL_ITEMS:
        raise ServiceError("There is no such item on the checklist.")
    tick = db.session.scalars(
        select(SetupTick).where(SetupTick.school_id == school.id, SetupTick.item == item)
    ).first()
    if tick is not None:
        db.session.delete(tick)
        record_event(
            "setup.unticked", school_id=school.id, user_id=lead.id, detail=MANUAL_ITEMS[item][0]
        )
    db.session.commit()


# ---------------------------------------------------------------- the printed documents

BAND_LABELS = {
    "ks2": "Ages 7 to 11 (KS2, Years 3 to 6)",
    "ks3": "Ages 11 to 14 (KS3, Years 7 to 9)",
    "ks4": "Ages 14 to 16 (KS4, Years 10 and 11, and the sixth form)",
}


def letter_questions() -> list[tuple[str, list[str]]]:
    """Every check-in question pupils are asked, per age band, worded as pupils see them.

    Read from the check-ins' own question list (the one the pupil pages render), so the
    letter can never drift from what a child is actually asked.
    """
    return [
        (
            label,
            [question.text for question in questions_for("baseline", band)]
            + [question.text for question in questions_for("now", band)],
        )
        for band, label in BAND_LABELS.items()
    ]


def letter_answer_scales() -> dict[str, str]:
    """How pupils of each band answer, in the words (and order) their buttons show."""
    scales = {}
    for band, label in BAND_LABELS.items():
        first = questions_for("baseline", band)[0]
        icons = " (each with a picture)" if first.choices[0].icon else ""
        scales[label] = ", ".join(first.words.values()) + icons + f', or "{RATHER_NOT_SAY}"'
    return scales


@dataclass(frozen=True)
class BandLessons:
    label: str
    lesson_minutes: str
    titles: list[str]


def programme_outline() -> list[BandLessons]:
    """The eight core lessons per band, from the curriculum files."""
    from ..curriculum.loader import load_curriculum

    curriculum = load_curriculum()
    outline = []
    for band in curriculum.bands.values():
        rules = band.rules
        low, high = rules.lesson_minutes
        outline.append(
            BandLessons(
                label=f"{rules.name} ({rules.years})",
                lesson_minutes=f"{low} to {high} minutes",
                titles=[lesson.title for lesson in band.core],
            )
        )
    return outline


def privacy_defaults() -> dict[str, int]:
    return {
        "suppression_threshold": DEFAULT_SUPPRESSION_THRESHOLD,
        "min_wave_size": DEFAULT_MIN_WAVE_SIZE,
        "retention_months": DEFAULT_RETENTION_MONTHS,
    }


@dataclass(frozen=True)
class Protection:
    """How a school's released check-in figures protect pupils, for the notices."""

    label: str
    two_choice_percent: int  # the best guess between two answers to one question
    rho_question: float  # zero-concentrated DP, the worst question
    rho_check_in: float  # the whole answer set
    epsilon_question: float  # (epsilon, delta)-DP, the worst question
    delta: float


def protection_for(school: School | None) -> Protection:
    """The privacy loss of the school's protection level (the default without a school),
    worked out by OpenDP from the mechanism itself, so the notices follow the settings."""
    level = release.level_for(school.protection if school else None)
    worst = max(
        (
            release.privacy_loss("baseline", level.key, item)
            for item in release.items_of("baseline")
        ),
        key=lambda loss: loss.rho,
    )
    whole = release.privacy_loss("baseline", level.key)
    return Protection(
        label=level.label,
        two_choice_percent=worst.two_choice_percent,
        rho_question=round(worst.rho, 2),
        rho_check_in=round(whole.rho, 2),
        epsilon_question=round(worst.epsilon, 1),
        delta=release.DELTA,
    )


def support_contacts_for(school: School | None, band: str) -> list[tuple[str, str]]:
    """The help pupils of `band` see: the school's contacts, or the defaults without a school."""
    if school is None:
        return [
            (name, detail)
            for name, detail, ks2, ks34 in DEFAULT_SUPPORT_CONTACTS
            if (ks2 if band == "ks2" else ks34)
        ]
    return [(c.name, c.detail) for c in school.support_contacts if c.shown_to(band)]


def months_in_words(months: int) -> str:
    """24 -> "24 months (2 years)"; 18 -> "18 months"."""
    if months % 12 == 0:
        years = months // 12
        return f"{months} months ({years} year{'' if years == 1 else 's'})"
    return f"{months} month{'' if months == 1 else 's'}"
