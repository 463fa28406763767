"""Disclosure control: a check-in's figures are released once, with noise, when it is finalised.

Why. Hiding small groups holds within one download, but not against the staff who use the
app over a year: a teacher who sends 9 answer sets of their own before one pupil answers,
or who downloads a year group's figures before and after one more check-in closes, could
read that pupil's answers from exact figures. So no exact figure about pupils' answers is
ever shown. Each check-in's figures are drawn once, with random noise from a
differential-privacy mechanism, stored (`ReleasedFigure`), and everything staff see is
computed from those stored figures alone. Sums and differences of them are then just
arithmetic on noisy numbers: they reveal nothing the release did not.

What is released, per check-in (`statistics_for`):

- for every item: how many answer sets gave 1, 2, 3, 4 and 5, and how many skipped it;
- for each index (term check-ins): how many answer sets have it (both items answered), the
  sum of its values and the sum of their squares, counted in steps of 12.5 points from the
  middle of the scale (-4 to 4), so a mean and a spread come from a clamped sum, which is
  far more accurate than reading them off a noisy histogram;
- for term check-ins: how many answer sets answered at least one question.

The number of answer sets a check-in received is not noisy: the teacher watches it arrive,
and who takes part is seen in the room. What each pupil answered is what is protected.

The mechanism is OpenDP's discrete Gaussian (secure sampling of exact integer noise,
Canonne, Kamath and Steinke 2020), with the privacy loss accounted in zero-concentrated
differential privacy (rho). The privacy unit is one pupil's answer set changed to any other
answer set: the strongest attacker (who knows every other answer, and whether the pupil took
part) learns about that pupil only what rho allows. The statistics have different ranges,
so each is multiplied by a whole-number weight first (`WEIGHTS`) and one noise scale serves
them all; a released figure is (weight x statistic + noise) / weight. `max_squared_change`
works out, by enumerating every pair of answer sets, how far one pupil can move that vector;
OpenDP's privacy map turns that into rho, for a whole check-in and for each question.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

from ..accounts.models import DEFAULT_PROTECTION, PROTECTION_LEVELS
from .models import NOW_ITEM, TERM_ITEMS
from .scoring import self_compassion_index, worry_index

MECHANISM = "opendp-discrete-gaussian-v1"
INDICES = ("worry", "self_compassion")
ANY_ANSWER = "any"
# How each index is built from its two items (scoring.py has the rules).
INDEX_ITEMS: dict[str, tuple[str, str]] = {"worry": ("w1", "w2"), "self_compassion": ("c1", "c2")}
INDEX_FUNCTIONS = {"worry": worry_index, "self_compassion": self_compassion_index}
INDEX_STEP = 12.5  # index values are multiples of 12.5 on the 0-100 scale
INDEX_MIDDLE = 4  # 50 points, in steps
SKIPPED = 0  # the value under which an item's "skipped" count is kept
ITEM_VALUES = (1, 2, 3, 4, 5)
CELLS = (SKIPPED, *ITEM_VALUES)

# Whole-number weights, so that one discrete Gaussian scale gives every statistic its own
# noise: a figure's noise has standard deviation scale / weight. Counts get the least noise
# relative to what one pupil can change, the sum of squares the most (it only feeds the
# spread). benchmarks/disclosure.py shows how these were chosen.
WEIGHTS = {"count": 26, "n": 26, "sum": 10, "sum_sq": 2}
# The privacy loss is also given as (epsilon, delta) for readers who know that form.
DELTA = 1e-6


@dataclass(frozen=True)
class ProtectionLevel:
    key: str
    label: str
    description: str
    scale: float  # the discrete Gaussian's scale on the weighted statistics

    def noise_sd(self, statistic: str) -> float:
        return self.scale / WEIGHTS[statistic]


LEVELS: dict[str, ProtectionLevel] = {
    "standard": ProtectionLevel(
        "standard",
        "Standard",
        "Small random changes: class results stay useful, and no pupil's answers can be "
        "worked out.",
        65.0,
    ),
    "strong": ProtectionLevel(
        "strong",
        "Stronger",
        "Larger random changes (half as much again): even less can be learnt about one "
        "pupil, and small groups' figures are rougher.",
        97.5,
    ),
}
DEFAULT_LEVEL = DEFAULT_PROTECTION
assert set(LEVELS) == set(PROTECTION_LEVELS), "every level a lead can choose has its noise"


def level_for(key: str | None) -> ProtectionLevel:
    return LEVELS.get(key or DEFAULT_LEVEL, LEVELS[DEFAULT_LEVEL])


# ---------------------------------------------------------------- what is released


@dataclass(frozen=True, order=True)
class Statistic:
    """One released number: `measure` (an item, an index or "any"), what of it, and for
    item counts the value counted (0: skipped)."""

    measure: str
    statistic: str  # "count", "n", "sum" or "sum_sq"
    value: int = 0

    @property
    def weight(self) -> int:
        return WEIGHTS[self.statistic]


def items_of(kind: str) -> tuple[str, ...]:
    return (NOW_ITEM,) if kind == "now" else TERM_ITEMS


@cache
def statistics_for(kind: str) -> tuple[Statistic, ...]:
    """Every statistic a check-in of `kind` (baseline, endpoint, now) releases, in order."""
    released = [Statistic(item, "count", value) for item in items_of(kind) for value in CELLS]
    if kind != "now":
        for index in INDICES:
            released += [Statistic(index, "n"), Statistic(index, "sum"), Statistic(index, "sum_sq")]
        released.append(Statistic(ANY_ANSWER, "n"))
    return tuple(released)


def _index_step(index: str, answers: Mapping[str, int | None]) -> int | None:
    """The index of one answer set in steps of 12.5 from the middle (-4..4), or None."""
    first, second = INDEX_ITEMS[index]
    value = INDEX_FUNCTIONS[index](answers.get(first), answers.get(second))
    return None if value is None else round(value / INDEX_STEP) - INDEX_MIDDLE


def contribution(kind: str, answers: Mapping[str, int | None]) -> dict[Statistic, int]:
    """What one answer set adds to each statistic (unweighted). Items not asked are skipped."""
    added: dict[Statistic, int] = {}
    for item in items_of(kind):
        added[Statistic(item, "count", answers.get(item) or SKIPPED)] = 1
    if kind != "now":
        for index in INDICES:
            step = _index_step(index, answers)
            if step is not None:
                added[Statistic(index, "n")] = 1
                added[Statistic(index, "sum")] = step
                added[Statistic(index, "sum_sq")] = step * step
        if any(answers.get(item) is not None for item in TERM_ITEMS):
            added[Statistic(ANY_ANSWER, "n")] = 1
    return added


def exact_statistics(
    kind: str, answer_sets: Iterable[Mapping[str, int | None]]
) -> dict[Statistic, int]:
    """The exact value of every statistic `kind` releases, over these answer sets."""
    totals = dict.fromkeys(statistics_for(kind), 0)
    for answers in answer_sets:
        for statistic, amount in contribution(kind, answers).items():
            totals[statistic] += amount
    return totals


# ---------------------------------------------------------------- how far one pupil moves it


def _answer_states(items: Sequence[str]) -> list[dict[str, int | None]]:
    return [
        dict(zip(items, values, strict=True))
        for values in itertools.product((None, *ITEM_VALUES), repeat=len(items))
    ]


def _groups(kind: str) -> list[tuple[str, ...]]:
    """Items whose statistics move together: each index with its two items, then the rest."""
    if kind == "now":
        return [(NOW_ITEM,)]
    in_index = {item for pair in INDEX_ITEMS.values() for item in pair}
    return [*INDEX_ITEMS.values(), *((item,) for item in TERM_ITEMS if item not in in_index)]


def _weighted_squared_distance(kind: str, a: Mapping, b: Mapping, skip_any: bool) -> int:
    one, other = contribution(kind, a), contribution(kind, b)
    total = 0
    for statistic in set(one) | set(other):
        if skip_any and statistic.measure == ANY_ANSWER:
            continue
        change = one.get(statistic, 0) - other.get(statistic, 0)
        total += (statistic.weight * change) ** 2
    return total


def _group_maxima(
    kind: str, group: tuple[str, ...], item: str | None
) -> dict[tuple[bool, bool], int]:
    """A group's largest squared change, by (a all skipped, b all skipped), over pairs of
    its answers: every pair, or with `item` only pairs that differ in that item alone."""
    found: dict[tuple[bool, bool], int] = {}
    states = _answer_states(group)
    for a, b in itertools.product(states, states):
        differing = [name for name in group if a[name] != b[name]]
        if item is not None and differing not in ([], [item]):
            continue  # only the one question may change (and in its own group only)
        flags = (all(v is None for v in a.values()), all(v is None for v in b.values()))
        distance = _weighted_squared_distance(kind, a, b, skip_any=True)
        found[flags] = max(found.get(flags, 0), distance)
    return found


@cache
def max_squared_change(kind: str, item: str | None = None) -> int:
    """The most one pupil can move the weighted statistics (squared L2 distance).

    Over every pair of answer sets (one pupil's answers changed to any others), or, with
    `item`, every pair that differs in that one question only. Exact: the statistics split
    into groups of items that move together (an index and its two items; every other item on
    its own), coupled only through "answered at least one question", so the maximum is found
    group by group for each combination of "this group is all skipped" on either side.
    """
    groups = _groups(kind)
    if item is not None and not any(item in group for group in groups):
        raise ValueError(f"{item!r} is not asked in a {kind} check-in")
    # A group without the changing item keeps its answers (only equal pairs pass): it
    # changes nothing, but may be all skipped, on both sides alike, or not.
    best = [_group_maxima(kind, group, item) for group in groups]
    couples = kind != "now"  # "answered at least one question" ties the groups together
    largest = 0
    for choice in itertools.product(*(found.items() for found in best)):
        a_silent = all(flags[0] for flags, _ in choice)
        b_silent = all(flags[1] for flags, _ in choice)
        total = sum(distance for _, distance in choice)
        if couples and a_silent != b_silent:
            total += WEIGHTS["n"] ** 2
        largest = max(largest, total)
    return largest


# ---------------------------------------------------------------- the mechanism (OpenDP)


@cache
def _opendp():
    # Imported when first needed (0.4 s): only finalising a check-in and the privacy pages
    # use it. The discrete Gaussian on integer vectors is behind OpenDP's "contrib" flag.
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


@cache
def _measurement(scale: float):
    dp = _opendp()
    return dp.m.make_gaussian(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=float), scale=scale
    )


def opendp_noise(weighted: Sequence[int], scale: float) -> list[int]:
    """The weighted statistics with OpenDP's discrete Gaussian noise added to each."""
    return list(_measurement(scale)(list(weighted)))


NoiseSource = Callable[[Sequence[int], float], list[int]]


@dataclass(frozen=True)
class PrivacyLoss:
    """What one release can reveal about one pupil."""

    rho: float  # zero-concentrated DP
    epsilon: float  # (epsilon, DELTA)-DP, from rho
    two_choice_success: float  # the best guess between two answers, at even odds

    @property
    def two_choice_percent(self) -> int:
        return math.ceil(100 * self.two_choice_success)


@cache
def privacy_loss(kind: str, level_key: str, item: str | None = None) -> PrivacyLoss:
    """The privacy loss of one check-in's release (or, with `item`, of one question in it)."""
    level = level_for(level_key)
    dp = _opendp()
    measurement = _measurement(level.scale)
    sensitivity = math.sqrt(max_squared_change(kind, item))
    rho = measurement.map(sensitivity)
    approximate = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(measurement), DELTA)
    epsilon, _ = approximate.map(sensitivity)
    # The Gaussian mechanism is mu-GDP with mu = sensitivity / scale: telling apart two
    # answers is no easier than telling N(0, 1) from N(mu, 1), right at most Phi(mu / 2).
    success = NormalDist().cdf(sensitivity / level.scale / 2)
    return PrivacyLoss(rho=rho, epsilon=epsilon, two_choice_success=success)


# ---------------------------------------------------------------- releasing


@dataclass(frozen=True)
class Figure:
    """A released statistic: numerator / weight, with its noise's standard deviation."""

    statistic: Statistic
    numerator: int
    weight: int
    noise_sd: float

    @property
    def value(self) -> float:
        return self.numerator / self.weight


def release(
    kind: str,
    answer_sets: Iterable[Mapping[str, int | None]],
    level: ProtectionLevel,
    *,
    noise: NoiseSource = opendp_noise,
) -> list[Figure]:
    """Draw the released figures of a check-in of `kind` from its answer sets, once."""
    return release_statistics(kind, exact_statistics(kind, answer_sets), level, noise=noise)


def release_statistics(
    kind: str,
    exact: Mapping[Statistic, int],
    level: ProtectionLevel,
    *,
    noise: NoiseSource = opendp_noise,
) -> list[Figure]:
    """The same, from exact statistics already counted (migration 0005, from old tallies).

    Every statistic of `kind` must be given, except "answered at least one question",
    which old tallies cannot give and is then not released.
    """
    statistics = [s for s in statistics_for(kind) if s in exact]
    missing = [s for s in statistics_for(kind) if s not in exact and s.measure != ANY_ANSWER]
    if missing:
        raise ValueError(f"no exact value for {missing[0]}")
    weighted = [s.weight * int(exact[s]) for s in statistics]
    noisy = noise(weighted, level.scale)
    if len(noisy) != len(weighted):
        raise ValueError("the noise source returned the wrong number of figures")
    return [
        Figure(s, int(value), s.weight, level.noise_sd(s.statistic))
        for s, value in zip(statistics, noisy, strict=True)
    ]
