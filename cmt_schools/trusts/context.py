"""What a trust summary's templates get (page and PDF): the summary and the words."""

from __future__ import annotations

from ..reports import exports as school_exports
from ..reports.model import KIND_LABELS, KINDS, MEASURE_INFO, MEASURES
from . import exports
from .summary import TrustSummary


def summary_context(summary: TrustSummary) -> dict:
    return {
        "summary": summary,
        "caveats": school_exports.CAVEATS,
        "measures": MEASURE_INFO,
        "measure_keys": MEASURES,
        "kinds": KINDS,
        "kind_labels": KIND_LABELS,
        "x": school_exports,
        "tx": exports,
    }
