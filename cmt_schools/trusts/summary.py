"""A trust's term summary: trust-wide, by school, and by key stage and year group across
schools, from released figures only.

Each school's part is read and shaped as its own summary reads it (reports.queries and
reports.summary: the same statements, the same tree of classes in year groups), and each
column is first protected as the school's own table protects it (its withheld check-ins stay
out here too). What is left is summed per school and year group into `TrustCell`s, and
`protection.protect_trust` decides which of the trust's totals may be published. Figures are
sums of released figures (post-processing), so they reveal nothing more about a pupil, and
intervals carry the noise as on a school's own summary.

A trust sees a school's check-ins opened on or after the day it joined (`sees_from`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from ..accounts.models import School
from ..checkins.figures import Moments
from ..reports.model import (
    ANY_MEASURE,
    BANDS,
    KINDS,
    MEASURES,
    WAVES,
    CheckInRow,
    Figure,
    GroupSummary,
)
from ..reports.protection import COMPLEMENTARY, NO_ANSWERS, SHOWN, SMALL, LeafCount, protect
from ..reports.queries import fetch_term_rows, read_released
from ..reports.summary import (
    SummaryTable,
    change_figure,
    summary_threshold,
    table_for,
    year_label,
)
from ..reports.summary import (
    add_delivery as add_school_delivery,
)
from ..scheduling.models import Term
from .protection import TRUST, TrustCell, band_key, protect_trust, school_key, year_key
from .terms import TrustTerm


@dataclass
class SchoolPart:
    """One school's share of the trust's term: its term of that name, and its table."""

    school: School
    term: Term | None
    sees_from: date
    table: SummaryTable | None = None


@dataclass
class TrustSummary:
    trust_id: int
    trust_name: str
    term: TrustTerm
    today: date
    threshold: int
    min_wave_size: int
    trust: GroupSummary
    schools: list[GroupSummary]
    bands: list[GroupSummary]
    years: list[GroupSummary]
    parts: list[SchoolPart] = field(default_factory=list)

    @property
    def dates_differ(self) -> bool:
        """Whether the schools' terms of this name run on different dates."""
        spans = {(p.term.first_day, p.term.last_day) for p in self.parts if p.term}
        return len(spans) > 1

    @property
    def mixed_bands(self) -> bool:
        return len(self.bands) > 1

    @property
    def without_term(self) -> list[School]:
        return [part.school for part in self.parts if part.term is None]

    def groups(self) -> Iterable[GroupSummary]:
        yield self.trust
        yield from self.schools
        yield from self.bands
        yield from self.years

    def school_group(self, school_id: int) -> GroupSummary:
        return next(group for group in self.schools if group.key == school_key(school_id))


# ------------------------------------------------------------------ reading each school


def read_part(part: SchoolPart, today: date) -> tuple[int, int]:
    """Read one school's term (released figures only) into its table. Returns the
    threshold and the smallest wave its own summary uses."""
    school, term = part.school, part.term
    if term is None:
        return 1, 2
    rows = fetch_term_rows(school.id, term, today)
    checkins, released, floors = read_released(rows["answers"])
    # Only check-ins opened since the school joined the trust.
    seen = {cid: row for cid, row in checkins.items() if row.opened_on >= part.sees_from}
    threshold = summary_threshold(school, floors)
    part.table = table_for(
        school, rows, seen, {cid: r for cid, r in released.items() if cid in seen}, threshold
    )
    add_school_delivery(part.table, rows["delivery"])
    return threshold, max(2, int(school.min_wave_size))


# ------------------------------------------------------------------ the trust's table


class TrustTable:
    """The trust's totals being filled in, column by column."""

    def __init__(self, parts: list[SchoolPart], threshold: int, trust_name: str) -> None:
        self.parts = [part for part in parts if part.table is not None]
        self.threshold = threshold
        self.groups: dict[tuple, GroupSummary] = {
            TRUST: GroupSummary(key=TRUST, level="trust", label=trust_name)
        }
        for part in parts:
            key = school_key(part.school.id)
            self.groups[key] = GroupSummary(key=key, level="school", label=part.school.name)
        units = sorted({unit for part in self.parts for unit in part.table.unit_of.values()})  # type: ignore[union-attr]
        for band in sorted({unit[0] for unit in units}):
            self.groups[band_key(band)] = GroupSummary(
                key=band_key(band), level="key stage", label=BANDS.get(band, band), band=band
            )
        for band, year_group in units:
            key = year_key(band, year_group)
            self.groups[key] = GroupSummary(
                key=key,
                level="year group",
                label=year_label(band, year_group),
                band=band,
                year_group=year_group,
            )
        for group in self.groups.values():
            for name in ("held", "not_counted", "pupils"):
                setattr(group, name, dict.fromkeys(KINDS, 0))

    def keys_of(self, part: SchoolPart, class_id: int) -> tuple[tuple, ...]:
        band, year_group = part.table.unit_of[class_id]  # type: ignore[union-attr]
        return (TRUST, school_key(part.school.id), band_key(band), year_key(band, year_group))

    def column(
        self,
        rows_of: Callable[[SchoolPart], list[CheckInRow]],
        moments_of: Callable[[SchoolPart, CheckInRow], Moments],
        on_counted: Callable[[SchoolPart, CheckInRow, bool], None] | None = None,
    ) -> dict[tuple, Figure]:
        """Protect one column across the trust and sum the counted check-ins of each total."""
        cells: dict[tuple, int] = defaultdict(int)
        # Moments are added per cell first, then per total: adding released moments carries
        # their noise's covariance along, which costs more than adding numbers.
        cell_moments: dict[tuple, Moments] = defaultdict(Moments)
        for part in self.parts:
            rows = rows_of(part)
            moments = [moments_of(part, row) for row in rows]
            leaf_counts = [
                LeafCount(row.class_id, row.id, m.count)
                for row, m in zip(rows, moments, strict=True)
            ]
            own = protect(part.table.unit_of, leaf_counts, self.threshold)  # type: ignore[union-attr]
            for row, leaf, m in zip(rows, leaf_counts, moments, strict=True):
                if on_counted is not None:
                    on_counted(part, row, own.counted(row.id))
                if not own.counted(row.id) or not leaf.count:
                    continue
                cell = (part.school.id, *part.table.unit_of[row.class_id])  # type: ignore[union-attr]
                cells[cell] += leaf.count
                cell_moments[cell] = cell_moments[cell] + m
        totals: dict[tuple, Moments] = defaultdict(Moments)
        for (school, band, year_group), m in cell_moments.items():
            for key in (TRUST, school_key(school), band_key(band), year_key(band, year_group)):
                totals[key] = totals[key] + m
        result = protect_trust(
            [part.school.id for part in self.parts],
            [TrustCell(school, band, year, n) for (school, band, year), n in cells.items()],
            self.threshold,
        )
        figures: dict[tuple, Figure] = {}
        for key in self.groups:
            status = result.status.get(key, NO_ANSWERS)
            if status == SHOWN:
                figures[key] = Figure(SHOWN, totals[key])
            elif status in (SMALL, COMPLEMENTARY, NO_ANSWERS):
                figures[key] = Figure(status)
        return figures


def _of_kind(kind: str) -> Callable[[SchoolPart], list[CheckInRow]]:
    return lambda part: part.table.of_kind(kind)  # type: ignore[union-attr]


def _measure(measure: str) -> Callable[[SchoolPart, CheckInRow], Moments]:
    return lambda part, row: part.table.moments(row.id, measure)  # type: ignore[union-attr]


def add_participation(table: TrustTable) -> None:
    """Check-ins held, answer sets (and their share of the pupils asked), answered any."""
    for kind in KINDS:

        def count(part: SchoolPart, row: CheckInRow, counted: bool, kind: str = kind) -> None:
            for key in table.keys_of(part, row.class_id):
                group = table.groups[key]
                group.held[kind] += 1
                group.not_counted[kind] += not counted
                group.pupils[kind] += row.class_size if counted else 0

        answers = table.column(
            _of_kind(kind), lambda part, row: Moments(int(row.answer_count)), count
        )
        for key, figure in answers.items():
            table.groups[key].answers[kind] = figure
        if kind in WAVES:
            for key, figure in table.column(_of_kind(kind), _measure(ANY_MEASURE)).items():
                table.groups[key].answered[kind] = figure


def add_waves_and_changes(table: TrustTable, min_wave: int) -> None:
    for wave in WAVES:
        wordings: dict[tuple, set[str]] = defaultdict(set)
        for part in table.parts:
            for row in part.table.of_kind(wave):  # type: ignore[union-attr]
                for key in table.keys_of(part, row.class_id):
                    wordings[key].add(row.band)
        for key, group in table.groups.items():
            group.wordings[wave] = frozenset(wordings.get(key, ()))
        for measure in MEASURES:
            for key, figure in table.column(_of_kind(wave), _measure(measure)).items():
                table.groups[key].waves[(measure, wave)] = figure
    for group in table.groups.values():
        for measure in MEASURES:
            group.changes[measure] = change_figure(
                group.wave(measure, "baseline"),
                group.wave(measure, "endpoint"),
                min_wave,
                (group.wordings["baseline"], group.wordings["endpoint"]),
            )


def add_delivery(table: TrustTable) -> None:
    """Lessons, which are about teaching, not pupils: summed, no suppression needed."""
    for part in table.parts:
        for class_id, group in part.table.classes.items():  # type: ignore[union-attr]
            for key in table.keys_of(part, class_id):
                total = table.groups[key]
                total.delivery = total.delivery + group.delivery


def summarise_trust(
    trust_id: int, trust_name: str, term: TrustTerm, parts: list[SchoolPart], *, today: date
) -> TrustSummary:
    """Build the trust's summary for one trust term. Reads only."""
    thresholds, waves = [1], [2]
    for part in parts:
        threshold, min_wave = read_part(part, today)
        thresholds.append(threshold)
        waves.append(min_wave)
    # The strictest school's rules hold for the whole table.
    table = TrustTable(parts, max(thresholds), trust_name)
    add_participation(table)
    add_waves_and_changes(table, max(waves))
    add_delivery(table)
    groups = list(table.groups.values())
    return TrustSummary(
        trust_id=trust_id,
        trust_name=trust_name,
        term=term,
        today=today,
        threshold=table.threshold,
        min_wave_size=max(waves),
        trust=table.groups[TRUST],
        schools=[g for g in groups if g.level == "school"],
        bands=[g for g in groups if g.level == "key stage"],
        years=[g for g in groups if g.level == "year group"],
        parts=parts,
    )
