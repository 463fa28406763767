"""Links from onboarding's pages to other features' pages, in one place.

Those pages are built by other features. A link appears as soon as its endpoint exists in
the app (and can be built without arguments); until then the page shows plain text. The
integrator can check this list against the app: every endpoint here should resolve.
"""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.routing import BuildError

OTHER_FEATURE_ENDPOINTS: dict[str, str] = {
    "terms": "scheduling.school_calendar",  # the lead enters terms and closures
    "classes": "scheduling.classes",  # teachers add classes
    "programme": "scheduling.programme",  # the lead's view of every class's progress
    "curriculum": "curriculum.overview",  # the lessons, per band
    "join": "checkins.join",  # where pupils type a join code
    "term_summary": "reports.term_summary",  # the lead's term summary
    "audit_log": "reports.audit_log",  # the lead's audit log page
}


def feature_url(key: str, **values: object) -> str | None:
    """The URL of another feature's page, or None while that page does not exist."""
    endpoint = OTHER_FEATURE_ENDPOINTS[key]
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None
