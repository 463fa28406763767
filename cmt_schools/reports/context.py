"""What the term summary's templates get (page and PDF): the summary, its charts, the words."""

from __future__ import annotations

from . import exports, services
from .charts import trend_chart


def _charts(summary: services.TermSummary) -> dict:
    charts = {}
    for index, group in enumerate([summary.school, *summary.years]):
        if group.has_trend:  # no chart of nothing: a group whose every week was too small
            charts[group.key] = trend_chart(group, summary.weeks, f"trend-{index}")
    return charts


def summary_context(summary: services.TermSummary) -> dict:
    return {
        "summary": summary,
        "charts": _charts(summary),
        # How many changes the summary shows, for the caution about many comparisons.
        "comparisons": sum(
            1
            for group in summary.groups()
            for measure in services.MEASURES
            if group.changes[measure].change is not None
        ),
        "caveats": exports.CAVEATS,
        "measures": services.MEASURE_INFO,
        "measure_keys": services.MEASURES,
        "kinds": services.KINDS,
        "kind_labels": services.KIND_LABELS,
        "x": exports,
    }
