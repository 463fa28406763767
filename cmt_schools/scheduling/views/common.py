"""The scheduling blueprint, its menu entries and template helpers, and what every page shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, request
from flask_login import current_user

from ...accounts.models import User
from ...cli import cmt
from ...core.navigation import add_nav_item
from ...core.tenancy import get_owned_or_404
from .. import services
from ..cli import schedule as schedule_commands
from ..models import LessonOccurrence, SchoolClass

bp = Blueprint("scheduling", __name__)
cmt.add_command(schedule_commands)  # flask --app app cmt schedule ...

add_nav_item("scheduling.classes", "Classes", ("teacher", "lead"), before="accounts.staff")
add_nav_item(
    "scheduling.teacher_calendar", "Calendar", ("teacher", "lead"), before="accounts.staff"
)
add_nav_item("scheduling.programme", "Programme", ("lead",), before="accounts.staff")
add_nav_item("scheduling.school_calendar", "Term dates", ("lead",), before="accounts.staff")


class _TemplateHelpers:
    """Lesson wording for templates, as `sched.lesson_label(...)` and so on."""

    lesson_label = staticmethod(services.lesson_label)
    school_year_label = staticmethod(services.school_year_label)

    @staticmethod
    def lesson_short(key: str) -> str:
        lesson = services.lesson_for(key)
        if lesson is None:
            return key
        return f"L{lesson.number} {lesson.title}" if lesson.kind == "core" else lesson.title

    @staticmethod
    def end_time(day, starts_at, minutes: int) -> str:
        return (datetime.combine(day, starts_at) + timedelta(minutes=minutes)).strftime("%H:%M")


bp.add_app_template_global(_TemplateHelpers, "sched")


def _now() -> datetime:
    return datetime.now(UTC)


def _user() -> User:
    return current_user._get_current_object()


def _class_or_404(class_id: int) -> SchoolClass:
    return get_owned_or_404(SchoolClass, class_id, teacher_owned=True)


def _occurrence_or_404(occurrence_id: int) -> LessonOccurrence:
    occurrence = services.occurrence_for_staff(
        occurrence_id,
        school_id=current_user.school_id,
        user_id=current_user.id,
        is_lead=current_user.role == "lead",
    )
    if occurrence is None:
        abort(404)
    return occurrence


def _term_id_arg() -> int | None:
    raw = request.args.get("term")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        abort(404)
    return int(raw)


def _status(method_failed: bool) -> int:
    return 400 if method_failed else 200
