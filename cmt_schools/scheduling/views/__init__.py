"""Classes, the lesson plan, calendars, term dates, the programme view and iCalendar feeds.

One blueprint, `bp`, made in `common` with what every page shares; each module adds the
routes of one part: `classes`, `plan`, `calendars`, `term_dates`, `programme`.
"""

from __future__ import annotations

from . import calendars, classes, plan, programme, term_dates  # noqa: F401 (they add the routes)
from .common import bp

__all__ = ["bp"]
