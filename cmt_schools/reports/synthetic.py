"""Made-up check-in answers with a known effect, for the demo, the tests and the benchmark.

Each pupil has a leaning (a normal draw) and each item adds its own noise; the answer is
the nearest whole number from 1 to 5. Because an item's answer depends only on a normal
variable, its expected value can be worked out exactly, so tests know the true change they
should find (tests/test_reports_statistics.py works it out).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from statistics import NormalDist

from ..accounts.models import School
from ..checkins import release
from ..checkins.models import AnswerSet, CheckIn
from ..checkins.services import ANSWER_MARGIN, store_release
from ..extensions import db

PUPIL_SD = 0.7  # how much pupils differ from each other
ITEM_SD = 0.6  # how much one answer wanders from the pupil's leaning
SKIP_RATE = 0.03  # "rather not say"


@dataclass(frozen=True)
class Wave:
    """Average leanings (1-5) for the term check-in's items."""

    worry: float = 3.0  # W1 and W2
    kind: float = 2.9  # C1 "kind to myself"
    harsh: float = 3.2  # C2 "hard on myself" (reverse-scored)
    calm: float = 3.0  # S1
    week: float = 3.3  # G1


START = Wave()
# A modest improvement: about a quarter of a scale point on each item.
END = Wave(worry=2.75, kind=3.15, harsh=2.95, calm=3.25, week=3.45)


def _answer(rng: random.Random, leaning: float) -> int | None:
    if rng.random() < SKIP_RATE:
        return None
    return min(5, max(1, round(rng.gauss(leaning, ITEM_SD))))


def term_answers(
    rng: random.Random, n: int, wave: Wave = START, *, shift: float = 0.0
) -> list[dict]:
    """n answer sets to a start- or end-of-term check-in; `shift` moves a class's leaning."""
    answers = []
    for _ in range(n):
        pupil = rng.gauss(0, PUPIL_SD) + shift
        answers.append(
            {
                "w1": _answer(rng, wave.worry + pupil),
                "w2": _answer(rng, wave.worry + pupil),
                "c1": _answer(rng, wave.kind - pupil),
                "c2": _answer(rng, wave.harsh + pupil),
                "s1": _answer(rng, wave.calm - pupil),
                "g1": _answer(rng, wave.week - pupil),
            }
        )
    return answers


def now_answers(rng: random.Random, n: int, leaning: float) -> list[dict]:
    """n answers to a one-item right-now check (1 calm ... 5 wound up)."""
    return [{"right_now": _answer(rng, leaning + rng.gauss(0, PUPIL_SD))} for _ in range(n)]


def expected_item(leaning: float) -> float:
    """The exact expected answer (1-5) of an item with this average leaning, skips aside."""
    spread = NormalDist(leaning, (PUPIL_SD**2 + ITEM_SD**2) ** 0.5)
    # round() sends x.5 to the even neighbour; the boundaries have probability zero.
    edges = [float("-inf"), 1.5, 2.5, 3.5, 4.5, float("inf")]
    return sum(
        value * (spread.cdf(edges[value]) - spread.cdf(edges[value - 1])) for value in range(1, 6)
    )


def expected_indices(wave: Wave) -> dict[str, float]:
    """The true worry and self-compassion indices (0-100) of a wave."""
    worry = expected_item(wave.worry)
    kindness = (expected_item(wave.kind) + 6 - expected_item(wave.harsh)) / 2
    return {"worry": (worry - 1) * 25, "self_compassion": (kindness - 1) * 25}


def seeded_noise(rng: random.Random) -> release.NoiseSource:
    """Noise of the mechanism's own size, from a seeded generator.

    For made-up pupils only (the demo): their figures need no protection, and the demo
    should read the same on every first run. Real check-ins always use OpenDP's noise.
    """

    def noise(weighted, scale: float) -> list[int]:
        return [int(value) + round(rng.gauss(0.0, scale)) for value in weighted]

    return noise


def join_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def add_checkin(
    *,
    school_id: int,
    class_id: int,
    band: str,
    kind: str,
    opened_on: date,
    answers: list[Mapping[str, int | None]],
    with_answer_sets: bool = True,
    occurrence_id: int | None = None,
    noise: release.NoiseSource = release.opendp_noise,
    class_size: int | None = None,
) -> CheckIn:
    """A finalised check-in with its answer count and released figures, as the check-ins
    feature leaves one when it closes (the caller has called begin_write and commits).

    The release is drawn with the app's own noise unless a test passes another `noise`.
    """
    closes = datetime.combine(opened_on, time(15, 30), UTC)
    checkin = CheckIn(
        school_id=school_id,
        class_id=class_id,
        occurrence_id=occurrence_id,
        kind=kind,
        band=band,
        join_code=join_code(),
        opened_on=opened_on,
        closes_at=closes,
        closed_at=closes,
        # As the teacher gives it when opening: the class's pupils, plus the margin.
        max_answers=(class_size if class_size is not None else len(answers)) + ANSWER_MARGIN,
        answer_count=len(answers),
    )
    db.session.add(checkin)
    db.session.flush()
    school = db.session.get(School, school_id)
    store_release(checkin, school, list(answers), released_on=opened_on, noise=noise)
    if with_answer_sets:
        for answer in answers:
            db.session.add(AnswerSet(id=str(uuid.uuid4()), check_in_id=checkin.id, **answer))
    return checkin
