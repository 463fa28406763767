"""How check-in answers become numbers. Pure functions, no database.

Items are answered 1-5 or skipped. The worry index is the mean of W1 and W2; the
self-compassion index the mean of C1 and 6 - C2 (C2 is reverse-scored). An index counts
only when both its items are answered. Indices are reported on 0-100: (mean - 1) x 25.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

ITEM_MEASURES = ("w1", "w2", "c1", "c2", "s1", "g1", "right_now")


def to_percent_scale(mean_1_to_5: float) -> float:
    return (mean_1_to_5 - 1) * 25


def worry_index(w1: int | None, w2: int | None) -> float | None:
    if w1 is None or w2 is None:
        return None
    return to_percent_scale((w1 + w2) / 2)


def self_compassion_index(c1: int | None, c2: int | None) -> float | None:
    if c1 is None or c2 is None:
        return None
    return to_percent_scale((c1 + (6 - c2)) / 2)


def tally(answer_sets: Iterable[Mapping[str, int | None]]) -> Counter[tuple[str, float]]:
    """Count answer sets per (measure, value): items on 1-5, indices on 0-100."""
    counts: Counter[tuple[str, float]] = Counter()
    for answers in answer_sets:
        for item in ITEM_MEASURES:
            value = answers.get(item)
            if value is not None:
                counts[(item, float(value))] += 1
        worry = worry_index(answers.get("w1"), answers.get("w2"))
        if worry is not None:
            counts[("worry", worry)] += 1
        kindness = self_compassion_index(answers.get("c1"), answers.get("c2"))
        if kindness is not None:
            counts[("self_compassion", kindness)] += 1
    return counts
