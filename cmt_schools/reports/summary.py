"""Building a term summary: delivery, participation and change, per class, year group and school.

Figures about pupils' answers come from each check-in's release only (checkins/release.py):
noisy figures drawn once when it was finalised. Each check-in's n, Σx and Σx² per measure
(with the covariance of their noise) are put through `protection.protect`, once per column,
and added up per class, year group and school from the leaves it lets count; sums of
released figures are arithmetic on them, so they reveal nothing more, and intervals carry
the noise. Everything the screen, the PDF and the CSV show comes from the one
`TermSummary` this returns, so one rule decides what is published everywhere.

`summarise_term` is a short pipeline of named steps over one `SummaryTable`: its shape
(classes in year groups in bands), then participation, the two waves and their changes, the
weekly "right now" trend, and delivery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..accounts.models import School
from ..checkins.figures import ReleasedCheckIn
from ..scheduling.models import YEAR_GROUPS, Term, band_for_year
from . import protection
from .model import (
    ANY_MEASURE,
    BANDS,
    KINDS,
    MEASURES,
    NOW_MEASURE,
    WAVES,
    BandSection,
    ChangeFigure,
    CheckInRow,
    DeliveryFigures,
    Figure,
    GroupSummary,
    TermSummary,
    TrendPoint,
)
from .protection import COMPLEMENTARY, NO_ANSWERS, SHOWN, SMALL, LeafCount, Protection, protect
from .queries import fetch_term_rows, read_released
from .statistics import Moments, compare_waves


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def year_label(band: str, year_group: int) -> str:
    label = YEAR_GROUPS.get(year_group, f"Year {year_group}")
    if band != band_for_year(year_group):
        label += f" ({band.upper()} version)"
    return label


def change_figure(
    start: Figure,
    end: Figure,
    min_wave: int,
    wordings: tuple[frozenset[str], frozenset[str]] | None = None,
) -> ChangeFigure:
    """The change from start to end of term, only with enough answers in both waves, and
    only like with like: pupils who answered in one wording at the start and another at the
    end (a class whose age band changed) are not compared."""
    if not (start.shown and end.shown):
        return ChangeFigure(None, "Not shown: one of the waves is not shown.")
    if wordings and wordings[0] and wordings[1] and wordings[0] != wordings[1]:
        before, after = (" and ".join(sorted(b.upper() for b in w)) for w in wordings)
        return ChangeFigure(
            None,
            f"Not compared: the start was answered in the {before} wording and the end in"
            f" the {after} wording, so the two do not measure the same thing.",
        )
    if start.moments.count < min_wave or end.moments.count < min_wave:  # type: ignore[union-attr]
        return ChangeFigure(
            None, f"Not compared: needs at least {min_wave} answers at the start and the end."
        )
    return ChangeFigure(compare_waves(start.moments, end.moments))  # type: ignore[arg-type]


@dataclass
class SummaryTable:
    """A term's classes in year groups in the school, and the released figures under them.

    `unit_of` maps each class to its (band, year group); `by_key` holds every cell's
    GroupSummary, filled in by the steps below.
    """

    threshold: int
    unit_of: dict[int, tuple[str, int]]
    classes: dict[int, GroupSummary]
    years: dict[tuple[str, int], GroupSummary]
    school: GroupSummary
    checkins: dict[int, CheckInRow]
    sums: dict[tuple[int, str], Moments]
    by_key: dict[tuple, GroupSummary] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_key = {group.key: group for group in self.classes.values()}
        self.by_key.update({group.key: group for group in self.years.values()})
        self.by_key[protection.SCHOOL] = self.school

    def keys_above(self, class_id: int) -> tuple[tuple, ...]:
        """The cells a class's answers count in: the class, its year group, the school."""
        return (
            protection.group_key(class_id),
            protection.unit_key(self.unit_of[class_id]),
            protection.SCHOOL,
        )

    def of_kind(self, kind: str) -> list[CheckInRow]:
        return [row for row in self.checkins.values() if row.kind == kind]

    def moments(self, check_in_id: int, measure: str) -> Moments:
        return self.sums.get((check_in_id, measure), Moments())

    def column(
        self,
        leaf_counts: list[LeafCount],
        moments_of: Callable[[int], Moments],
        *,
        show_classes: bool = True,
    ) -> tuple[Protection, dict[tuple, Figure]]:
        """Protect one column and sum the counted leaves of every published cell."""
        result = protect(self.unit_of, leaf_counts, self.threshold, show_groups=show_classes)
        totals: dict[tuple, Moments] = defaultdict(Moments)
        for leaf in leaf_counts:
            if result.counted(leaf.leaf):
                moments = moments_of(leaf.leaf)
                for key in self.keys_above(leaf.group):
                    totals[key] = totals[key] + moments
        figures: dict[tuple, Figure] = {}
        for key, status in result.status.items():
            if status == SHOWN:
                figures[key] = Figure(SHOWN, totals[key])
            elif status in (NO_ANSWERS, SMALL, COMPLEMENTARY):
                figures[key] = Figure(status)
        return result, figures

    def measure_column(self, rows: list[CheckInRow], measure: str, **options):
        leaf_counts = [
            LeafCount(row.class_id, row.id, self.moments(row.id, measure).count) for row in rows
        ]
        return self.column(leaf_counts, lambda cid: self.moments(cid, measure), **options)


# ------------------------------------------------------------------ the steps


def table_for(
    school: School,
    rows: dict[str, list],
    checkins: dict[int, CheckInRow],
    released: dict[int, ReleasedCheckIn],
    threshold: int,
) -> SummaryTable:
    """The table's shape: each class in its year group within its band, and the figures."""
    sums = measure_sums(released)
    delivery_classes = {row[0] for row in rows["delivery"]}
    used = {row.class_id for row in checkins.values()} | delivery_classes
    unit_of: dict[int, tuple[str, int]] = {}
    classes: dict[int, GroupSummary] = {}
    for row in rows["classes"]:
        if row.archived and row.id not in used:
            continue
        band = row.band_override or band_for_year(row.year_group)
        unit_of[row.id] = (band, row.year_group)
        classes[row.id] = GroupSummary(
            key=protection.group_key(row.id),
            level="class",
            label=row.name,
            band=band,
            year_group=row.year_group,
            teacher=row.teacher_name,
        )
    years = {
        unit: GroupSummary(
            key=protection.unit_key(unit),
            level="year",
            label=year_label(*unit),
            band=unit[0],
            year_group=unit[1],
        )
        for unit in sorted(set(unit_of.values()))
    }
    for class_id, group in sorted(classes.items(), key=lambda item: item[1].label.lower()):
        years[unit_of[class_id]].children.append(group)
    school_group = GroupSummary(key=protection.SCHOOL, level="school", label=school.name)
    school_group.children = list(years.values())
    in_table = {cid: row for cid, row in checkins.items() if row.class_id in unit_of}
    return SummaryTable(threshold, unit_of, classes, years, school_group, in_table, sums)


def measure_sums(released: dict[int, ReleasedCheckIn]) -> dict[tuple[int, str], Moments]:
    """Each check-in's moments per measure the summary shows, from its released figures."""
    return {
        (check_in_id, measure): figures.moments(measure)
        for check_in_id, figures in released.items()
        for measure in (*MEASURES, NOW_MEASURE, ANY_MEASURE)
        if figures.has(measure)
    }


def add_participation(table: SummaryTable) -> None:
    """Check-ins held, answer sets received (and as a share of the pupils asked), and for
    term check-ins how many answered at least one question, by kind."""
    for group in table.by_key.values():
        group.held = dict.fromkeys(KINDS, 0)
        group.not_counted = dict.fromkeys(KINDS, 0)
        group.pupils = dict.fromkeys(KINDS, 0)
    for kind in KINDS:
        of_kind = table.of_kind(kind)
        leaf_counts = [LeafCount(row.class_id, row.id, int(row.answer_count)) for row in of_kind]
        result, figures = table.column(
            leaf_counts, lambda cid: Moments(int(table.checkins[cid].answer_count))
        )
        for row in of_kind:
            for key in table.keys_above(row.class_id):
                group = table.by_key[key]
                group.held[kind] += 1
                group.not_counted[kind] += row.id in result.withheld
                if result.counted(row.id):
                    group.pupils[kind] += row.class_size
        for key, figure in figures.items():
            table.by_key[key].answers[kind] = figure
        if kind in WAVES:
            _, answered = table.measure_column(of_kind, ANY_MEASURE)
            for key, figure in answered.items():
                table.by_key[key].answered[kind] = figure


def add_waves(table: SummaryTable) -> None:
    """Start and end of term: n, mean and SD per measure, and the wordings answered in."""
    for wave in WAVES:
        of_wave = table.of_kind(wave)
        wordings: dict[tuple, set[str]] = defaultdict(set)
        for row in of_wave:
            for key in table.keys_above(row.class_id):
                wordings[key].add(row.band)
        for key, group in table.by_key.items():
            group.wordings[wave] = frozenset(wordings.get(key, ()))
        for measure in MEASURES:
            _, figures = table.measure_column(of_wave, measure)
            for key, figure in figures.items():
                table.by_key[key].waves[(measure, wave)] = figure


def add_changes(table: SummaryTable, min_wave: int) -> None:
    """Start against end of term, where both waves are shown with enough answers."""
    for group in table.by_key.values():
        wordings = (group.wordings.get("baseline", frozenset()), group.wordings.get("endpoint"))
        for measure in MEASURES:
            group.changes[measure] = change_figure(
                group.wave(measure, "baseline"),
                group.wave(measure, "endpoint"),
                min_wave,
                wordings,  # type: ignore[arg-type]
            )


def add_trend(table: SummaryTable) -> list[date]:
    """Weekly "right now" checks, for year groups and the school. Returns the weeks."""
    by_week: dict[date, list[CheckInRow]] = defaultdict(list)
    for row in table.of_kind("now"):
        by_week[week_of(row.opened_on)].append(row)
    for week, rows in sorted(by_week.items()):
        _, figures = table.measure_column(rows, NOW_MEASURE, show_classes=False)
        for key, figure in figures.items():
            if key[0] != "group":
                table.by_key[key].trend.append(TrendPoint(week, figure))
    return sorted(by_week)


def add_delivery(table: SummaryTable, delivery_rows: list) -> None:
    """Delivery, which is about lessons, not pupils: no suppression needed."""
    by_class = {row[0]: row[1:] for row in delivery_rows}
    for class_id, group in table.classes.items():
        group.delivery = delivery_figures(by_class.get(class_id, (0,) * 11))
    for year in table.years.values():
        year.delivery = sum((child.delivery for child in year.children), DeliveryFigures())
    table.school.delivery = sum((year.delivery for year in table.years.values()), DeliveryFigures())


def delivery_figures(row) -> DeliveryFigures:
    """One class's DeliveryFigures from its row of the delivery query."""
    planned, delivered, skipped, cancelled, upcoming, overdue = (int(v or 0) for v in row[:6])
    recorded, taught, shortened, steps_skipped, minutes = (int(v or 0) for v in row[6:11])
    return DeliveryFigures(
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


def band_sections(table: SummaryTable) -> list[BandSection]:
    bands: dict[str, list[GroupSummary]] = defaultdict(list)
    for unit, year in table.years.items():
        bands[unit[0]].append(year)
    return [
        BandSection(band, BANDS.get(band, band.upper()), years)
        for band, years in sorted(bands.items())
    ]


def summary_threshold(school: School, floors: list[int]) -> int:
    """The threshold in force, never below the one any of the term's check-ins was released
    under: lowering it applies to check-ins finalised after the change, never to these."""
    return max(1, int(school.suppression_threshold), *floors)


# ------------------------------------------------------------------ the pipeline


def summarise_term(school: School, term: Term, *, today: date) -> TermSummary:
    """Build the term summary for a school's term. Reads only; `today` dates "overdue"."""
    if term.school_id != school.id:
        raise ValueError("the term belongs to another school")
    rows = fetch_term_rows(school.id, term, today)
    checkins, released, floors = read_released(rows["answers"])
    min_wave = max(2, int(school.min_wave_size))
    table = table_for(school, rows, checkins, released, summary_threshold(school, floors))
    add_participation(table)
    add_waves(table)
    add_changes(table, min_wave)
    weeks = add_trend(table)
    add_delivery(table, rows["delivery"])
    return TermSummary(
        school_id=school.id,
        school_name=school.name,
        term=term,
        today=today,
        threshold=table.threshold,
        min_wave_size=min_wave,
        school=table.school,
        bands=band_sections(table),
        weeks=weeks,
    )
