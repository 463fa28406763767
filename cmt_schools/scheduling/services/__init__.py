"""Scheduling use cases: the school calendar, classes, laying out and changing the programme,
the views' calendars and the iCalendar feeds.

All date logic lives here. Every function that depends on the date takes `today` (or `now`)
as a value, so the CLI, the demo and the tests call these directly. Functions that change
rows call `begin_write()` first and commit once; refused input raises `ServiceError` and
saves nothing.

The calendar rule: a *school day* is a weekday inside a term and outside every closure and
every bank holiday of the school's nation (from the `holidays` library).

The package is split along those lines: `common` (limits and school weekdays),
`calendar` (school days), `terms` (entering terms and closures), `school_year` (the usual
year), `classes`, `planning` (laying out the programme), `changes` (one lesson at a time),
`month_views` and `progress` (what the pages show) and `ical` (feeds). Import from the
package: `from cmt_schools.scheduling.services import X` or `services.X`.
"""

from __future__ import annotations

from .calendar import (
    Period,
    SchoolCalendar,
    bank_holidays,
    closures_of,
    is_school_day,
    load_calendar,
    terms_of,
)
from .changes import (
    STATUS_ACTIONS,
    NeedsConfirmation,
    add_lesson,
    move_occurrence,
    push_on_from,
    set_occurrence_status,
)
from .classes import (
    classes_for,
    classes_taught_by,
    create_class,
    curriculum_lessons,
    describe_occurrence,
    lesson_for,
    lesson_label,
    set_class_archived,
    staff_choices,
    update_class,
    without_lessons,
)
from .common import (
    ACTIVE_STATUSES,
    BANDS,
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_MINUTES,
    MAX_NAME,
    MAX_TERM_DAYS,
    MIN_MINUTES,
    NATION_SUBDIVISIONS,
    SCHOOL_WEEKDAYS,
)
from .ical import (
    build_ics,
    class_ics,
    feed_of,
    issue_feed_token,
    revoke_feed,
    teacher_ics,
    user_for_feed_token,
)
from .month_views import (
    CalendarDay,
    DashboardDay,
    DashboardWeek,
    MonthGrid,
    dashboard_weeks,
    lessons_between,
    month_grid,
    months_between,
    term_calendar,
    term_to_show,
    week_window,
)
from .planning import (
    PlanChanged,
    PlannedLesson,
    SchedulePlan,
    available_slots,
    lay_out_schedule,
    lessons_a_week,
    preview_programme,
    programme_lessons,
    schedule_programme,
    school_class_school,
    weekday_list,
)
from .progress import (
    ClassProgress,
    PlanRow,
    class_progress,
    classes_progress,
    plan_rows,
    programme_progress,
)
from .school_year import (
    SuggestedYear,
    coming_school_year,
    save_school_year,
    school_year_label,
    school_year_of,
    suggest_school_year,
)
from .terms import add_closure, add_term, delete_closure, delete_term, update_closure, update_term

__all__ = [
    "ACTIVE_STATUSES",
    "BANDS",
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "MAX_MINUTES",
    "MAX_NAME",
    "MAX_TERM_DAYS",
    "MIN_MINUTES",
    "NATION_SUBDIVISIONS",
    "SCHOOL_WEEKDAYS",
    "STATUS_ACTIONS",
    "CalendarDay",
    "ClassProgress",
    "DashboardDay",
    "DashboardWeek",
    "MonthGrid",
    "NeedsConfirmation",
    "Period",
    "PlanChanged",
    "PlanRow",
    "PlannedLesson",
    "SchedulePlan",
    "SchoolCalendar",
    "SuggestedYear",
    "add_closure",
    "add_lesson",
    "add_term",
    "available_slots",
    "bank_holidays",
    "build_ics",
    "class_ics",
    "class_progress",
    "classes_for",
    "classes_progress",
    "classes_taught_by",
    "closures_of",
    "coming_school_year",
    "create_class",
    "curriculum_lessons",
    "dashboard_weeks",
    "delete_closure",
    "delete_term",
    "describe_occurrence",
    "feed_of",
    "is_school_day",
    "issue_feed_token",
    "lay_out_schedule",
    "lesson_for",
    "lesson_label",
    "lessons_a_week",
    "lessons_between",
    "load_calendar",
    "month_grid",
    "months_between",
    "move_occurrence",
    "plan_rows",
    "preview_programme",
    "programme_lessons",
    "programme_progress",
    "push_on_from",
    "revoke_feed",
    "save_school_year",
    "schedule_programme",
    "school_class_school",
    "school_year_label",
    "school_year_of",
    "set_class_archived",
    "set_occurrence_status",
    "staff_choices",
    "suggest_school_year",
    "teacher_ics",
    "term_calendar",
    "term_to_show",
    "terms_of",
    "update_class",
    "update_closure",
    "update_term",
    "user_for_feed_token",
    "week_window",
    "weekday_list",
    "without_lessons",
]
