"""A check-in's results page: what its released figures show, small groups hidden.

Read from the check-in's release only (release.py): never from raw answers. Every figure
here is post-processing of the stored, noisy figures, so showing it reveals nothing more
about a pupil than the release itself, however often it is looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..core.services import ServiceError
from ..extensions import db
from . import questions
from .figures import ReleasedCheckIn
from .models import CheckIn, CheckInRelease, ReleasedFigure
from .release import INDICES, Figure, Statistic


@dataclass
class ChoiceShare:
    value: int
    word: str
    percent: int


@dataclass
class ItemResult:
    key: str
    label: str
    text: str
    n: int
    skipped: int
    shown: bool
    shares: list[ChoiceShare] = field(default_factory=list)


@dataclass
class IndexResult:
    key: str
    label: str
    explanation: str
    n: int
    shown: bool
    mean: int | None = None


@dataclass
class Results:
    total: int
    threshold: int
    shown: bool
    items: list[ItemResult]
    indices: list[IndexResult]
    protection: str = ""


def whole_percent(part: float, whole: float) -> int:
    return int(100 * part / whole + 0.5) if whole else 0


def released_check_in(checkin: CheckIn) -> ReleasedCheckIn | None:
    """The check-in's stored release as a ReleasedCheckIn, or None before it is finalised."""
    if checkin.answer_count is None:
        return None
    rows = db.session.scalars(
        select(ReleasedFigure).where(ReleasedFigure.check_in_id == checkin.id)
    ).all()
    return ReleasedCheckIn.of(
        checkin.kind,
        checkin.answer_count,
        (
            Figure(
                Statistic(row.measure, row.statistic, row.value),
                row.numerator,
                row.weight,
                row.noise_sd,
            )
            for row in rows
        ),
    )


def effective_threshold(release: CheckInRelease | None, current: int) -> int:
    """The school's threshold now, never below the one in force when the figures were
    released: raising it applies at once, lowering it only to check-ins finalised later."""
    return max(int(current), release.threshold if release else 0, 1)


def results_for(checkin: CheckIn, threshold: int) -> Results:
    """Each item's shares and the indices, from the released figures, small groups hidden.

    Nothing is shown when fewer than the threshold answered at all (the number of answer
    sets is not noisy: the teacher watched it arrive); an item or index is hidden on its own
    when its released count of answers is below the threshold. Percentages are whole.
    """
    released = released_check_in(checkin)
    if released is None:
        raise ServiceError("Results appear when the check-in has closed.")
    threshold = effective_threshold(checkin.release, threshold)
    total = released.answer_count
    shown = total >= threshold
    items = []
    for question in questions.questions_for(checkin.kind, checkin.band):
        moments = released.item_moments(question.key)
        n = min(total, moments.count)
        item_shown = shown and n >= threshold
        shares = []
        if item_shown:
            fractions = released.item_shares(question.key)
            shares = [
                ChoiceShare(c.value, c.word, whole_percent(fractions[c.value], 1.0))
                for c in question.choices
            ]
        items.append(
            ItemResult(
                key=question.key,
                label=questions.ITEM_LABELS[question.key],
                text=question.text,
                n=n if shown else 0,
                skipped=total - n if shown else 0,
                shown=item_shown,
                shares=shares,
            )
        )
    indices = []
    if checkin.kind != "now":
        for key in INDICES:
            moments = released.index_moments(key)
            n = min(total, moments.count)
            index_shown = shown and n >= threshold and moments.mean is not None
            mean = None
            if index_shown:
                mean = int(min(100.0, max(0.0, moments.mean)) + 0.5)  # type: ignore[arg-type]
            indices.append(
                IndexResult(
                    key=key,
                    label=questions.INDEX_LABELS[key],
                    explanation=questions.INDEX_EXPLANATIONS[key],
                    n=n if shown else 0,
                    shown=index_shown,
                    mean=mean,
                )
            )
    protection = checkin.release.protection if checkin.release else ""
    return Results(total, threshold, shown, items, indices, protection)
