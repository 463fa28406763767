"""Demo data for scheduling: this school year's and next year's terms and closures, and a
class in each band with the programme laid out from a few weeks before `demo.today`, so
some lessons are in the past (left "scheduled": the runner's demo records them taught)."""

from __future__ import annotations

from datetime import time, timedelta

from . import services

DEMO_CLASSES = (
    # (teacher index, name, year group, weekday, start, extras placed {slug: after lesson})
    (0, "5C", 5, 1, time(9, 15), {}),
    (0, "8B", 8, 3, time(10, 0), {"extra-class-charter": 0}),
    (1, "10A", 10, 0, time(13, 30), {}),
)


def seed(demo) -> None:
    school, lead, today = demo.school, demo.lead, demo.today
    this_year = services.school_year_of(today)
    for start_year in (this_year, this_year + 1):
        suggestion = services.suggest_school_year(start_year, school.nation)
        autumn, spring, _summer = suggestion.terms
        closures = [(c.name, c.kind, c.first_day, c.last_day) for c in suggestion.closures] + [
            ("INSET day", "inset", autumn.first_day, autumn.first_day),
            ("INSET day", "inset", spring.first_day, spring.first_day),
        ]
        services.save_school_year(
            school,
            terms=[(t.name, t.first_day, t.last_day) for t in suggestion.terms],
            closures=closures,
            user=lead,
        )
    calendar = services.load_calendar(school)
    first_day = calendar.next_school_day(today - timedelta(days=21))
    for teacher_index, name, year_group, weekday, starts_at, extras in DEMO_CLASSES:
        teacher = demo.teachers[teacher_index]
        school_class = services.create_class(
            school,
            name=name,
            year_group=year_group,
            band_override=None,
            teacher_id=teacher.id,
            user=lead,
        )
        if first_day is None:
            continue
        services.schedule_programme(
            school_class,
            lesson_keys=services.programme_lessons(school_class.band, extras=extras),
            first_day=first_day,
            weekdays=[weekday],
            starts_at=starts_at,
            minutes=services.curriculum_lessons(school_class.band)[0].minutes,
            today=today,
            user=teacher,
        )
