"""The statistics of a term summary. Pure functions over sums, no database.

Every figure starts from three sums a check-in's released figures give without the raw
answers: the number of answers n, the sum of their values and the sum of their squares
(`Moments`, with the known covariance of the noise the release added to them). Waves are
compared as two independent groups, because answers are anonymous and cannot be linked
from the start of term to the end:

- the difference in means with a 95% confidence interval by **Welch's t** (it does not
  assume the two waves have the same spread, and it is the safer choice when the waves
  differ in size), with the release's noise in it: its variance joins the standard error,
  and Welch-Satterthwaite's degrees of freedom count the noise in each spread too;
- **Hedges' g**: the difference over the pooled standard deviation, with Hedges' exact
  small-sample correction J = Γ(m/2) / (√(m/2) Γ((m-1)/2)), m = n1 + n2 - 2;
- percent change on the 0-100 scale: 100 × (end - start) / start, a secondary figure only
  (it depends on where the scale starts, so a small start makes it look large).

The t distribution is computed here (scipy is not a dependency): the regularised
incomplete beta function by its continued fraction, and the quantile by Newton steps
from the Cornish-Fisher expansion, kept in a bracket with bisection to fall back on.
Tests check it against published tables and against a numerical integral of the density.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from ..checkins.figures import Moments

__all__ = ["Change", "Moments", "compare_waves", "student_t_quantile", "whole_percent"]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Change:
    """End of term compared with the start: difference end - start, and its companions."""

    start: Moments
    end: Moments
    difference: float
    ci_low: float
    ci_high: float
    df: float
    hedges_g: float | None
    percent_change: float | None

    @property
    def ci_excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


# ------------------------------------------------------------------ the t distribution


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            return h
    raise ArithmeticError("incomplete beta continued fraction did not converge")


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if not (a > 0 and b > 0):
        raise ValueError("a and b must be positive")
    if not 0.0 <= x <= 1.0:
        raise ValueError("x must be between 0 and 1")
    if x in (0.0, 1.0):
        return x
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the
    # symmetry I_x(a, b) = 1 - I_(1-x)(b, a) on the other side.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def student_t_pdf(t: float, df: float) -> float:
    log_density = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with df > 0 degrees of freedom (df need not be whole)."""
    if df <= 0 or math.isnan(df):
        raise ValueError("degrees of freedom must be positive")
    if t == 0:
        return 0.5
    tail = 0.5 * regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p, for 0 < p < 1 and df > 0.

    Newton's method from the Cornish-Fisher expansion around the normal quantile (a close
    start, so a few steps suffice), kept inside a bracket that bisection falls back on.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if df <= 0 or math.isnan(df):
        raise ValueError("degrees of freedom must be positive")
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    z = NormalDist().inv_cdf(p)
    if df > 1e7:
        return z
    t = _cornish_fisher(z, df) if df >= 3 else max(1.0, z)
    low, high = 0.0, math.inf
    for _ in range(200):
        error = student_t_cdf(t, df) - p
        if error > 0:
            high = t
        elif error < 0:
            low = t
        else:
            return t
        density = student_t_pdf(t, df)
        step = t - error / density if density > 0 else math.nan
        if low < step < high:
            following = step
        elif math.isinf(high):
            following = t * 2.0
        else:
            following = (low + high) / 2.0
        if abs(following - t) <= 1e-14 * max(1.0, t):
            return following
        t = following
    raise ArithmeticError("t quantile did not converge")


def _cornish_fisher(z: float, df: float) -> float:
    """The t quantile's expansion in the normal quantile z, to the 1/df³ term."""
    z2 = z * z
    return z + (
        (z2 + 1) * z / (4 * df)
        + ((5 * z2 + 16) * z2 + 3) * z / (96 * df**2)
        + (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / (384 * df**3)
    )


# ------------------------------------------------------------------ comparing two waves


def welch_df(start: Moments, end: Moments) -> float:
    """Welch-Satterthwaite degrees of freedom, with the noise of released figures counted.

    Each wave's term s²/n is uncertain because s² is estimated: by sampling (variance
    2(s²/n)²/(n-1), which gives Welch's usual formula) and, for released figures, by the
    noise in the sums s² comes from. Satterthwaite's rule takes both: df = (sum of the
    terms)² / (sum of their variances / 2). The noise added to each mean has a known
    variance, so it joins the sum above the line but adds no uncertainty below it. With no
    sampling spread at all (every answer the same) and no noise, it is n1 + n2 - 2; with
    noise alone, infinite (a normal quantile).
    """
    terms = []
    uncertainty = 0.0
    for wave in (start, end):
        term = wave.variance / wave.n  # type: ignore[operator]
        terms.append(term)
        uncertainty += 2 * term * term / (wave.n - 1)
        uncertainty += wave.noise_variance_of_variance / (wave.n * wave.n)
    noise = start.noise_variance_of_mean + end.noise_variance_of_mean
    if uncertainty == 0:
        return math.inf if noise > 0 else float(start.n + end.n - 2)
    return (sum(terms) + noise) ** 2 / (uncertainty / 2)


def hedges_correction(df: float) -> float:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (√(df/2) Γ((df-1)/2))."""
    if df <= 1:
        raise ValueError("Hedges' correction needs more than one degree of freedom")
    return math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)


def pooled_sd(start: Moments, end: Moments) -> float:
    df = start.n + end.n - 2
    return math.sqrt(
        ((start.n - 1) * start.variance + (end.n - 1) * end.variance) / df  # type: ignore[operator]
    )


def standard_error(start: Moments, end: Moments) -> float:
    """The standard error of end - start: sampling in both waves, plus the release's noise."""
    sampling = start.variance / start.n + end.variance / end.n  # type: ignore[operator]
    return math.sqrt(sampling + start.noise_variance_of_mean + end.noise_variance_of_mean)


def t_quantile(p: float, df: float) -> float:
    return NormalDist().inv_cdf(p) if math.isinf(df) else student_t_quantile(p, df)


def compare_waves(start: Moments, end: Moments, confidence: float = CONFIDENCE) -> Change:
    """End of term against the start of term, as two independent groups (Welch's t).

    For released (noisy) figures the interval also carries the noise: its known variance
    is added to the sampling variance of each wave's mean (see welch_df).
    """
    if start.n < 2 or end.n < 2:
        raise ValueError("each wave needs at least two answers")
    difference = end.mean - start.mean  # type: ignore[operator]
    se = standard_error(start, end)
    df = welch_df(start, end)
    half_width = t_quantile(0.5 + confidence / 2, df) * se if se > 0 else 0.0
    spread = pooled_sd(start, end)
    g = None
    if spread > 0 and start.n + end.n - 2 > 1:
        g = hedges_correction(start.n + end.n - 2) * difference / spread
    percent = 100.0 * difference / start.mean if start.mean else None  # type: ignore[operator]
    return Change(
        start=start,
        end=end,
        difference=difference,
        ci_low=difference - half_width,
        ci_high=difference + half_width,
        df=df,
        hedges_g=g,
        percent_change=percent,
    )


def whole_percent(value: float | None) -> int | None:
    """Percentages are published as whole numbers (half away from zero)."""
    if value is None:
        return None
    return int(math.copysign(math.floor(abs(value) + 0.5), value))
