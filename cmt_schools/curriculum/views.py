"""Staff pages for the curriculum: the programme per band, and each lesson's full plan."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user

from ..core.access import STAFF, allow
from ..core.navigation import add_nav_item
from .formatting import lesson_html
from .loader import load_curriculum
from .resource_checks import resource_path
from .schema import BAND_RULES, STAGE_LABELS, Lesson

bp = Blueprint("curriculum", __name__)
bp.add_app_template_filter(lesson_html, "lesson_html")

add_nav_item("curriculum.overview", "Curriculum", ("teacher", "lead"))

DEFAULT_BAND = "ks2"
RESOURCE_USES = {
    "project": "On the pupils' screen",
    "print": "Printed",
    "both": "On the pupils' screen and printed",
}
# A lesson's drawing, opened on its own, may load and run nothing at all (the SVG check
# already refuses scripts and links; this holds even if one slipped through).
SVG_CSP = (
    "default-src 'none'; style-src 'none'; script-src 'none'; img-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)


# Links other features add to a lesson page once they exist: (endpoint, label). Each is
# shown only when its endpoint is registered and builds from (band, slug); see lesson.html.
def _lesson_tools(lesson: Lesson) -> list[tuple[str, str]]:
    """What a teacher can do with this lesson next: practise it, print its pack."""
    return [
        (
            "Practise in the presenter",
            url_for("runner.practise", band=lesson.band, slug=lesson.slug),
        ),
        (
            "Download lesson pack (PDF)",
            url_for("packs.lesson_pack", band=lesson.band, slug=lesson.slug),
        ),
    ]


def _step_times(lesson: Lesson) -> list[tuple[int, int]]:
    """(start, end) minute of each step, counted from the start of the lesson."""
    times, start = [], 0
    for step in lesson.steps:
        times.append((start, start + step.minutes))
        start += step.minutes
    return times


def _support_contacts(band: str) -> list:
    school = current_user.school
    return [contact for contact in school.support_contacts if contact.shown_to(band)]


@bp.route("/curriculum")
@allow(*STAFF)
def overview():
    band_key = (request.args.get("band") or DEFAULT_BAND).strip().lower()
    curriculum = load_curriculum()
    if band_key not in curriculum.bands:
        return render_template(
            "curriculum/unknown_band.html", band=band_key[:20], bands=curriculum.bands
        ), 404
    switch = [
        (
            other.rules.name,
            other.rules.years,
            url_for("curriculum.overview", band=key),
            key == band_key,
        )
        for key, other in curriculum.bands.items()
    ]
    return render_template(
        "curriculum/overview.html", band=curriculum.band(band_key), switch=switch
    )


@bp.route("/curriculum/<band>/<slug>")
@allow(*STAFF)
def lesson(band: str, slug: str):
    curriculum = load_curriculum()
    found = curriculum.lesson(f"{band}/{slug}")
    if found is None:
        abort(404)
    # The same lesson as the other bands teach it, to compare (an extra may be one band's).
    switch = []
    for key, rules in BAND_RULES.items():
        other = curriculum.counterpart(found, key)
        url = url_for("curriculum.lesson", band=key, slug=slug) if other else None
        detail = f"{rules.years}, {other.minutes} min" if other else f"{rules.years}, not taught"
        switch.append((rules.name, detail, url, key == band))
    return render_template(
        "curriculum/lesson.html",
        lesson=found,
        band=curriculum.band(band),
        switch=switch,
        step_times=_step_times(found),
        stage_labels=STAGE_LABELS,
        resource_uses=RESOURCE_USES,
        tools=_lesson_tools(found),
        trusted_adults=current_user.school.trusted_adults,
        support_contacts=_support_contacts(band),
    )


@bp.route("/lessons/<band>/<slug>/resources/<resource_id>.svg")
@allow(*STAFF)
def resource_file(band: str, slug: str, resource_id: str):
    """One of a lesson's pictures, signs or card sheets, as the lesson file declares it."""
    lesson = load_curriculum().lesson(f"{band}/{slug}")
    resource = next((r for r in lesson.resources if r.id == resource_id), None) if lesson else None
    if lesson is None or resource is None:
        abort(404)
    path = resource_path(lesson, resource)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/svg+xml", etag=True, max_age=0)
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response
