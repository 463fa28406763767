"""Can staff work out one pupil's answers? And are the released figures still useful?

    .venv/bin/python benchmarks/disclosure.py              # the goals, 2,000 trials each
    .venv/bin/python benchmarks/disclosure.py --trials 500 --no-write
    .venv/bin/python benchmarks/disclosure.py --sweep      # privacy against utility, plotted

Needs the benchmark extras (`pip install -e '.[bench]'`: numpy, matplotlib, and the ONS's
cell-key-perturbation with pandas, the other method weighed).

Privacy. Every attack of the threat model is simulated against the app's own release code
(`cmt_schools.checkins.release`, OpenDP's discrete Gaussian, real noise every time), with a
target pupil whose answers are drawn at random (each item uniform over 1-5). The attacker
gets the strongest position each attack allows and more: every released figure exactly (as
the school's export holds them), and every other answer in the check-ins involved. From
what the attack shows them, the attacker works out the target's contribution (released
figures minus what they know) and makes the Bayes-optimal guess of each of the target's
answers and of each index: the value with the highest posterior probability, computed
exactly from the noise the app adds. The goal: for every measure, that guess is right at
most 15 percentage points more often than the best guess without the release (for an item
20%, for an index 20%, its most common value).

- padding: the teacher sends 9 answer sets of their own, then one pupil answers;
- time differencing: a year group's figures before and after one more check-in (the
  target's, answered by them alone) closes;
- regrouping: a class moved to another year group; the two year groups before and after;
- threshold lowering: older small check-ins appear (their figures were released, once,
  when they were finalised);
- overlapping check-ins: two check-ins for the target's classes open at once; the target's
  device answers one of them (the app refuses the other while the first is open);
- the "right now" trend: a year group's weekly "right now" figure before and after one more
  check.

Utility, from generated answers (`cmt_schools.reports.synthetic`) through the same code the
term summary uses (`ReleasedCheckIn` moments and `statistics.compare_waves`):

- a year group of four classes (25-29 pupils each, so 100 or more answers per wave) whose
  worry index truly falls by 8 points: the reported 95% interval covers -8 in at least 93% of
  simulations, and its median width is at most 1.35x the exact Welch interval's;
- a class of 28: item shares within 6 percentage points of the class's true shares on
  average, and the class's own interval still covers the true change in at least 93%.

The other candidate, the ONS's cell key perturbation (`cell-key-perturbation`, the method of
the 2021 Census, with the p-table the package ships: counts below 10 removed, the rest
rounded to 5), is run through the same padding attack and the same class of 28.

Results go to benchmarks/RESULTS.md (between the disclosure markers) and the plot to
benchmarks/disclosure.png.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cmt_schools.checkins import release as rel  # noqa: E402
from cmt_schools.checkins.figures import ReleasedCheckIn  # noqa: E402
from cmt_schools.checkins.release import (  # noqa: E402
    ITEM_VALUES,
    LEVELS,
    ProtectionLevel,
    Statistic,
)
from cmt_schools.reports import synthetic  # noqa: E402
from cmt_schools.reports.statistics import Moments, compare_waves  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PLOT = ROOT / "benchmarks" / "disclosure.png"
START_MARK, END_MARK = "<!-- disclosure:start -->", "<!-- disclosure:end -->"
PRIVACY_ALLOWANCE = 0.15
COVERAGE_GOAL, WIDTH_GOAL, SHARE_GOAL = 0.93, 1.35, 6.0
TRUE_CHANGE = -8.0


# ---------------------------------------------------------------- the attacker


def weighted_vector(kind: str, statistics: dict[Statistic, int]) -> np.ndarray:
    return np.array([s.weight * statistics[s] for s in rel.statistics_for(kind)], dtype=float)


def released_vector(figures: list[rel.Figure]) -> np.ndarray:
    return np.array([figure.numerator for figure in figures], dtype=float)


@dataclass(frozen=True)
class Hypotheses:
    """Every answer the target might have given, per group of statistics that move together."""

    groups: list[tuple[tuple[str, ...], np.ndarray, np.ndarray, list[dict]]]


def hypotheses(kind: str) -> Hypotheses:
    order = {s: i for i, s in enumerate(rel.statistics_for(kind))}
    groups = []
    for items in rel._groups(kind):
        states = [
            dict(zip(items, values, strict=True))
            for values in np.ndindex(*(5,) * len(items))
            for values in [tuple(v + 1 for v in values)]
        ]
        positions = sorted(
            {
                order[s]
                for state in states
                for s in rel.contribution(kind, state)
                if s.measure != rel.ANY_ANSWER
            }
        )
        matrix = np.zeros((len(states), len(positions)))
        for row, state in enumerate(states):
            for s, amount in rel.contribution(kind, state).items():
                if s.measure != rel.ANY_ANSWER:
                    matrix[row, positions.index(order[s])] = s.weight * amount
        groups.append((items, np.array(positions), matrix, states))
    return Hypotheses(groups)


def best_guesses(
    kind: str, residuals: np.ndarray, scale: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The Bayes-optimal guess of every item and index, for each row of residuals, and the
    posterior probability that the guess is right.

    A residual is the released (weighted) figures minus what the attacker knows: the
    target's own contribution plus the noise. The target answered every item, uniformly at
    random; so the posterior of each group's answers is proportional to the Gaussian
    likelihood of its part of the residual, and the guess is its most probable value. The
    mean over trials of that value's posterior probability is the guess's expected success:
    the same quantity as the share of right guesses, estimated with far less sampling noise.
    """
    guesses: dict[str, np.ndarray] = {}
    confidence: dict[str, np.ndarray] = {}
    for items, positions, matrix, states in hypotheses(kind).groups:
        part = residuals[:, positions]  # trials x positions
        distance = ((part[:, None, :] - matrix[None, :, :]) ** 2).sum(axis=2)
        log_like = -distance / (2 * scale * scale)
        log_like -= log_like.max(axis=1, keepdims=True)
        posterior = np.exp(log_like)
        posterior /= posterior.sum(axis=1, keepdims=True)
        for item in items:
            values = np.array([state[item] for state in states])
            marginal = np.stack([posterior[:, values == v].sum(axis=1) for v in ITEM_VALUES], 1)
            guesses[item] = np.array(ITEM_VALUES)[marginal.argmax(axis=1)]
            confidence[item] = marginal.max(axis=1)
        for index, pair in rel.INDEX_ITEMS.items():
            if set(pair) == set(items):
                steps = np.array([rel._index_step(index, state) for state in states])
                options = sorted(set(steps))
                marginal = np.stack([posterior[:, steps == u].sum(axis=1) for u in options], 1)
                guesses[index] = np.array(options)[marginal.argmax(axis=1)]
                confidence[index] = marginal.max(axis=1)
    return guesses, confidence


def truths(kind: str, target: dict) -> dict[str, int]:
    found = {item: target[item] for item in rel.items_of(kind)}
    if kind != "now":
        for index in rel.INDICES:
            found[index] = rel._index_step(index, target)
    return found


def blind_guess_rate(kind: str, measure: str) -> float:
    """How often the best guess without the release is right (the prior's most likely value)."""
    if measure in rel.INDICES:
        return 5 / 25  # the middle step, which 5 of the 25 pairs of answers give
    return 1 / 5


def random_answers(rng: random.Random, kind: str) -> dict:
    return {item: rng.randint(1, 5) for item in rel.items_of(kind)}


def known_answers(rng: random.Random, kind: str, n: int) -> list[dict]:
    if kind == "now":
        return synthetic.now_answers(rng, n, 2.8)
    return synthetic.term_answers(rng, n)


# ---------------------------------------------------------------- the attacks


def _exact(kind, answer_sets):
    return weighted_vector(kind, rel.exact_statistics(kind, answer_sets))


def attack_padding(rng, kind, level, target):
    """9 answer sets of the teacher's own, then the target: one check-in's figures."""
    padding = known_answers(rng, kind, 9)
    figures = rel.release(kind, [*padding, target], level)
    return released_vector(figures) - _exact(kind, padding)


def attack_time_difference(rng, kind, level, target):
    """A year group's summed figures, before and after the target's check-in closes."""
    earlier = [known_answers(rng, kind, 12) for _ in range(3)]  # three classes before
    before = sum(released_vector(rel.release(kind, answers, level)) for answers in earlier)
    after = before + released_vector(rel.release(kind, [target], level))
    # The new check-in holds the target alone: the difference is its figures.
    return after - before


def attack_regrouping(rng, kind, level, target):
    """The target's class moves from year group A to B: A's and B's figures, both times."""
    classmates = known_answers(rng, kind, 11)
    moved = released_vector(rel.release(kind, [*classmates, target], level))
    other_a = released_vector(rel.release(kind, known_answers(rng, kind, 20), level))
    other_b = released_vector(rel.release(kind, known_answers(rng, kind, 20), level))
    a_before, b_before = other_a + moved, other_b
    a_after, b_after = other_a, other_b + moved
    # Either difference isolates the moved class; the attacker averages both (they are the
    # very same figures, so this is no better than one).
    isolated = ((a_before - a_after) + (b_after - b_before)) / 2
    return isolated - _exact(kind, classmates)


def attack_threshold_lowering(rng, kind, level, target):
    """A check-in of 4 (below the threshold) appears when the lead lowers it to 3."""
    others = known_answers(rng, kind, 3)
    # The figures were released when the check-in was finalised; lowering the threshold
    # only shows them. (And a lowered threshold applies only to later check-ins anyway.)
    stored = rel.release(kind, [*others, target], level)
    return released_vector(stored) - _exact(kind, others)


def attack_overlapping(rng, kind, level, target):
    """Two check-ins open at once for classes the target is in; the device answers one."""
    first_others = known_answers(rng, kind, 9)
    second_others = known_answers(rng, kind, 9)
    first = released_vector(rel.release(kind, [*first_others, target], level))
    second = released_vector(rel.release(kind, second_others, level))
    # The attacker knows which one the target answered (it is the one whose count rose);
    # the other holds nothing of the target's.
    del second
    return first - _exact(kind, first_others)


def attack_right_now_trend(rng, kind, level, target):
    """A year group's weekly "right now" figure, before and after the target's check."""
    week = [known_answers(rng, "now", 20) for _ in range(2)]
    before = sum(released_vector(rel.release("now", answers, level)) for answers in week)
    extra_others = known_answers(rng, "now", 5)
    after = before + released_vector(rel.release("now", [*extra_others, target], level))
    return after - before - _exact("now", extra_others)


ATTACKS = {
    "padding": ("baseline", attack_padding),
    "time differencing": ("baseline", attack_time_difference),
    "regrouping": ("baseline", attack_regrouping),
    "threshold lowering": ("baseline", attack_threshold_lowering),
    "overlapping check-ins": ("baseline", attack_overlapping),
    '"right now" trend': ("now", attack_right_now_trend),
}


def run_attack(
    name: str, level: ProtectionLevel, trials: int, seed: int
) -> dict[str, tuple[float, float]]:
    """measure -> (share of right guesses, expected success) for one attack."""
    kind, attack = ATTACKS[name]
    rng = random.Random(seed)
    targets = [random_answers(rng, kind) for _ in range(trials)]
    residuals = np.stack([attack(rng, kind, level, target) for target in targets])
    guesses, confidence = best_guesses(kind, residuals, level.scale)
    rates = {}
    for measure, guessed in guesses.items():
        right = np.array([truths(kind, t)[measure] for t in targets])
        rates[measure] = (float((guessed == right).mean()), float(confidence[measure].mean()))
    return rates


# ---------------------------------------------------------------- utility


def leaning_for_worry(target: float) -> float:
    """The average worry leaning whose expected worry index is `target` (bisection)."""
    low, high = 1.0, 5.0
    for _ in range(60):
        middle = (low + high) / 2
        if synthetic.expected_indices(replace(synthetic.START, worry=middle))["worry"] < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def exact_index_values(answer_sets, index):
    values = []
    for answers in answer_sets:
        step = rel._index_step(index, answers)
        if step is not None:
            values.append(rel.INDEX_STEP * (step + rel.INDEX_MIDDLE))
    return values


@dataclass
class Utility:
    year_coverage: float
    year_exact_coverage: float
    year_width_ratio: float
    class_share_error: float
    class_coverage: float
    class_width_ratio: float


def run_utility(level: ProtectionLevel, trials: int, seed: int) -> Utility:
    rng = random.Random(seed)
    start = synthetic.START
    start_worry = synthetic.expected_indices(start)["worry"]
    end = replace(start, worry=leaning_for_worry(start_worry + TRUE_CHANGE))
    covered = exact_covered = class_covered = 0
    widths, exact_widths, class_widths, class_exact_widths, share_errors = [], [], [], [], []
    for _ in range(trials):
        waves_noisy, waves_exact = [], []
        class_waves, class_exact = [], []
        for wave in (start, end):
            total, exact = Moments(), []
            for position in range(4):
                answers = synthetic.term_answers(rng, rng.randint(25, 29), wave)
                released = ReleasedCheckIn.of(
                    "baseline", len(answers), rel.release("baseline", answers, level)
                )
                moments = released.index_moments("worry")
                values = exact_index_values(answers, "worry")
                total, exact = total + moments, exact + values
                if position == 0:
                    class_answers = synthetic.term_answers(rng, 28, wave)
                    class_release = ReleasedCheckIn.of(
                        "baseline", 28, rel.release("baseline", class_answers, level)
                    )
                    class_waves.append(class_release.index_moments("worry"))
                    class_exact.append(Moments.of(exact_index_values(class_answers, "worry")))
                    share_errors.append(share_error(class_release, class_answers))
            waves_noisy.append(total)
            waves_exact.append(Moments.of(exact))
        noisy = compare_waves(*waves_noisy)
        exact_change = compare_waves(*waves_exact)
        covered += noisy.ci_low <= TRUE_CHANGE <= noisy.ci_high
        exact_covered += exact_change.ci_low <= TRUE_CHANGE <= exact_change.ci_high
        widths.append(noisy.ci_high - noisy.ci_low)
        exact_widths.append(exact_change.ci_high - exact_change.ci_low)
        class_change = compare_waves(*class_waves)
        class_covered += class_change.ci_low <= TRUE_CHANGE <= class_change.ci_high
        class_widths.append(class_change.ci_high - class_change.ci_low)
        exact_class = compare_waves(*class_exact)
        class_exact_widths.append(exact_class.ci_high - exact_class.ci_low)
    return Utility(
        year_coverage=covered / trials,
        year_exact_coverage=exact_covered / trials,
        year_width_ratio=statistics.median(widths) / statistics.median(exact_widths),
        class_share_error=100 * statistics.fmean(share_errors),
        class_coverage=class_covered / trials,
        class_width_ratio=statistics.median(class_widths) / statistics.median(class_exact_widths),
    )


def share_error(released: ReleasedCheckIn, answers) -> float:
    """Mean absolute difference, over items and values, between released and true shares."""
    errors = []
    for item in rel.items_of(released.kind):
        given = [a[item] for a in answers if a.get(item) is not None]
        if not given:
            continue
        shares = released.item_shares(item)
        for value in ITEM_VALUES:
            errors.append(abs(shares[value] - given.count(value) / len(given)))
    return statistics.fmean(errors)


# ---------------------------------------------------------------- the other candidate


def cell_key_padding(trials: int, seed: int) -> tuple[float, float]:
    """The padding attack against the ONS's cell key method, with its own p-table.

    The teacher pads every answer with 12 answer sets of their own, then one pupil answers.
    Returns how often the attacker's guess is right, and how often a class of 28's item
    shares can be shown at all (a count below 10 is removed).
    """
    import contextlib
    import io

    import pandas as pd
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table
    from cell_key_perturbation.utils.generate_test_ptable import generate_ptable_10_5_rule

    ptable = generate_ptable_10_5_rule()
    rng = random.Random(seed)

    def table(values: list[int]) -> dict[int, float]:
        rows = pd.DataFrame({"w1": values, "key": [rng.randrange(256) for _ in values]})
        with contextlib.redirect_stdout(io.StringIO()):
            out = create_perturbed_table(rows, ptable, [], ["w1"], "key", threshold=10)
        return dict(zip(out["w1"], out["count"], strict=True))

    right = shown = 0
    for _ in range(trials):
        target = rng.randint(1, 5)
        counts = table([v for v in ITEM_VALUES for _ in range(12)] + [target])
        # Each answer's count is 12 before the pupil; the one that moved is the pupil's.
        moved = [v for v in ITEM_VALUES if counts.get(v, 0) != 10]
        guess = moved[0] if len(moved) == 1 else rng.choice(list(ITEM_VALUES))
        right += guess == target
        answers = [a["w1"] for a in synthetic.term_answers(rng, 28) if a["w1"] is not None]
        class_counts = table(answers)
        shown += all(not pd.isna(class_counts.get(v, math.nan)) for v in set(answers))
    return right / trials, shown / trials


# ---------------------------------------------------------------- reporting


def wilson(rate: float, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson 95% interval of a proportion."""
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials))
    return centre - half / (1 + z * z / trials), centre + half / (1 + z * z / trials)


def privacy_table(level: ProtectionLevel, trials: int, seed: int):
    rows = []
    for position, name in enumerate(ATTACKS):
        kind = ATTACKS[name][0]
        rates = run_attack(name, level, trials, seed + position)
        for measure, (rate, expected) in rates.items():
            blind = blind_guess_rate(kind, measure)
            rows.append((name, measure, rate, expected, blind, expected - blind))
    return rows


def render(rows, utility: Utility, trials: int, cell_key, seconds: float) -> str:
    level = LEVELS["standard"]
    worst = max(rows, key=lambda row: row[5])
    lines = [
        "## Disclosure control (check-ins)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `benchmarks/disclosure.py`"
        f" ({trials:,} trials per attack, {seconds:.0f} s; {platform.machine()},"
        f" Python {platform.python_version()}). The app's own release code drew every"
        " release (OpenDP's discrete Gaussian, the standard level: noise SD"
        f" {level.noise_sd('count'):.2f} on each count, {level.noise_sd('sum'):.2f} on each"
        f" index sum in steps of 12.5, {level.noise_sd('sum_sq'):.1f} on each sum of squares)."
        " The attacker sees every released figure exactly and knows every other answer; the"
        " target's answers are drawn at random; the guess is Bayes-optimal.",
        "",
        "### Privacy: how often the best guess of the target's answer is right",
        "",
        "Goal: at most 15 points above the best guess without the release (20% for an item"
        " of five answers, 20% for an index, its most common value).",
        "",
        '"Right" is the share of the trials\' guesses that were right, with its 95% interval;'
        ' "expected" is the mean of the posterior probability of each guess, which estimates'
        " the same success rate with far less sampling noise, and is what the gain is taken"
        " from.",
        "",
        "| attack | measure | right (95% interval) | expected | without the release |"
        " gain (points) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, measure, rate, expected, blind, gain in rows:
        low, high = wilson(rate, trials)
        lines.append(
            f"| {name} | {measure} | {100 * rate:.1f}% ({100 * low:.1f}-{100 * high:.1f})"
            f" | {100 * expected:.1f}% | {100 * blind:.0f}% | {100 * gain:+.1f} |"
        )
    met = "met" if worst[5] <= PRIVACY_ALLOWANCE else "NOT met"
    highest = max(rows, key=lambda row: row[2] - row[4])
    low, _ = wilson(highest[2], trials)
    within = "inside" if low <= highest[4] + PRIVACY_ALLOWANCE else "beyond"
    lines += [
        "",
        f"Largest gain: {100 * worst[5]:+.1f} points ({worst[0]}, {worst[1]}): goal {met}."
        f" The largest share of right guesses in any row was"
        f" {100 * (highest[2] - highest[4]):+.1f} points above a blind guess ({highest[0]},"
        f" {highest[1]}); 15 points is {within} its 95% interval."
        " Every attack reduces to the same thing, one check-in's release minus what the"
        " attacker knows, because each check-in's figures are drawn once and every view is"
        " arithmetic on them; the rows differ only by sampling.",
        "",
        "### Utility",
        "",
        "| | result | goal |",
        "|---|---:|---:|",
        f"| year group (4 classes, 100+ per wave, worry -8): interval covers -8"
        f" | {100 * utility.year_coverage:.1f}%"
        f" (exact Welch {100 * utility.year_exact_coverage:.1f}%) | at least 93% |",
        f"| year group: median interval width / exact Welch's | {utility.year_width_ratio:.2f}x"
        " | at most 1.35x |",
        f"| class of 28: item shares, mean distance from the true shares"
        f" | {utility.class_share_error:.1f} points | at most 6 |",
        f"| class of 28: its own interval covers the true change"
        f" | {100 * utility.class_coverage:.1f}%"
        f" (width {utility.class_width_ratio:.2f}x exact) | at least 93% |",
        "",
        "### Privacy loss, from OpenDP's privacy map",
        "",
        "Per question: one pupil's answer to that question changed (every other answer kept);"
        " per check-in: their whole answer set changed. zCDP rho; epsilon at delta 1e-6; and"
        " the bound on telling two answers apart at even odds (a coin: 50%).",
        "",
        "| level | measure | rho | epsilon | two answers told apart at most |",
        "|---|---|---:|---:|---:|",
    ]
    for key in LEVELS:
        for item in (*rel.items_of("baseline"), None):
            loss = rel.privacy_loss("baseline", key, item)
            lines.append(
                f"| {key} | {item or 'whole term check-in'} | {loss.rho:.3f} |"
                f" {loss.epsilon:.2f} | {loss.two_choice_percent}% |"
            )
        loss = rel.privacy_loss("now", key)
        lines.append(
            f"| {key} | right now (whole check) | {loss.rho:.3f} | {loss.epsilon:.2f} |"
            f" {loss.two_choice_percent}% |"
        )
    key_right, key_shown = cell_key
    lines += [
        "",
        "### The other candidate: cell key perturbation (ONS)",
        "",
        f"Through the same padding attack (12 known answer sets per answer, then the pupil),"
        f" the ONS package with its shipped p-table gives the pupil's answer away"
        f" {100 * key_right:.0f}% of the time (a blind guess: 20%): rounding to 5 is"
        " deterministic once the padding sits just under a boundary. For a class of 28 it"
        f" can show the item shares at all in {100 * key_shown:.0f}% of classes (counts below"
        " 10 are removed). It perturbs counts only, so index means and spreads would need a"
        " method of its own, with no bound on what repeated releases reveal.",
        "",
        "Why OpenDP: its discrete Gaussian gives a proven bound that holds against any"
        " attacker and any number of downloads (the privacy loss above), it releases the"
        " clamped sums a mean needs as well as counts, its noise is known exactly so intervals"
        " can include it, and it meets both the privacy goal and the utility goals here;"
        " cell key perturbation meets neither against a teacher who pads a check-in.",
        "",
        "![Privacy against utility as the noise scale changes](disclosure.png)",
        "",
        "The plot (`--sweep`): as the noise grows, the best attack's gain falls and the"
        " figures grow rougher; the standard level (1.0) keeps every goal, the class of 28's"
        " share error (against 6 points) with the least room.",
    ]
    return "\n".join(lines)


def write_results(text: str) -> None:
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = f"{START_MARK}\n{text.rstrip()}\n{END_MARK}"
    if START_MARK in current:
        before, rest = current.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        current = before + section + after
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(current)


def sweep(trials: int, seed: int):
    """Privacy and utility for noise scales from a quarter to twice the standard one."""
    base = LEVELS["standard"].scale
    points = []
    for factor in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0):
        level = ProtectionLevel("sweep", f"x{factor}", "", base * factor)
        rows = privacy_table(level, trials, seed)
        worst = max(row[5] for row in rows)
        utility = run_utility(level, max(200, trials // 2), seed)
        points.append((factor, level.scale, worst, utility))
        print(f"x{factor}: worst gain {worst:.3f}, {utility}", flush=True)
    return points


def plot(points, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    factors = [p[0] for p in points]
    gains = [100 * p[2] for p in points]
    widths = [p[3].year_width_ratio for p in points]
    shares = [p[3].class_share_error for p in points]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    left.plot(factors, gains, "o-", label="best guess gain (all attacks, all measures)")
    left.axhline(100 * PRIVACY_ALLOWANCE, color="grey", linestyle="--", label="allowed: 15 points")
    left.set_xlabel("noise scale, as a multiple of the standard level")
    left.set_ylabel("percentage points above a blind guess")
    left.set_title("Privacy: the best attack's gain")
    left.legend(fontsize=8)
    right.plot(factors, widths, "s-", label="year group: interval width / exact")
    right.axhline(WIDTH_GOAL, color="grey", linestyle="--", label="goal: at most 1.35")
    twin = right.twinx()
    twin.plot(factors, shares, "^-", color="tab:orange", label="class of 28: share error (points)")
    twin.axhline(SHARE_GOAL, color="tab:orange", linestyle=":", label="goal: at most 6 points")
    right.set_xlabel("noise scale, as a multiple of the standard level")
    right.set_ylabel("width ratio")
    twin.set_ylabel("mean share error, percentage points")
    right.set_title("Utility")
    lines = right.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    right.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--sweep", action="store_true", help="also the privacy-utility sweep")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args()
    began = time.monotonic()
    level = LEVELS["standard"]
    rows = privacy_table(level, args.trials, args.seed)
    for row in rows:
        print(*row, flush=True)
    utility = run_utility(level, args.trials, args.seed)
    print(utility, flush=True)
    cell_key = cell_key_padding(min(args.trials, 1000), args.seed)
    print("cell key", cell_key, flush=True)
    if args.sweep:
        points = sweep(max(500, args.trials // 4), args.seed)
        plot(points, PLOT)
    report = render(rows, utility, args.trials, cell_key, time.monotonic() - began)
    print(report)
    if not args.no_write:
        write_results(report)


if __name__ == "__main__":
    main()
