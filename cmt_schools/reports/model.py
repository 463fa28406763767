"""What a term summary is made of: its measures, and the shape every view reads.

`summarise_term` (summary.py) returns one `TermSummary`; the screen, the PDF and the CSV all
read it, so they show the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..scheduling.models import Term
from .protection import NO_ANSWERS, SHOWN
from .statistics import Change, Moments, whole_percent

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
        "g1",
        "G1: how the week went (in each key stage's own words)",
        "G1 my week",
        "item",
        "lower",
        "higher",
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
    band: str = ""  # the wording pupils saw (fixed when the check-in opened)
    class_size: int = 0  # the pupils in the class, as the teacher gave when opening it


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
    # Pupils in the classes of the check-ins counted, as their teachers gave when opening
    # them: what participation is a share of.
    pupils: dict[str, int] = field(default_factory=dict)
    # Answer sets that answered at least one question (released, so noisy), by term kind.
    answered: dict[str, Figure] = field(default_factory=dict)
    # The wordings (bands) pupils answered in, by wave: a change is compared only like with
    # like.
    wordings: dict[str, frozenset[str]] = field(default_factory=dict)
    waves: dict[tuple[str, str], Figure] = field(default_factory=dict)  # (measure, wave)
    changes: dict[str, ChangeFigure] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)
    children: list[GroupSummary] = field(default_factory=list)
    teacher: str = ""

    def wave(self, measure: str, wave: str) -> Figure:
        return self.waves[(measure, wave)]

    def participation_percent(self, kind: str) -> int | None:
        """Answer sets as a share of the pupils in the classes asked, when it is shown."""
        figure = self.answers.get(kind)
        pupils = self.pupils.get(kind, 0)
        if figure is None or not figure.shown or not pupils:
            return None
        return whole_percent(100 * figure.n / pupils)  # type: ignore[operator]

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
