"""The term summary's statistics against hand-computed values and a known effect."""

from __future__ import annotations

import math
import random
import statistics as stdlib_statistics
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmt_schools.checkins.scoring import self_compassion_index, tally, worry_index
from cmt_schools.reports import synthetic
from cmt_schools.reports.statistics import (
    Moments,
    compare_waves,
    hedges_correction,
    regularized_incomplete_beta,
    student_t_cdf,
    student_t_pdf,
    student_t_quantile,
    welch_df,
    whole_percent,
)

# What the generator's waves should give: worked out exactly, since an item's answer is a
# rounded normal variable.


def expected_item(leaning: float) -> float:
    """The exact expected answer (1-5) of an item with this average leaning, skips aside."""
    spread = NormalDist(leaning, (synthetic.PUPIL_SD**2 + synthetic.ITEM_SD**2) ** 0.5)
    # round() sends x.5 to the even neighbour; the boundaries have probability zero.
    edges = [float("-inf"), 1.5, 2.5, 3.5, 4.5, float("inf")]
    return sum(
        value * (spread.cdf(edges[value]) - spread.cdf(edges[value - 1])) for value in range(1, 6)
    )


def expected_indices(wave: synthetic.Wave) -> dict[str, float]:
    """The true worry and self-compassion indices (0-100) of a wave."""
    worry = expected_item(wave.worry)
    kindness = (expected_item(wave.kind) + 6 - expected_item(wave.harsh)) / 2
    return {"worry": (worry - 1) * 25, "self_compassion": (kindness - 1) * 25}


# ------------------------------------------------------------------ small fixed data sets


def test_mean_and_sd_from_sums_match_hand_computation():
    # 25, 50, 50, 75: mean 50; squared deviations 625 + 0 + 0 + 625 = 1250; / 3
    moments = Moments.of([25, 50, 50, 75])
    assert moments.n == 4
    assert moments.mean == 50
    assert moments.variance == pytest.approx(1250 / 3)
    assert moments.sd == pytest.approx(20.412414523193153)


def test_moments_from_tallies_equal_moments_from_the_raw_values():
    answers = [
        {"w1": 1, "w2": 2, "c1": 5, "c2": 1},
        {"w1": 4, "w2": 4, "c1": 2, "c2": None},
        {"w1": 3, "w2": None, "c1": 3, "c2": 3},
        {"w1": 5, "w2": 5, "c1": 1, "c2": 5},
    ]
    raw = {
        "worry": [worry_index(a["w1"], a["w2"]) for a in answers],
        "self_compassion": [self_compassion_index(a["c1"], a["c2"]) for a in answers],
    }
    for measure, values in raw.items():
        values = [value for value in values if value is not None]
        from_tally = _moments(answers, measure)
        assert from_tally.n == len(values)
        assert from_tally.mean == pytest.approx(stdlib_statistics.fmean(values))
        assert from_tally.sd == pytest.approx(stdlib_statistics.stdev(values))


def test_equal_groups_welch_ci_hedges_g_and_percent_change_by_hand():
    start = Moments.of([25, 50, 50, 75])  # mean 50, variance 1250/3
    end = Moments.of([0, 25, 25, 50])  # mean 25, variance 1250/3
    change = compare_waves(start, end)
    # difference 25 - 50
    assert change.difference == -25
    # se = sqrt(2 * (1250/3) / 4) = 14.433756729740644; equal spreads and sizes: df = 6
    assert change.df == pytest.approx(6)
    # t(0.975, 6) = 2.446911851144969 (tables); half width = 35.31813039854582
    assert change.ci_low == pytest.approx(-60.31813039854582, abs=1e-9)
    assert change.ci_high == pytest.approx(10.31813039854582, abs=1e-9)
    # pooled SD = 20.412414523193153; d = -25 / 20.4124 = -1.2247448713915890
    # J(6) = Γ(3) / (sqrt(3) Γ(2.5)) = 2 / (1.7320508075688772 * 1.329340388179137)
    #      = 0.8686266878274125; g = -1.0638460810704862
    assert change.hedges_g == pytest.approx(-1.0638460810704862, abs=1e-12)
    # percent change on the 0-100 scale: -25 / 50
    assert change.percent_change == pytest.approx(-50)
    assert change.ci_excludes_zero is False


def test_unequal_groups_use_welch_satterthwaite_degrees_of_freedom():
    start = Moments.of([0, 25, 50, 75, 100])  # mean 50, variance 1562.5
    end = Moments.of([50, 50, 75])  # mean 58.333..., variance 208.333...
    # a = 1562.5 / 5 = 625/2; b = (625/3) / 3 = 625/9
    # df = (a + b)^2 / (a^2 / 4 + b^2 / 2) = (47265625/324) / (34765625/1296) = 484/89
    assert welch_df(start, end) == pytest.approx(484 / 89, rel=1e-12)
    change = compare_waves(start, end)
    se = math.sqrt(312.5 + 625 / 9)
    t = student_t_quantile(0.975, 484 / 89)
    assert change.difference == pytest.approx(25 / 3)
    assert change.ci_high - change.difference == pytest.approx(t * se)
    # The pooled t would use df = 6 and a different interval: Welch is what we report.
    assert change.df != 6


def test_no_spread_gives_a_zero_width_interval_and_no_effect_size():
    change = compare_waves(Moments.of([50, 50, 50]), Moments.of([75, 75]))
    assert change.ci_low == change.ci_high == 25
    assert change.hedges_g is None


def test_percent_change_is_undefined_from_zero():
    change = compare_waves(Moments.of([0, 0, 0]), Moments.of([0, 25]))
    assert change.percent_change is None


@pytest.mark.parametrize(
    "value, expected", [(-10.5, -11), (10.5, 11), (0.4, 0), (-0.4, 0), (99.5, 100), (None, None)]
)
def test_percentages_are_whole_numbers(value, expected):
    assert whole_percent(value) == expected


# ------------------------------------------------------------------ the t distribution

# Two-sided 95% critical values, from published tables.
T_TABLE = {
    1: 12.706204736174694,
    2: 4.302652729749464,
    3: 3.182446305284263,
    4: 2.7764451051977934,
    5: 2.5705818356363146,
    6: 2.446911851144969,
    10: 2.2281388519862744,
    20: 2.0859634472658644,
    30: 2.0422724563012373,
    60: 2.0002978220142604,
    120: 1.9799304050322433,
    1000: 1.9623390808264078,
}


@pytest.mark.parametrize("df, expected", sorted(T_TABLE.items()))
def test_t_quantile_matches_tables(df, expected):
    assert student_t_quantile(0.975, df) == pytest.approx(expected, rel=1e-9)
    assert student_t_quantile(0.025, df) == pytest.approx(-expected, rel=1e-9)


def test_t_quantile_tends_to_the_normal():
    assert student_t_quantile(0.975, 1e9) == pytest.approx(1.959963984540054, rel=1e-9)


def _integrate_density(upper: float, df: float, steps: int = 4000) -> float:
    """∫_0^upper of the t density by Simpson's rule: an independent check of the cdf."""
    h = upper / steps
    total = student_t_pdf(0, df) + student_t_pdf(upper, df)
    for i in range(1, steps):
        total += (4 if i % 2 else 2) * student_t_pdf(i * h, df)
    return total * h / 3


@settings(max_examples=40, deadline=None)
@given(
    df=st.floats(min_value=1.0, max_value=400.0),
    p=st.floats(min_value=0.55, max_value=0.995),
)
def test_t_quantile_inverts_the_cdf_and_the_cdf_matches_the_density(df, p):
    q = student_t_quantile(p, df)
    assert student_t_cdf(q, df) == pytest.approx(p, abs=1e-10)
    assert 0.5 + _integrate_density(q, df) == pytest.approx(p, abs=1e-6)


def test_incomplete_beta_known_values():
    assert regularized_incomplete_beta(1, 1, 0.3) == pytest.approx(0.3)
    assert regularized_incomplete_beta(2, 3, 0.4) == pytest.approx(0.5248)  # by hand
    assert regularized_incomplete_beta(0.5, 0.5, 0.5) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        regularized_incomplete_beta(1, 1, 1.5)


def test_hedges_correction_exact_and_close_to_the_usual_approximation():
    assert hedges_correction(6) == pytest.approx(0.8686266878274125)
    for df in (10, 28, 58, 200):
        assert hedges_correction(df) == pytest.approx(1 - 3 / (4 * df - 1), abs=5e-4)


# ------------------------------------------------------------------ a known effect


def _moments(answers, measure) -> Moments:
    counts = tally(answers)
    return Moments(
        sum(n for (m, _), n in counts.items() if m == measure),
        sum(v * n for (m, v), n in counts.items() if m == measure),
        sum(v * v * n for (m, v), n in counts.items() if m == measure),
    )


def test_a_large_generated_data_set_recovers_the_known_effect():
    rng = random.Random(2026)
    start = synthetic.term_answers(rng, 4000, synthetic.START)
    end = synthetic.term_answers(rng, 4000, synthetic.END)
    truth_start = expected_indices(synthetic.START)
    truth_end = expected_indices(synthetic.END)
    for measure in ("worry", "self_compassion"):
        change = compare_waves(_moments(start, measure), _moments(end, measure))
        true_difference = truth_end[measure] - truth_start[measure]
        assert change.ci_low < true_difference < change.ci_high, measure
        se = (change.ci_high - change.ci_low) / 2 / 1.96
        assert abs(change.difference - true_difference) < 3 * se
    # The effect is modest and in the right direction: less worry, more self-compassion.
    worry = compare_waves(_moments(start, "worry"), _moments(end, "worry"))
    kindness = compare_waves(_moments(start, "self_compassion"), _moments(end, "self_compassion"))
    assert -0.5 < worry.hedges_g < -0.15
    assert 0.15 < kindness.hedges_g < 0.5
    assert worry.percent_change < 0 < kindness.percent_change


def test_the_interval_covers_the_true_change_about_95_times_in_100():
    rng = random.Random(7)
    truth = expected_indices(synthetic.END)["worry"] - expected_indices(synthetic.START)["worry"]
    trials, covered = 300, 0
    for _ in range(trials):
        start = _moments(synthetic.term_answers(rng, 30, synthetic.START), "worry")
        end = _moments(synthetic.term_answers(rng, 35, synthetic.END), "worry")
        change = compare_waves(start, end)
        covered += change.ci_low <= truth <= change.ci_high
    assert 0.92 <= covered / trials <= 0.98


# ------------------------------------------------------------------ words and charts


def test_changes_are_described_in_plain_words():
    from cmt_schools.reports.exports import describe_change
    from cmt_schools.reports.services import ChangeFigure

    lower = compare_waves(Moments.of([25, 50, 50, 75] * 10), Moments.of([0, 25, 25, 50] * 10))
    text = describe_change("worry", ChangeFigure(lower))
    assert text.startswith("25.0 points lower at the end of term (95% confidence interval -")
    assert "leaves out zero" in text
    unclear = compare_waves(Moments.of([25, 50, 50, 75]), Moments.of([0, 25, 25, 50]))
    assert "could be chance" in describe_change("worry", ChangeFigure(unclear))
    item = compare_waves(Moments.of([2, 3, 4] * 5), Moments.of([3, 4, 5] * 5))
    assert describe_change("s1", ChangeFigure(item)).startswith("1.00 on the 1 to 5 scale higher")
    assert describe_change("s1", ChangeFigure(None, "Not compared.")) == "Not compared."


def test_trend_chart_breaks_the_line_where_a_week_is_not_shown():
    from datetime import date, timedelta
    from xml.etree import ElementTree

    from flask import Flask, render_template_string

    from cmt_schools.reports import exports
    from cmt_schools.reports.charts import trend_chart
    from cmt_schools.reports.protection import SHOWN, SMALL
    from cmt_schools.reports.services import Figure, GroupSummary, TrendPoint

    weeks = [date(2026, 9, 14) + timedelta(weeks=i) for i in range(5)]
    figures = [
        Figure(SHOWN, Moments.of([1, 2] * 10)),  # 1.5
        Figure(SHOWN, Moments.of([5] * 12)),  # 5.0
        Figure(SMALL),
        Figure(SHOWN, Moments.of([1] * 15)),
        Figure(SHOWN, Moments.of([3] * 11)),
    ]
    group = GroupSummary(key=("school",), level="school", label="Oak <Lane>")
    group.trend = [TrendPoint(w, f) for w, f in zip(weeks, figures, strict=True)]
    chart = trend_chart(group, weeks, "t1")
    assert len(chart.segments) == 2  # weeks 1-2, then weeks 4-5
    ys = {point.week: point.y for point in chart.points}
    assert ys[weeks[2]] is None
    assert ys[weeks[1]] == chart.top  # 5 at the top
    assert ys[weeks[3]] == chart.height - chart.bottom  # 1 at the bottom
    assert "not shown" in chart.description and "1.5" in chart.description
    # The template makes well-formed SVG with a title and description, text escaped.
    app = Flask(__name__, template_folder="../templates")
    with app.app_context():
        html = render_template_string(
            '{% import "reports/_summary.html" as s with context %}{{ s.trend(chart) }}',
            chart=chart,
            x=exports,
        )
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own template, in a test
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "t1-title t1-desc"
    assert root.find(f"{ns}title").text == "Right now, week by week: Oak <Lane>"
    assert len(root.findall(f"{ns}polyline")) == 2
    assert len(root.findall(f"{ns}circle")) == 4
    assert "<table" in html  # the numbers as a table too
