"""Term summaries: delivery, participation and change, per class, year group and school.

`summarise_term` runs three queries, the same SQL on SQLite and PostgreSQL, each bounded
through an index by the school (and the term's dates), so its cost grows with the school's
own rows for the term, never with the size of the tables:

- the term's finalised check-ins with their released figures;
- lessons per class and status, with their recorded delivery steps;
- the school's classes.

Figures about pupils' answers come from each check-in's release only (checkins/release.py):
noisy figures drawn once when it was finalised. Each check-in's n, Σx and Σx² per measure
(with the covariance of their noise) are put through `protection.protect`, once per column,
and added up per class, year group and school from the leaves it lets count; sums of
released figures are arithmetic on them, so they reveal nothing more, and intervals carry
the noise. Everything the screen, the PDF and the CSV show comes from the one
`TermSummary` this returns, so one rule decides what is published everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import joinedload

from ..accounts.models import School, User
from ..audit.models import AuditEvent
from ..audit.services import record_event
from ..checkins.figures import ReleasedCheckIn
from ..checkins.models import CheckIn, CheckInRelease, ReleasedFigure
from ..checkins.release import Figure as ReleasedValue
from ..checkins.release import Statistic
from ..database import begin_write
from ..extensions import db
from ..runner.models import Delivery, DeliveryStep
from ..scheduling.models import YEAR_GROUPS, LessonOccurrence, SchoolClass, Term, band_for_year
from . import protection
from .protection import COMPLEMENTARY, NO_ANSWERS, SHOWN, SMALL, LeafCount, protect
from .statistics import Change, Moments, compare_waves, whole_percent

WAVES = ("baseline", "endpoint")
KINDS = ("baseline", "endpoint", "now")
KIND_LABELS = {"baseline": "Start of term", "endpoint": "End of term", "now": "Right now"}
MEASURES = ("worry", "self_compassion", "s1", "g1")
NOW_MEASURE = "right_now"
ANY_MEASURE = "any"
BANDS = {
    "ks2": "Key Stage 2 (Years 3 to 6)",
    "ks3": "Key Stage 3 (Years 7 to 9)",
    "ks4": "Key Stage 4 (Years 10 and 11)",
}


@dataclass(frozen=True)
class MeasureInfo:
    key: str
    label: str
    short: str
    scale: str  # "index" (0-100) or "item" (1-5)
    lower_is: str  # what a lower value means, in plain words
    higher_is: str


MEASURE_INFO = {
    "worry": MeasureInfo("worry", "Worry index", "Worry", "index", "less worry", "more worry"),
    "self_compassion": MeasureInfo(
        "self_compassion",
        "Self-compassion index",
        "Self-compassion",
        "index",
        "less kind to oneself",
        "kinder to oneself",
    ),
    "s1": MeasureInfo(
        "s1",
        "S1: I could find ways to feel calm and safe",
        "S1 calm and safe",
        "item",
        "less often",
        "more often",
    ),
    "g1": MeasureInfo(
        "g1", "G1: Overall, my week was ...", "G1 my week", "item", "lower", "higher"
    ),
}


# ------------------------------------------------------------------ the summary's shape


@dataclass(frozen=True)
class Figure:
    """One cell: a group's answers for one column, or why they are not shown."""

    status: str  # protection.SHOWN, NO_ANSWERS, SMALL or COMPLEMENTARY
    moments: Moments | None = None  # only when shown

    @property
    def shown(self) -> bool:
        return self.status == SHOWN

    @property
    def n(self) -> int | None:
        """The number of answers, as shown: released counts are noisy, so rounded."""
        if self.status == NO_ANSWERS:
            return 0
        return self.moments.count if self.shown and self.moments else None

    @property
    def mean(self) -> float | None:
        return self.moments.mean if self.shown and self.moments else None

    @property
    def sd(self) -> float | None:
        if not (self.shown and self.moments) or self.moments.sd_is_uncertain:
            return None
        return self.moments.sd

    @property
    def sd_uncertain(self) -> bool:
        """Shown, but its spread too uncertain to print (small groups; see Moments)."""
        return bool(self.shown and self.moments and self.moments.sd_is_uncertain)


@dataclass(frozen=True)
class ChangeFigure:
    change: Change | None
    reason: str = ""


@dataclass
class DeliveryFigures:
    planned: int = 0
    delivered: int = 0
    skipped: int = 0
    cancelled: int = 0
    upcoming: int = 0
    overdue: int = 0
    practice_minutes: int = 0
    steps_recorded: int = 0
    steps_taught: int = 0
    steps_shortened: int = 0
    steps_skipped: int = 0
    classes: int = 0
    classes_behind: int = 0

    def __add__(self, other: DeliveryFigures) -> DeliveryFigures:
        return DeliveryFigures(
            **{name: getattr(self, name) + getattr(other, name) for name in _DELIVERY_FIELDS}
        )

    @property
    def fidelity_percent(self) -> int | None:
        """Share of recorded lesson steps taught in full, as a whole percentage."""
        if not self.steps_recorded:
            return None
        return whole_percent(100 * self.steps_taught / self.steps_recorded)

    @property
    def delivered_percent(self) -> int | None:
        due = self.planned - self.upcoming - self.cancelled
        if due <= 0:
            return None
        return whole_percent(100 * self.delivered / due)


_DELIVERY_FIELDS = tuple(DeliveryFigures.__dataclass_fields__)


@dataclass(frozen=True)
class CheckInRow:
    id: int
    class_id: int
    kind: str
    opened_on: date
    answer_count: int


@dataclass
class TrendPoint:
    week: date
    figure: Figure


@dataclass
class GroupSummary:
    key: tuple
    level: str  # "school", "year" or "class"
    label: str
    band: str | None = None
    year_group: int | None = None
    delivery: DeliveryFigures = field(default_factory=DeliveryFigures)
    held: dict[str, int] = field(default_factory=dict)  # check-ins held by kind
    not_counted: dict[str, int] = field(default_factory=dict)  # left out: too few answers
    answers: dict[str, Figure] = field(default_factory=dict)  # answer sets by kind
    waves: dict[tuple[str, str], Figure] = field(default_factory=dict)  # (measure, wave)
    changes: dict[str, ChangeFigure] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)
    children: list[GroupSummary] = field(default_factory=list)
    teacher: str = ""

    def wave(self, measure: str, wave: str) -> Figure:
        return self.waves[(measure, wave)]

    @property
    def has_trend(self) -> bool:
        return any(point.figure.shown for point in self.trend)


@dataclass
class BandSection:
    band: str
    label: str
    years: list[GroupSummary]


@dataclass
class TermSummary:
    school_id: int
    school_name: str
    term: Term
    today: date
    threshold: int
    min_wave_size: int
    school: GroupSummary
    bands: list[BandSection]
    weeks: list[date]

    @property
    def years(self) -> list[GroupSummary]:
        return [year for band in self.bands for year in band.years]

    @property
    def classes(self) -> list[GroupSummary]:
        return [group for year in self.years for group in year.children]

    @property
    def mixed_bands(self) -> bool:
        return len(self.bands) > 1

    def groups(self) -> Iterable[GroupSummary]:
        yield self.school
        for year in self.years:
            yield year
            yield from year.children


# ------------------------------------------------------------------ terms


def default_term(terms: list[Term], today: date) -> Term | None:
    """The term today falls in; else the most recent that has started; else the next."""
    for term in terms:
        if term.first_day <= today <= term.last_day:
            return term
    started = [term for term in terms if term.first_day <= today]
    if started:
        return max(started, key=lambda term: term.first_day)
    return min(terms, key=lambda term: term.first_day) if terms else None


def find_term(school_id: int, term_id: object) -> Term | None:
    """A term of this school by id, or None (unknown, malformed or another school's)."""
    try:
        key = int(str(term_id))
    except (TypeError, ValueError):
        return None
    if key < 1 or key > 2**31 - 1:
        return None
    return db.session.scalars(
        select(Term).where(Term.id == key, Term.school_id == school_id)
    ).first()


# ------------------------------------------------------------------ the queries


# Built once, with bound parameters, so each summary only binds values and runs them:
# the same SQL on SQLite and PostgreSQL, each bounded through an index by the school and
# the term's dates (check_in, lesson_occurrence), then by key (tallies, deliveries, steps).
_SCHOOL = bindparam("school_id")
_FIRST = bindparam("first_day")
_LAST = bindparam("last_day")
_TODAY = bindparam("today")

_TERM_CHECKINS = and_(
    CheckIn.school_id == _SCHOOL,
    CheckIn.opened_on >= _FIRST,
    CheckIn.opened_on <= _LAST,
    CheckIn.answer_count.is_not(None),  # finalised only: open check-ins have no results
)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


CLASS_QUERY = (
    select(
        SchoolClass.id,
        SchoolClass.name,
        SchoolClass.year_group,
        SchoolClass.band_override,
        SchoolClass.archived,
        User.name.label("teacher_name"),
    )
    .join(User, User.id == SchoolClass.teacher_id)
    .where(SchoolClass.school_id == _SCHOOL)
)

# The term's finalised check-ins, each with its released figures for the measures a summary
# shows (a check-in without a release gives one row, measure NULL).
ANSWER_QUERY = (
    select(
        CheckIn.id,
        CheckIn.class_id,
        CheckIn.kind,
        CheckIn.opened_on,
        CheckIn.answer_count,
        CheckInRelease.threshold,
        ReleasedFigure.measure,
        ReleasedFigure.statistic,
        ReleasedFigure.value,
        ReleasedFigure.numerator,
        ReleasedFigure.weight,
        ReleasedFigure.noise_sd,
    )
    .select_from(CheckIn)
    .outerjoin(CheckInRelease, CheckInRelease.check_in_id == CheckIn.id)
    .outerjoin(
        ReleasedFigure,
        and_(
            ReleasedFigure.check_in_id == CheckIn.id,
            ReleasedFigure.measure.in_((*MEASURES, NOW_MEASURE, ANY_MEASURE)),
        ),
    )
    .where(_TERM_CHECKINS)
)


def _distinct_lessons_if(condition):
    return func.count(func.distinct(case((condition, LessonOccurrence.id))))


# Per class: lessons by status ("overdue": still scheduled before today), and the recorded
# steps of delivered lessons (how they went, minutes of practice).
DELIVERY_QUERY = (
    select(
        LessonOccurrence.class_id,
        func.count(func.distinct(LessonOccurrence.id)),
        _distinct_lessons_if(LessonOccurrence.status == "delivered"),
        _distinct_lessons_if(LessonOccurrence.status == "skipped"),
        _distinct_lessons_if(LessonOccurrence.status == "cancelled"),
        _distinct_lessons_if(
            and_(LessonOccurrence.status == "scheduled", LessonOccurrence.scheduled_on >= _TODAY)
        ),
        _distinct_lessons_if(
            and_(LessonOccurrence.status == "scheduled", LessonOccurrence.scheduled_on < _TODAY)
        ),
        func.count(DeliveryStep.id),
        _count_if(DeliveryStep.outcome == "taught"),
        _count_if(DeliveryStep.outcome == "shortened"),
        _count_if(DeliveryStep.outcome == "skipped"),
        func.coalesce(func.sum(DeliveryStep.practice_minutes), 0),
    )
    .select_from(LessonOccurrence)
    # The school condition is implied, but lets the planner bound the join by the school
    # (an index) instead of hashing the whole delivery table when it is small.
    .outerjoin(
        Delivery,
        and_(Delivery.occurrence_id == LessonOccurrence.id, Delivery.school_id == _SCHOOL),
    )
    .outerjoin(DeliveryStep, DeliveryStep.delivery_id == Delivery.id)
    .where(
        LessonOccurrence.school_id == _SCHOOL,
        LessonOccurrence.scheduled_on >= _FIRST,
        LessonOccurrence.scheduled_on <= _LAST,
    )
    .group_by(LessonOccurrence.class_id)
)

SUMMARY_QUERIES = {
    "classes": (CLASS_QUERY, ("school_id",)),
    "answers": (ANSWER_QUERY, ("school_id", "first_day", "last_day")),
    "delivery": (DELIVERY_QUERY, ("school_id", "first_day", "last_day", "today")),
}


def query_params(school_id: int, term: Term, today: date) -> dict:
    return {
        "school_id": school_id,
        "first_day": term.first_day,
        "last_day": term.last_day,
        "today": today,
    }


def fetch_term_rows(school_id: int, term: Term, today: date) -> dict[str, list]:
    """Run the summary's statements (plain Core execution: they return plain rows)."""
    params = query_params(school_id, term, today)
    connection = db.session.connection()
    return {
        name: connection.execute(statement, {key: params[key] for key in keys}).all()
        for name, (statement, keys) in SUMMARY_QUERIES.items()
    }


# ------------------------------------------------------------------ building the summary


def read_released(rows) -> tuple[dict[int, CheckInRow], dict[int, ReleasedCheckIn], list[int]]:
    """The term's check-ins, their released figures, and the thresholds they were released
    under, from the answer query's rows."""
    checkins: dict[int, CheckInRow] = {}
    figures: dict[int, list[ReleasedValue]] = defaultdict(list)
    floors: set[int] = set()
    for row in rows:
        (check_in_id, class_id, kind, opened_on, answer_count, floor, measure) = row[:7]
        checkins[check_in_id] = CheckInRow(check_in_id, class_id, kind, opened_on, answer_count)
        if floor is not None:
            floors.add(int(floor))
        if measure is not None:
            statistic, value, numerator, weight, noise_sd = row[7:]
            figures[check_in_id].append(
                ReleasedValue(Statistic(measure, statistic, value), numerator, weight, noise_sd)
            )
    released = {
        check_in_id: ReleasedCheckIn.of(
            checkins[check_in_id].kind, checkins[check_in_id].answer_count, found
        )
        for check_in_id, found in figures.items()
    }
    return checkins, released, sorted(floors)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def year_label(band: str, year_group: int) -> str:
    label = YEAR_GROUPS.get(year_group, f"Year {year_group}")
    if band != band_for_year(year_group):
        label += f" ({band.upper()} version)"
    return label


def summarise_term(school: School, term: Term, *, today: date) -> TermSummary:
    """Build the term summary for a school's term. Reads only; `today` dates "overdue"."""
    if term.school_id != school.id:
        raise ValueError("the term belongs to another school")
    min_wave = max(2, int(school.min_wave_size))
    rows = fetch_term_rows(school.id, term, today)
    checkins, released, floors = read_released(rows["answers"])
    # The threshold in force, never below the one any of the term's check-ins was released
    # under: lowering it applies to check-ins finalised after the change, never to these.
    threshold = max(1, int(school.suppression_threshold), *floors)
    sums: dict[tuple[int, str], Moments] = {
        (check_in_id, measure): figures.moments(measure)
        for check_in_id, figures in released.items()
        for measure in (*MEASURES, NOW_MEASURE)
        if figures.has(measure)
    }
    delivery_rows = {row[0]: row[1:] for row in rows["delivery"]}
    used = {row.class_id for row in checkins.values()} | set(delivery_rows)
    classes = [row for row in rows["classes"] if not row.archived or row.id in used]

    # The table's shape: class -> year group within its band.
    unit_of: dict[int, tuple[str, int]] = {}
    class_groups: dict[int, GroupSummary] = {}
    for row in classes:
        band = row.band_override or band_for_year(row.year_group)
        unit_of[row.id] = (band, row.year_group)
        class_groups[row.id] = GroupSummary(
            key=protection.group_key(row.id),
            level="class",
            label=row.name,
            band=band,
            year_group=row.year_group,
            teacher=row.teacher_name,
        )
    year_groups: dict[tuple[str, int], GroupSummary] = {}
    for unit in sorted(set(unit_of.values()), key=lambda u: (u[0], u[1])):
        year_groups[unit] = GroupSummary(
            key=protection.unit_key(unit),
            level="year",
            label=year_label(*unit),
            band=unit[0],
            year_group=unit[1],
        )
    for class_id, group in sorted(class_groups.items(), key=lambda item: item[1].label.lower()):
        year_groups[unit_of[class_id]].children.append(group)
    school_group = GroupSummary(key=protection.SCHOOL, level="school", label=school.name)
    by_key: dict[tuple, GroupSummary] = {group.key: group for group in class_groups.values()}
    by_key.update({group.key: group for group in year_groups.values()})
    by_key[protection.SCHOOL] = school_group

    checkins = {cid: row for cid, row in checkins.items() if row.class_id in unit_of}

    def keys_above(class_id: int) -> tuple[tuple, ...]:
        """The cells a class's answers count in: the class, its year group, the school."""
        return (
            protection.group_key(class_id),
            protection.unit_key(unit_of[class_id]),
            protection.SCHOOL,
        )

    def column(leaf_counts: list[LeafCount], moments_of, *, show_classes=True):
        """Protect one column and sum the counted leaves of every published cell."""
        result = protect(unit_of, leaf_counts, threshold, show_groups=show_classes)
        totals: dict[tuple, Moments] = defaultdict(Moments)
        for leaf in leaf_counts:
            if result.counted(leaf.leaf):
                moments = moments_of(leaf.leaf)
                for key in keys_above(leaf.group):
                    totals[key] = totals[key] + moments
        figures: dict[tuple, Figure] = {}
        for key, status in result.status.items():
            if status == SHOWN:
                figures[key] = Figure(SHOWN, totals[key])
            elif status in (NO_ANSWERS, SMALL, COMPLEMENTARY):
                figures[key] = Figure(status)
        return result, figures

    # Participation: check-ins held, and answer sets received, by kind.
    for kind in KINDS:
        of_kind = [row for row in checkins.values() if row.kind == kind]
        leaf_counts = [LeafCount(row.class_id, row.id, int(row.answer_count)) for row in of_kind]
        result, figures = column(leaf_counts, lambda cid: Moments(int(checkins[cid].answer_count)))
        for group in by_key.values():
            group.held[kind] = 0
            group.not_counted[kind] = 0
        for row in of_kind:
            for key in keys_above(row.class_id):
                by_key[key].held[kind] += 1
                by_key[key].not_counted[kind] += row.id in result.withheld
        for key, figure in figures.items():
            by_key[key].answers[kind] = figure

    # Start and end of term: n, mean and SD per measure, then the change.
    for wave in WAVES:
        of_wave = [row for row in checkins.values() if row.kind == wave]
        for measure in MEASURES:
            leaf_counts = [
                LeafCount(row.class_id, row.id, sums.get((row.id, measure), Moments()).count)
                for row in of_wave
            ]
            _, figures = column(leaf_counts, lambda cid, m=measure: sums.get((cid, m), Moments()))
            for key, figure in figures.items():
                by_key[key].waves[(measure, wave)] = figure
    for group in by_key.values():
        for measure in MEASURES:
            group.changes[measure] = change_figure(
                group.wave(measure, "baseline"), group.wave(measure, "endpoint"), min_wave
            )

    # Weekly "right now" checks, for year groups and the school.
    weeks = sorted({week_of(row.opened_on) for row in checkins.values() if row.kind == "now"})
    for week in weeks:
        in_week = [
            row for row in checkins.values() if row.kind == "now" and week_of(row.opened_on) == week
        ]
        leaf_counts = [
            LeafCount(row.class_id, row.id, sums.get((row.id, NOW_MEASURE), Moments()).count)
            for row in in_week
        ]
        _, figures = column(
            leaf_counts, lambda cid: sums.get((cid, NOW_MEASURE), Moments()), show_classes=False
        )
        for key, figure in figures.items():
            if key[0] != "group":
                by_key[key].trend.append(TrendPoint(week, figure))

    # Delivery, which is about lessons, not pupils: no suppression needed.
    for class_id, group in class_groups.items():
        (
            planned,
            delivered,
            skipped,
            cancelled,
            upcoming,
            overdue,
            recorded,
            taught,
            shortened,
            steps_skipped,
            minutes,
        ) = (int(v or 0) for v in delivery_rows.get(class_id, (0,) * 11))
        group.delivery = DeliveryFigures(
            planned=planned,
            delivered=delivered,
            skipped=skipped,
            cancelled=cancelled,
            upcoming=upcoming,
            overdue=overdue,
            practice_minutes=minutes,
            steps_recorded=recorded,
            steps_taught=taught,
            steps_shortened=shortened,
            steps_skipped=steps_skipped,
            classes=1,
            classes_behind=1 if overdue else 0,
        )
    for year in year_groups.values():
        year.delivery = sum((child.delivery for child in year.children), DeliveryFigures())
    school_group.delivery = sum((year.delivery for year in year_groups.values()), DeliveryFigures())
    school_group.children = list(year_groups.values())

    bands: dict[str, list[GroupSummary]] = defaultdict(list)
    for unit, year in year_groups.items():
        bands[unit[0]].append(year)
    return TermSummary(
        school_id=school.id,
        school_name=school.name,
        term=term,
        today=today,
        threshold=threshold,
        min_wave_size=min_wave,
        school=school_group,
        bands=[
            BandSection(band, BANDS.get(band, band.upper()), years)
            for band, years in sorted(bands.items())
        ],
        weeks=weeks,
    )


def change_figure(start: Figure, end: Figure, min_wave: int) -> ChangeFigure:
    """The change from start to end of term, only with enough answers in both waves."""
    if not (start.shown and end.shown):
        return ChangeFigure(None, "Not shown: one of the waves is not shown.")
    if start.moments.count < min_wave or end.moments.count < min_wave:  # type: ignore[union-attr]
        return ChangeFigure(
            None, f"Not compared: needs at least {min_wave} answers at the start and the end."
        )
    return ChangeFigure(compare_waves(start.moments, end.moments))  # type: ignore[arg-type]


# ------------------------------------------------------------------ downloads and audit


def record_download(user: User, summary: TermSummary, file_format: str) -> None:
    """Write one audit event for a downloaded term summary (who, what, when)."""
    term_name = " ".join(summary.term.name.split())  # one line in the log, whatever it holds
    begin_write()
    record_event(
        "report.download",
        school_id=summary.school_id,
        user_id=user.id,
        detail=f"Term summary ({file_format.upper()}) for {term_name} [term {summary.term.id}]",
    )
    db.session.commit()


def audit_page(school_id: int, page: int, size: int) -> tuple[list[AuditEvent], bool]:
    """One page of the school's audit log, newest first, and whether an older page exists."""
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.user))
            .where(AuditEvent.school_id == school_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    )
    return events[:size], len(events) > size
