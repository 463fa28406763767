"""Reading a check-in's released figures: what every staff view derives from them.

A check-in's release (release.py) is a set of noisy figures. `ReleasedCheckIn` turns them
into what pages show (an item's counts and shares, a measure's `Moments`), always the same
way, so the same figure is the same number on every page, PDF, CSV and export. `Moments`
carry the covariance of the noise in them (`Noise`), so statistics can include it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .release import (
    ANY_ANSWER,
    CELLS,
    INDEX_MIDDLE,
    INDEX_STEP,
    INDICES,
    ITEM_VALUES,
    Figure,
    Statistic,
)


@dataclass(frozen=True)
class Noise:
    """The covariance of the noise in a released (n, sum, sum of squares).

    Noise of different check-ins is independent, so these add up when their moments do.
    """

    var_n: float = 0.0
    var_total: float = 0.0
    var_total_sq: float = 0.0
    cov_total_n: float = 0.0
    cov_total_sq_n: float = 0.0
    cov_total_sq_total: float = 0.0

    # Field by field: a term summary adds thousands of these, and dataclasses.astuple
    # (which deep-copies as it goes) took half of its time at 60 classes.
    def __add__(self, other: Noise) -> Noise:
        return Noise(
            self.var_n + other.var_n,
            self.var_total + other.var_total,
            self.var_total_sq + other.var_total_sq,
            self.cov_total_n + other.cov_total_n,
            self.cov_total_sq_n + other.cov_total_sq_n,
            self.cov_total_sq_total + other.cov_total_sq_total,
        )

    def __bool__(self) -> bool:
        return bool(
            self.var_n
            or self.var_total
            or self.var_total_sq
            or self.cov_total_n
            or self.cov_total_sq_n
            or self.cov_total_sq_total
        )


NO_NOISE = Noise()


@dataclass(frozen=True)
class Moments:
    """n, the sum and the sum of squares of a group's values, with the noise they carry.

    Exact moments (`Moments.of`) carry none. Released ones carry the covariance of their
    noise, so the noise a mean or a spread carries is known, and intervals include it
    (reports/statistics.py). Adding moments of different check-ins adds their noise too.
    """

    n: float = 0.0
    total: float = 0.0
    total_sq: float = 0.0
    noise: Noise = NO_NOISE
    # The number of answers as shown: each check-in's released n rounded to a whole number
    # (0 up to its answer count), then added up, so a year group's n is always the sum of
    # its classes' n on every page. None: take n as it is (exact moments).
    whole: int | None = None

    def __add__(self, other: Moments) -> Moments:
        return Moments(
            self.n + other.n,
            self.total + other.total,
            self.total_sq + other.total_sq,
            self.noise + other.noise,
            self.count + other.count,
        )

    @classmethod
    def of(cls, values) -> Moments:
        values = list(values)
        return cls(len(values), float(sum(values)), float(sum(v * v for v in values)))

    @property
    def count(self) -> int:
        """n as the whole number shown."""
        if self.whole is not None:
            return self.whole
        return max(0, math.floor(self.n + 0.5))

    @property
    def noisy(self) -> bool:
        return bool(self.noise)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n > 0 else None

    @property
    def noise_variance_of_mean(self) -> float:
        """The variance the release's noise adds to the mean (first-order delta method)."""
        if self.n <= 0 or not self.noise:
            return 0.0
        m, noise = self.total / self.n, self.noise
        spread = noise.var_total - 2 * m * noise.cov_total_n + m * m * noise.var_n
        return max(0.0, spread) / (self.n * self.n)

    @property
    def variance(self) -> float | None:
        """The sample variance (n - 1 in the denominator); None below two answers.

        From released sums, the squared deviations are short by n times the mean's noise
        variance on average (the noise in the sum inflates its square), which is added back.
        """
        if self.n < 2:
            return None
        squares = self.total_sq - self.total * self.total / self.n
        squares += self.n * self.noise_variance_of_mean
        # max(): exact tallies give exact sums; noisy ones can fall a little below zero.
        return max(0.0, squares / (self.n - 1))

    @property
    def sd(self) -> float | None:
        variance = self.variance
        return math.sqrt(variance) if variance is not None else None

    @property
    def sd_is_uncertain(self) -> bool:
        """Whether the release's noise leaves the spread too uncertain to show.

        In a small group the noise in the sum of squares can be as large as the spread
        itself (it may even come out at zero): the SD is then not worth printing. Shown
        when the noise moves the variance by at most half of it (its SD by about a
        quarter).
        """
        variance = self.variance
        if variance is None or not self.noise:
            return False
        return variance <= 0 or self.noise_variance_of_variance**0.5 > variance / 2

    @property
    def noise_variance_of_variance(self) -> float:
        """The variance the release's noise adds to the sample variance (delta method)."""
        if self.n < 2 or not self.noise:
            return 0.0
        m, v = self.total / self.n, self.noise
        # The squared deviations are total_sq - 2 m total + m^2 n to first order.
        spread = (
            v.var_total_sq
            + 4 * m * m * v.var_total
            + m**4 * v.var_n
            - 4 * m * v.cov_total_sq_total
            + 2 * m * m * v.cov_total_sq_n
            - 4 * m**3 * v.cov_total_n
        )
        return max(0.0, spread) / ((self.n - 1) ** 2)


@dataclass(frozen=True)
class ReleasedCheckIn:
    """A check-in's released figures, and everything staff pages derive from them.

    Every view reads figures through these methods, so the same figure is the same number
    on every page, PDF, CSV and export.
    """

    kind: str
    answer_count: int  # not noisy: how many answer sets arrived
    figures: Mapping[Statistic, Figure] = field(repr=False)

    @classmethod
    def of(cls, kind: str, answer_count: int, figures: Iterable[Figure]) -> ReleasedCheckIn:
        return cls(kind, answer_count, {figure.statistic: figure for figure in figures})

    def has(self, measure: str) -> bool:
        return any(s.measure == measure for s in self.figures)

    def _figure(self, measure: str, statistic: str, value: int = 0) -> Figure | None:
        return self.figures.get(Statistic(measure, statistic, value))

    def item_cells(self, item: str) -> dict[int, float]:
        """An item's counts (0: skipped, 1-5), adjusted to add up to the answer count.

        The six released counts are moved by the same amount so that they add up to the
        (known) number of answer sets: arithmetic on released figures and a public number,
        which removes about a sixth of the noise.
        """
        counts = {value: self._figure(item, "count", value) for value in CELLS}
        if any(figure is None for figure in counts.values()):
            return {}
        raw = {value: figure.value for value, figure in counts.items()}  # type: ignore[union-attr]
        shift = (self.answer_count - sum(raw.values())) / len(CELLS)
        return {value: count + shift for value, count in raw.items()}

    def item_shares(self, item: str) -> dict[int, float]:
        """The share of those who answered an item that gave each value (0 to 1).

        A count the noise took below zero counts as none; the rest are shared out in
        proportion, so the shares add up to one.
        """
        cells = self.item_cells(item)
        answered = {value: max(0.0, cells.get(value, 0.0)) for value in ITEM_VALUES}
        whole = sum(answered.values())
        if whole <= 0:
            return dict.fromkeys(ITEM_VALUES, 0.0)
        return {value: count / whole for value, count in answered.items()}

    def item_moments(self, item: str) -> Moments:
        """n, sum and sum of squares of an item's answers (1-5), from its adjusted counts."""
        cells = self.item_cells(item)
        if not cells:
            return Moments()
        sd = next(f.noise_sd for s, f in self.figures.items() if s.measure == item)
        # Each adjusted count is count_j - (sum of all six) / 6 plus a constant, so its
        # noise is a linear form in the six independent noises; the variances follow.
        size = len(CELLS)

        def coefficients(weights: Mapping[int, float]) -> list[float]:
            mean_weight = sum(weights.get(value, 0.0) for value in CELLS) / size
            return [weights.get(value, 0.0) - mean_weight for value in CELLS]

        of_n = coefficients(dict.fromkeys(ITEM_VALUES, 1.0))
        of_total = coefficients({value: float(value) for value in ITEM_VALUES})
        of_total_sq = coefficients({value: float(value * value) for value in ITEM_VALUES})
        variance = sd * sd

        def covariance(a: list[float], b: list[float]) -> float:
            return variance * sum(x * y for x, y in zip(a, b, strict=True))

        n = sum(cells[value] for value in ITEM_VALUES)
        return Moments(
            n=n,
            whole=self._whole(n),
            total=sum(value * cells[value] for value in ITEM_VALUES),
            total_sq=sum(value * value * cells[value] for value in ITEM_VALUES),
            noise=Noise(
                var_n=covariance(of_n, of_n),
                var_total=covariance(of_total, of_total),
                var_total_sq=covariance(of_total_sq, of_total_sq),
                cov_total_n=covariance(of_total, of_n),
                cov_total_sq_n=covariance(of_total_sq, of_n),
                cov_total_sq_total=covariance(of_total_sq, of_total),
            ),
        )

    def index_moments(self, index: str) -> Moments:
        """n, sum and sum of squares of an index (0-100) from its released figures."""
        n, total, total_sq = (self._figure(index, s) for s in ("n", "sum", "sum_sq"))
        if n is None or total is None or total_sq is None:
            return Moments()
        step, m = INDEX_STEP, INDEX_MIDDLE
        # A value is step * (u + m) for u in -4..4, and n, sum(u), sum(u^2) have independent
        # noise: the sums of values and of their squares are affine in those three.
        var_n, var_u, var_u2 = n.noise_sd**2, total.noise_sd**2, total_sq.noise_sd**2
        return Moments(
            n=n.value,
            whole=self._whole(n.value),
            total=step * (total.value + m * n.value),
            total_sq=step * step * (total_sq.value + 2 * m * total.value + m * m * n.value),
            noise=Noise(
                var_n=var_n,
                var_total=step**2 * (var_u + m * m * var_n),
                var_total_sq=step**4 * (var_u2 + 4 * m * m * var_u + m**4 * var_n),
                cov_total_n=step * m * var_n,
                cov_total_sq_n=step**2 * m * m * var_n,
                cov_total_sq_total=step**3 * (2 * m * var_u + m**3 * var_n),
            ),
        )

    def _whole(self, n: float) -> int:
        return min(self.answer_count, max(0, math.floor(n + 0.5)))

    def moments(self, measure: str) -> Moments:
        if measure == ANY_ANSWER:
            return self.answered_any_moments()
        return self.index_moments(measure) if measure in INDICES else self.item_moments(measure)

    def answered_any_moments(self) -> Moments:
        """How many answered at least one question, as moments (a count only)."""
        figure = self._figure(ANY_ANSWER, "n")
        if figure is None:
            return Moments()
        return Moments(
            n=figure.value, whole=self._whole(figure.value), noise=Noise(var_n=figure.noise_sd**2)
        )

    def answered_any(self) -> float | None:
        """How many answer sets answered at least one question (released), or None."""
        figure = self._figure(ANY_ANSWER, "n")
        return figure.value if figure else None
