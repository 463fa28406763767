"""Term summaries, by the names the rest of the app has always used.

The summary lives in its own modules: model.py (its measures and its shape), queries.py (the
school's terms and the three statements a summary runs), summary.py (`summarise_term`, a
pipeline of named steps over released figures), audit.py (downloads in the audit log).
protection.py decides what may be published and statistics.py does the arithmetic. This
module gathers their public names.
"""

from .audit import audit_page, record_download
from .model import (
    ANY_MEASURE,
    BANDS,
    KIND_LABELS,
    KINDS,
    MEASURE_INFO,
    MEASURES,
    NOW_MEASURE,
    WAVES,
    BandSection,
    ChangeFigure,
    CheckInRow,
    DeliveryFigures,
    Figure,
    GroupSummary,
    MeasureInfo,
    TermSummary,
    TrendPoint,
)
from .queries import (
    ANSWER_QUERY,
    CLASS_QUERY,
    DELIVERY_QUERY,
    SUMMARY_QUERIES,
    default_term,
    fetch_term_rows,
    find_term,
    query_params,
    read_released,
)
from .summary import change_figure, summarise_term, week_of, year_label

__all__ = [
    "ANSWER_QUERY",
    "ANY_MEASURE",
    "BANDS",
    "CLASS_QUERY",
    "DELIVERY_QUERY",
    "KINDS",
    "KIND_LABELS",
    "MEASURES",
    "MEASURE_INFO",
    "NOW_MEASURE",
    "SUMMARY_QUERIES",
    "WAVES",
    "BandSection",
    "ChangeFigure",
    "CheckInRow",
    "DeliveryFigures",
    "Figure",
    "GroupSummary",
    "MeasureInfo",
    "TermSummary",
    "TrendPoint",
    "audit_page",
    "change_figure",
    "default_term",
    "fetch_term_rows",
    "find_term",
    "query_params",
    "read_released",
    "record_download",
    "summarise_term",
    "week_of",
    "year_label",
]
