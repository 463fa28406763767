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


def describe_change(measure: str, figure: ChangeFigure) -> str:
    """A change in plain words, e.g. "6.2 points lower (95% CI 1.9 to 10.5 lower)"."""
    change = figure.change
    if change is None:
        return figure.reason
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


def _level(group: GroupSummary) -> str:
    return {"school": "school", "year": "year group", "class": "class"}[group.level]


def summary_rows(summary: TermSummary) -> list[dict]:
    """One row per published number (or per withheld one, with a note and no value)."""
    rows: list[dict] = [
        {
            "school": summary.school_name,
            "term": summary.term.name,
            "level": "school",
            "band": "",
            "year_group": "",
            "group": summary.school_name,
            "section": "about",
            "measure": "",
            "wave": "",
            "statistic": statistic,
            "value": "",
            "note": note,
        }
        for statistic, note in (
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
        )
    ]
    for group in summary.groups():
        base = {
            "school": summary.school_name,
            "term": summary.term.name,
            "level": _level(group),
            "band": (group.band or "").upper(),
            "year_group": group.year_group if group.year_group is not None else "",
            "group": group.label,
        }

        def add(section, measure, wave, statistic, value, note="", base=base):
            rows.append(
                {
                    **base,
                    "section": section,
                    "measure": measure,
                    "wave": wave,
                    "statistic": statistic,
                    "value": "" if value is None else value,
                    "note": note,
                }
            )

        delivery = group.delivery
        for statistic in (
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
        ):
            add("delivery", "lessons", "", statistic, getattr(delivery, statistic))
        add("delivery", "lessons", "", "fidelity_percent", delivery.fidelity_percent)
        if group.level != "class":
            add("delivery", "lessons", "", "classes", delivery.classes)
            add("delivery", "lessons", "", "classes_behind_schedule", delivery.classes_behind)

        for kind in KINDS:
            add("participation", "check-ins", kind, "check_ins_held", group.held.get(kind, 0))
            add(
                "participation",
                "check-ins",
                kind,
                "check_ins_not_counted",
                group.not_counted.get(kind, 0),
                "Too few answers to count" if group.not_counted.get(kind) else "",
            )
            figure = group.answers.get(kind)
            add(
                "participation",
                "answer sets",
                kind,
                "answer_sets",
                figure.n if figure else 0,
                status_note(figure, summary.threshold),
            )

        for measure in MEASURES:
            places = decimals(measure)
            for wave in WAVES:
                figure = group.wave(measure, wave)
                note = status_note(figure, summary.threshold)
                add("wave", measure, wave, "n", figure.n, note)
                add("wave", measure, wave, "mean", rounded(figure.mean, places), note)
                sd_note = (
                    "Too uncertain to show: the random changes are large for this group's size"
                    if figure.sd_uncertain
                    else note
                )
                add("wave", measure, wave, "sd", rounded(figure.sd, places), sd_note)
            change_figure = group.changes[measure]
            change = change_figure.change
            note = change_figure.reason if change is None else "Welch t, 95% confidence interval"
            add(
                "change",
                measure,
                "endpoint-baseline",
                "difference",
                rounded(change.difference, places) if change else None,
                note,
            )
            add(
                "change",
                measure,
                "endpoint-baseline",
                "ci95_low",
                rounded(change.ci_low, places) if change else None,
                note,
            )
            add(
                "change",
                measure,
                "endpoint-baseline",
                "ci95_high",
                rounded(change.ci_high, places) if change else None,
                note,
            )
            add(
                "change",
                measure,
                "endpoint-baseline",
                "hedges_g",
                rounded(change.hedges_g, 2) if change else None,
                note if change is None else "pooled SD, Hedges' correction",
            )
            if MEASURE_INFO[measure].scale == "index":
                add(
                    "change",
                    measure,
                    "endpoint-baseline",
                    "percent_change",
                    whole_percent(change.percent_change) if change else None,
                    note if change is None else "secondary: relative to the start, 0-100 scale",
                )

        for point in group.trend:
            week = point.week.isoformat()
            note = status_note(point.figure, summary.threshold)
            add("weekly", "right_now", week, "n", point.figure.n, note)
            add("weekly", "right_now", week, "mean", rounded(point.figure.mean, 2), note)
    return rows


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
