"""The term summary as words and numbers: rounding, plain notes, and the tidy CSV.

The screen, the PDF and the CSV all format figures through these helpers, from the same
`TermSummary`, so what one shows the others show, rounded the same way.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date

from ..checkins import questions
from .protection import COMPLEMENTARY, NO_ANSWERS, SMALL
from .services import (
    KIND_LABELS,
    KINDS,
    MEASURE_INFO,
    MEASURES,
    WAVES,
    ChangeFigure,
    Figure,
    GroupSummary,
    TermSummary,
)
from .statistics import whole_percent

CAVEATS = (
    "This is not a screening tool. It describes groups, never a pupil, and no number here "
    "says how any one child is doing.",
    "There is no control group, so a change cannot be put down to the lessons alone.",
    "The time of year, exams, events in school and small groups all move these numbers. "
    "Read them as a rough guide, beside what staff and pupils tell you.",
    "Figures have small random changes so that no pupil's answers can be worked out; the "
    "intervals include them.",
)

# Cells a spreadsheet could read as a formula: neutralised with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_COLUMNS = (
    "school",
    "term",
    "level",
    "band",
    "year_group",
    "group",
    "section",
    "measure",
    "wave",
    "statistic",
    "value",
    "note",
)


def measure_label(measure: str, band: str | None = None) -> str:
    """A measure's label; for a group of one key stage, G1 in the words its pupils saw."""
    if measure == "g1" and band in questions.TERM_QUESTIONS:
        wording = next(q.text for q in questions.TERM_QUESTIONS[band] if q.key == "g1")
        return f"G1: {wording}"
    return MEASURE_INFO[measure].label


def decimals(measure: str) -> int:
    return 1 if MEASURE_INFO[measure].scale == "index" else 2


def rounded(value: float | None, places: int) -> float | None:
    if value is None:
        return None
    result = round(value, places)
    return 0.0 if result == 0 else result  # never "-0.0"


def status_note(figure: Figure | None, threshold: int) -> str:
    if figure is None:
        return "No answers"
    if figure.status == SMALL:
        return f"Fewer than {threshold} answers: not shown"
    if figure.status == COMPLEMENTARY:
        return "Hidden to protect a smaller group"
    if figure.status == NO_ANSWERS:
        return "No answers"
    return ""


NO_SPREAD = (
    "every answer was the same in both waves, so there is no spread to measure the difference"
    " against"
)


def describe_change(measure: str, figure: ChangeFigure) -> str:
    """A change in plain words, e.g. "6.2 points lower (95% CI 1.9 to 10.5 lower)"."""
    change = figure.change
    if change is None:
        return figure.reason
    if change.ci_low == change.ci_high:
        # Only exact figures with no spread at all: an interval of no width says nothing
        # about chance, so say what it is instead.
        return f"no interval: {NO_SPREAD}"
    places = decimals(measure)
    unit = "points" if MEASURE_INFO[measure].scale == "index" else "on the 1 to 5 scale"
    size = abs(rounded(change.difference, places))  # type: ignore[arg-type]
    if size == 0:
        words = f"no change in the average ({unit})"
    else:
        direction = "higher" if change.difference > 0 else "lower"
        words = f"{size:.{places}f} {unit} {direction} at the end of term"
    low, high = rounded(change.ci_low, places), rounded(change.ci_high, places)
    reading = (
        "the interval leaves out zero, so chance alone is an unlikely explanation"
        if change.ci_excludes_zero
        else "the interval includes zero, so this could be chance"
    )
    return f"{words} (95% confidence interval {low:+.{places}f} to {high:+.{places}f}: {reading})"


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe.

    Numbers this module computed are left as numbers, so a difference of -6.2 stays a
    number; every piece of text (names of schools, terms and classes above all) is checked.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_filename(text: str, fallback: str) -> str:
    """An ASCII file name: letters, digits and hyphens only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:60].strip("-")
    return slug or fallback


def download_name(summary: TermSummary, extension: str) -> str:
    term = safe_filename(summary.term.name, f"term-{summary.term.id}")
    return f"term-summary-{term}.{extension}"


# ------------------------------------------------------------------ the tidy table


LEVELS = {"school": "school", "year": "year group", "class": "class"}


def _level(group: GroupSummary) -> str:
    return LEVELS.get(group.level, group.level)


def summary_rows(summary: TermSummary) -> list[dict]:
    """One row per published number (or per withheld one, with a note and no value)."""
    school = {"school": summary.school_name, "term": summary.term.name}
    rows = [
        {**school, "level": "school", "band": "", "year_group": "", "group": summary.school_name,
         **_cell("about", "", "", statistic, None, note)}
        for statistic, note in _about(summary)
    ]  # fmt: skip
    for group in summary.groups():
        base = {
            **school,
            "level": _level(group),
            "band": (group.band or "").upper(),
            "year_group": group.year_group if group.year_group is not None else "",
            "group": group.label,
        }
        rows += group_rows(group, base, summary.threshold)
    return rows


def group_rows(group: GroupSummary, base: dict, threshold: int) -> list[dict]:
    """The rows of one group (school, year group, class, or a trust's): `base` fills the
    columns that say which group it is; `threshold` words the notes of hidden cells."""
    cells = (
        *_delivery_cells(group),
        *_participation_cells(group, threshold),
        *_wave_and_change_cells(group, threshold),
        *_trend_cells(group, threshold),
    )
    return [{**base, **cell} for cell in cells]


def _cell(section, measure, wave, statistic, value, note="") -> dict:
    return {
        "section": section,
        "measure": measure,
        "wave": wave,
        "statistic": statistic,
        "value": "" if value is None else value,
        "note": note,
    }


def _about(summary: TermSummary) -> list[tuple[str, str]]:
    return [
        *((f"caveat_{number}", caveat) for number, caveat in enumerate(CAVEATS, 1)),
        (
            "suppression",
            f"Groups with fewer than {summary.threshold} answers are not shown;"
            " another group may be hidden so a small one cannot be worked out.",
        ),
        (
            "comparison",
            f"Start and end compared with at least {summary.min_wave_size}"
            " answers in each: difference with a 95% CI by Welch's t; Hedges' g with the"
            " pooled SD; percent change relative to the start (secondary).",
        ),
    ]


DELIVERY_STATISTICS = (
    "planned",
    "delivered",
    "skipped",
    "cancelled",
    "upcoming",
    "overdue",
    "practice_minutes",
    "steps_recorded",
    "steps_taught",
    "steps_shortened",
    "steps_skipped",
)


def _delivery_cells(group: GroupSummary) -> list[dict]:
    delivery = group.delivery
    cells = [
        _cell("delivery", "lessons", "", statistic, getattr(delivery, statistic))
        for statistic in DELIVERY_STATISTICS
    ]
    cells.append(_cell("delivery", "lessons", "", "fidelity_percent", delivery.fidelity_percent))
    if group.level != "class":
        cells.append(_cell("delivery", "lessons", "", "classes", delivery.classes))
        cells.append(
            _cell("delivery", "lessons", "", "classes_behind_schedule", delivery.classes_behind)
        )
    return cells


def _participation_cells(group: GroupSummary, threshold: int) -> list[dict]:
    cells = []
    for kind in KINDS:
        not_counted = group.not_counted.get(kind, 0)
        figure = group.answers.get(kind)
        note = status_note(figure, threshold)
        cells += [
            _cell("participation", "check-ins", kind, "check_ins_held", group.held.get(kind, 0)),
            _cell("participation", "check-ins", kind, "check_ins_not_counted", not_counted,
                  "Too few answers to count" if not_counted else ""),
            _cell("participation", "answer sets", kind, "answer_sets",
                  figure.n if figure else 0, note),
            _cell("participation", "answer sets", kind, "pupils_in_classes",
                  group.pupils.get(kind, 0), "as the teachers gave when opening the check-ins"),
            _cell("participation", "answer sets", kind, "participation_percent",
                  group.participation_percent(kind), note),
        ]  # fmt: skip
        if kind in WAVES:
            answered = group.answered.get(kind)
            cells.append(
                _cell("participation", "answer sets", kind, "answered_a_question",
                      answered.n if answered else None,
                      status_note(answered, threshold) if answered else "")
            )  # fmt: skip
    return cells


SD_UNCERTAIN_NOTE = "Too uncertain to show: the random changes are large for this group's size"


def _wave_and_change_cells(group: GroupSummary, threshold: int) -> list[dict]:
    cells = []
    for measure in MEASURES:
        places = decimals(measure)
        for wave in WAVES:
            figure = group.wave(measure, wave)
            note = status_note(figure, threshold)
            sd_note = SD_UNCERTAIN_NOTE if figure.sd_uncertain else note
            cells += [
                _cell("wave", measure, wave, "n", figure.n, note),
                _cell("wave", measure, wave, "mean", rounded(figure.mean, places), note),
                _cell("wave", measure, wave, "sd", rounded(figure.sd, places), sd_note),
            ]
        cells += _change_cells(measure, group.changes[measure], places)
    return cells


def _change_cells(measure: str, figure: ChangeFigure, places: int) -> list[dict]:
    change = figure.change
    note = figure.reason if change is None else "Welch t, 95% confidence interval"

    def value(number: float | None, digits: int = places) -> float | None:
        return rounded(number, digits) if change else None

    span = "endpoint-baseline"
    cells = [
        _cell("change", measure, span, "difference", value(change and change.difference), note),
        _cell("change", measure, span, "ci95_low", value(change and change.ci_low), note),
        _cell("change", measure, span, "ci95_high", value(change and change.ci_high), note),
        _cell("change", measure, span, "hedges_g", value(change and change.hedges_g, 2),
              _hedges_note(figure)),
    ]  # fmt: skip
    if MEASURE_INFO[measure].scale == "index":
        cells.append(
            _cell("change", measure, span, "percent_change",
                  whole_percent(change.percent_change) if change else None,
                  note if change is None else "secondary: relative to the start, 0-100 scale")
        )  # fmt: skip
    return cells


def _hedges_note(figure: ChangeFigure) -> str:
    if figure.change is None:
        return figure.reason
    if figure.change.hedges_g is None:
        return f"Not shown: {NO_SPREAD}"
    return "pooled SD, Hedges' correction"


def _trend_cells(group: GroupSummary, threshold: int) -> list[dict]:
    cells = []
    for point in group.trend:
        week = point.week.isoformat()
        note = status_note(point.figure, threshold)
        cells.append(_cell("weekly", "right_now", week, "n", point.figure.n, note))
        cells.append(
            _cell("weekly", "right_now", week, "mean", rounded(point.figure.mean, 2), note)
        )
    return cells


def to_csv(summary: TermSummary) -> bytes:
    """The tidy table as CSV: UTF-8 with a byte-order mark, so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in summary_rows(summary):
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def week_label(week: date) -> str:
    return f"{week.day} {week:%b}"
