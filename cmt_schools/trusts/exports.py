"""The trust summary as a tidy CSV, in the school summary's shape (reports/exports.py).

Each row is one published number, or one hidden cell with a note and no value; the rows of
each total come from `reports.exports.group_rows`, so a trust's CSV words and rounds every
figure as a school's does.
"""

from __future__ import annotations

import csv
import io

from ..reports.exports import CAVEATS, CSV_COLUMNS, group_rows, neutralise, safe_filename
from .summary import TrustSummary
from .terms import TrustTerm

TRUST_CSV_COLUMNS = ("trust", *CSV_COLUMNS)


def trust_rows(summary: TrustSummary) -> list[dict]:
    first = {"trust": summary.trust_name, "term": summary.term.label}
    about = [
        *((f"caveat_{number}", caveat) for number, caveat in enumerate(CAVEATS, 1)),
        ("suppression", suppression_note(summary)),
        ("terms", terms_note(summary)),
    ]
    rows = [
        {**first, "school": "", "level": "trust", "band": "", "year_group": "",
         "group": summary.trust_name, "section": "about", "measure": "", "wave": "",
         "statistic": statistic, "value": "", "note": note}
        for statistic, note in about
    ]  # fmt: skip
    for group in summary.groups():
        base = {
            **first,
            "school": group.label if group.level == "school" else "",
            "level": group.level,
            "band": (group.band or "").upper(),
            "year_group": group.year_group if group.year_group is not None else "",
            "group": group.label,
        }
        rows += group_rows(group, base, summary.threshold)
    return rows


def suppression_note(summary: TrustSummary) -> str:
    return (
        f"Totals with fewer than {summary.threshold} answers are not shown; another total may"
        " be hidden so that no small group can be worked out from the trust total, by school"
        " or by year group."
    )


def terms_note(summary: TrustSummary) -> str:
    if summary.dates_differ:
        return (
            f"Each school's own {summary.term.name} {summary.term.year} term is counted;"
            " the schools' dates for it differ."
        )
    return f"Each school's own {summary.term.name} {summary.term.year} term is counted."


def to_csv(summary: TrustSummary) -> bytes:
    """UTF-8 with a byte-order mark and CRLF line ends, so Excel opens it as it is."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TRUST_CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in trust_rows(summary):
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def download_name(trust_name: str, trust_id: int, term: TrustTerm, extension: str) -> str:
    trust = safe_filename(trust_name, f"trust-{trust_id}")
    return f"trust-summary-{trust}-{term.slug}.{extension}"
