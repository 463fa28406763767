"""Changing the plan: moves, skips, cancellations, "we missed it", added lessons, classes."""

from __future__ import annotations

from datetime import date, time

import pytest

from cmt_schools.core.services import ServiceError
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import SchoolClass

from .scheduling_fixtures import schedule_class, scheduled_school_fixture  # noqa: F401

TODAY = date(2026, 9, 1)


def days(school_class):
    return [o.scheduled_on for o in school_class.occurrences]


def active_days(school_class):
    return [o.scheduled_on for o in school_class.occurrences if o.status == "scheduled"]


def test_the_programme_is_laid_on_mondays_skipping_half_term(scheduled_school):
    c = scheduled_school.reload()
    assert [o.lesson_key for o in c.occurrences] == services.programme_lessons("ks3")
    assert days(c) == [
        date(2026, 9, 7),
        date(2026, 9, 14),
        date(2026, 9, 21),
        date(2026, 9, 28),
        date(2026, 10, 5),
        date(2026, 10, 12),
        date(2026, 10, 19),
        date(2026, 11, 2),  # 26 October is half-term
    ]
    assert [o.position for o in c.occurrences] == list(range(1, 9))
    assert c.weekdays == (0,) and c.lesson_starts_at == time(9, 0)


@pytest.mark.parametrize(
    "missed, today, expected",
    [
        # Lesson 3 missed on 21 Sept: it and the rest move on a Monday each, past half-term.
        (
            3,
            date(2026, 9, 21),
            [
                date(2026, 9, 7),
                date(2026, 9, 14),
                date(2026, 9, 28),
                date(2026, 10, 5),
                date(2026, 10, 12),
                date(2026, 10, 19),
                date(2026, 11, 2),
                date(2026, 11, 9),
            ],
        ),
        # Noticed weeks later: the rest start from today's next slot, not in the past.
        (
            2,
            date(2026, 10, 7),
            [
                date(2026, 9, 7),
                date(2026, 10, 12),
                date(2026, 10, 19),
                date(2026, 11, 2),
                date(2026, 11, 9),
                date(2026, 11, 16),
                date(2026, 11, 23),
                date(2026, 11, 30),
            ],
        ),
    ],
)
def test_a_missed_lesson_pushes_the_rest_on_in_order(scheduled_school, missed, today, expected):
    c = scheduled_school.reload()
    occurrence = c.occurrences[missed - 1]
    before = [(o.uid, o.lesson_key) for o in c.occurrences]
    moved = services.push_on_from(occurrence, today=today, user=scheduled_school.teacher)
    assert len(moved) == 9 - missed
    c = scheduled_school.reload()
    assert days(c) == expected
    assert [(o.uid, o.lesson_key) for o in c.occurrences] == before  # same lessons, same order


def test_pushing_on_keeps_clear_of_taught_lessons_and_refuses_past_the_terms(scheduled_school):
    c = scheduled_school.reload()
    begin_write()
    c.occurrences[2].status = "delivered"  # lesson 3 was taught (as the runner records it)
    db.session.commit()
    services.push_on_from(c.occurrences[1], today=TODAY, user=scheduled_school.teacher)
    c = scheduled_school.reload()
    assert days(c)[:4] == [
        date(2026, 9, 7),
        date(2026, 9, 28),
        date(2026, 9, 21),
        date(2026, 10, 5),
    ]
    # Late in spring term there is no room for the rest: refused, nothing moved.
    with pytest.raises(ServiceError, match="Ask your lead to add the next term"):
        services.push_on_from(c.occurrences[3], today=date(2027, 3, 10), user=c.teacher)
    db.session.rollback()
    assert days(scheduled_school.reload())[3] == date(2026, 10, 5)


REFUSED_MOVES = [
    (2, date(2026, 10, 27), "is a closure: Autumn half-term"),
    (2, date(2026, 9, 19), "is a weekend"),
    (8, date(2027, 4, 5), "is not in any term"),
    (8, date(2026, 12, 21), "is not in any term"),
    (2, date(2026, 9, 21), "already has Lesson 3"),
    (2, None, "Enter the new date"),
]


def test_moves_onto_a_closure_another_lesson_or_outside_terms_are_refused(scheduled_school):
    for lesson, new_day, message in REFUSED_MOVES:
        occurrence = scheduled_school.reload().occurrences[lesson - 1]
        with pytest.raises(ServiceError, match=message):
            services.move_occurrence(
                occurrence, day=new_day, starts_at=None, today=TODAY, user=scheduled_school.teacher
            )
        db.session.rollback()
        assert days(scheduled_school.reload())[lesson - 1] != new_day, new_day


def test_a_move_out_of_order_or_into_the_past_is_warned_then_allowed(scheduled_school):
    c = scheduled_school.reload()
    lesson_two = c.occurrences[1]
    with pytest.raises(services.NeedsConfirmation) as warned:
        services.move_occurrence(
            lesson_two, day=date(2026, 9, 29), starts_at=None, today=TODAY, user=c.teacher
        )
    assert "comes later in the programme" in warned.value.warnings[0]
    db.session.rollback()
    assert scheduled_school.reload().occurrences[1].scheduled_on == date(2026, 9, 14)
    lesson_two = scheduled_school.reload().occurrences[1]
    services.move_occurrence(
        lesson_two,
        day=date(2026, 9, 29),
        starts_at=time(13, 0),
        today=TODAY,
        user=c.teacher,
        confirmed=True,
    )
    moved = scheduled_school.reload().occurrences[1]
    assert (moved.scheduled_on, moved.starts_at, moved.sequence) == (
        date(2026, 9, 29),
        time(13, 0),
        1,
    )
    with pytest.raises(services.NeedsConfirmation, match="has already passed"):
        services.move_occurrence(
            moved, day=date(2026, 9, 8), starts_at=None, today=date(2026, 9, 10), user=c.teacher
        )


def test_a_move_within_order_needs_no_confirmation(scheduled_school):
    c = scheduled_school.reload()
    services.move_occurrence(
        c.occurrences[1], day=date(2026, 9, 16), starts_at=None, today=TODAY, user=c.teacher
    )
    assert scheduled_school.reload().occurrences[1].scheduled_on == date(2026, 9, 16)


def test_a_clash_with_the_same_teachers_other_class_is_warned(scheduled_school):
    s = scheduled_school
    other = services.create_class(
        s.school, name="9C", year_group=9, band_override=None, teacher_id=s.teacher.id, user=s.lead
    )
    schedule_class(other, s.teacher, weekdays=(1,), starts_at=time(9, 30))
    with pytest.raises(services.NeedsConfirmation, match="overlaps 9C"):
        services.move_occurrence(
            s.reload().occurrences[0],
            day=date(2026, 9, 8),
            starts_at=None,
            today=TODAY,
            user=s.teacher,
        )


@pytest.mark.parametrize(
    ("starts_at", "clashes"),
    [
        (time(8, 40), False),  # 08:40-09:30 ends as 9C's lesson begins
        (time(8, 41), True),
        (time(10, 19), True),
        (time(10, 20), False),  # begins as 9C's 09:30-10:20 ends
    ],
)
def test_lessons_back_to_back_with_the_teachers_other_class_do_not_clash(
    scheduled_school, starts_at, clashes
):
    s = scheduled_school
    other = services.create_class(
        s.school, name="9C", year_group=9, band_override=None, teacher_id=s.teacher.id, user=s.lead
    )
    schedule_class(other, s.teacher, weekdays=(1,), starts_at=time(9, 30))  # 50 minutes
    tuesday = date(2026, 9, 8)

    def move() -> None:
        services.move_occurrence(
            s.reload().occurrences[0], day=tuesday, starts_at=starts_at, today=TODAY, user=s.teacher
        )

    if clashes:
        with pytest.raises(services.NeedsConfirmation, match="overlaps 9C"):
            move()
        assert s.reload().occurrences[0].scheduled_on == date(2026, 9, 7)
    else:
        move()  # no warning to confirm
        moved = s.reload().occurrences[0]
        assert (moved.scheduled_on, moved.starts_at) == (tuesday, starts_at)


def test_skip_cancel_and_put_back(scheduled_school):
    c = scheduled_school.reload()
    lesson = c.occurrences[3]
    services.set_occurrence_status(lesson, "skip", user=c.teacher)
    assert scheduled_school.reload().occurrences[3].status == "skipped"
    services.set_occurrence_status(
        scheduled_school.reload().occurrences[3], "cancel", user=c.teacher
    )
    assert scheduled_school.reload().occurrences[3].status == "cancelled"
    services.set_occurrence_status(
        scheduled_school.reload().occurrences[3], "restore", user=c.teacher
    )
    assert scheduled_school.reload().occurrences[3].status == "scheduled"
    with pytest.raises(ServiceError, match="Choose skip"):
        services.set_occurrence_status(lesson, "explode", user=c.teacher)


def test_a_cancelled_lesson_cannot_come_back_onto_a_day_now_taken(scheduled_school):
    c = scheduled_school.reload()
    services.set_occurrence_status(c.occurrences[1], "cancel", user=c.teacher)
    c = scheduled_school.reload()
    services.move_occurrence(
        c.occurrences[2], day=date(2026, 9, 14), starts_at=None, today=TODAY, user=c.teacher
    )
    with pytest.raises(ServiceError, match="already has Lesson 3"):
        services.set_occurrence_status(
            scheduled_school.reload().occurrences[1], "restore", user=c.teacher
        )


def test_a_closure_added_later_flags_the_lesson_on_it(scheduled_school):
    s = scheduled_school
    _, affected = services.add_closure(
        s.school,
        name="Snow day",
        kind="snow",
        first_day=date(2026, 9, 14),
        last_day=None,
        user=s.lead,
    )
    assert affected == 1
    c = s.reload()
    rows = services.plan_rows(c, services.load_calendar(s.school))
    assert "is a closure: Snow day" in rows[1].problem
    progress = services.class_progress(c, services.load_calendar(s.school), today=TODAY)
    assert progress.state == "Behind" and progress.misplaced == 1


def test_adding_an_extra_takes_its_place_by_date(scheduled_school):
    c = scheduled_school.reload()
    added = services.add_lesson(
        c,
        lesson_key="ks3/extra-class-charter",
        day=date(2026, 9, 9),
        starts_at=None,
        minutes=None,
        today=TODAY,
        user=c.teacher,
    )
    c = scheduled_school.reload()
    assert [o.position for o in c.occurrences] == list(range(1, 10))
    assert c.occurrences[1].id == added.id and added.starts_at == time(9, 0)
    assert added.minutes == 50


REFUSED_ADDITIONS = [
    ("ks3/01-what-compassion-is", date(2026, 12, 7), "already in the plan"),
    ("ks2/extra-moving-up", date(2026, 12, 7), "from this class's programme"),
    ("no/such-lesson", date(2026, 12, 7), "from this class's programme"),
    ("ks3/extra-class-charter", date(2026, 10, 28), "is a closure"),
    ("ks3/extra-class-charter", date(2026, 9, 14), "already has Lesson 2"),
]


def test_adding_a_lesson_is_refused_with_the_reason(scheduled_school):
    for key, day, message in REFUSED_ADDITIONS:
        c = scheduled_school.reload()
        with pytest.raises(ServiceError, match=message):
            services.add_lesson(
                c,
                lesson_key=key,
                day=day,
                starts_at=None,
                minutes=None,
                today=TODAY,
                user=c.teacher,
            )
        db.session.rollback()
        assert len(scheduled_school.reload().occurrences) == 8, key


def test_a_cancelled_core_lesson_can_be_added_again_later_with_a_warning(scheduled_school):
    c = scheduled_school.reload()
    services.set_occurrence_status(c.occurrences[2], "cancel", user=c.teacher)
    c = scheduled_school.reload()
    with pytest.raises(services.NeedsConfirmation, match="comes later in the programme"):
        services.add_lesson(
            c,
            lesson_key="ks3/03-soothing-breathing",
            day=date(2026, 11, 9),
            starts_at=None,
            minutes=None,
            today=TODAY,
            user=c.teacher,
        )
    db.session.rollback()
    c = scheduled_school.reload()
    services.add_lesson(
        c,
        lesson_key="ks3/03-soothing-breathing",
        day=date(2026, 11, 9),
        starts_at=None,
        minutes=None,
        today=TODAY,
        user=c.teacher,
        confirmed=True,
    )
    assert len(scheduled_school.reload().occurrences) == 9


def test_laying_out_again_keeps_uids_of_lessons_kept(scheduled_school):
    c = scheduled_school.reload()
    uids = {o.lesson_key: o.uid for o in c.occurrences}
    services.schedule_programme(
        c,
        lesson_keys=services.programme_lessons("ks3", core_numbers=range(1, 8)),
        first_day=date(2026, 9, 10),
        weekdays=[3],
        starts_at=time(11, 0),
        minutes=45,
        today=TODAY,
        user=c.teacher,
    )
    c = scheduled_school.reload()
    assert len(c.occurrences) == 7
    assert all(uids[o.lesson_key] == o.uid for o in c.occurrences)
    assert days(c)[0] == date(2026, 9, 10) and c.weekdays == (3,)


def test_the_plan_cannot_be_laid_again_after_a_lesson_is_taught(scheduled_school):
    c = scheduled_school.reload()
    begin_write()
    c.occurrences[0].status = "delivered"
    db.session.commit()
    with pytest.raises(ServiceError, match="recorded as taught"):
        schedule_class(scheduled_school.reload(), c.teacher)


def test_a_changed_plan_is_not_saved_by_an_old_confirmation(scheduled_school):
    c = scheduled_school.reload()
    with pytest.raises(services.PlanChanged):
        services.schedule_programme(
            c,
            lesson_keys=services.programme_lessons("ks3"),
            first_day=date(2026, 9, 8),
            weekdays=[1],
            starts_at=time(9, 0),
            minutes=50,
            today=TODAY,
            user=c.teacher,
            expected_digest="not-the-digest",
        )
    db.session.rollback()
    assert days(scheduled_school.reload())[0] == date(2026, 9, 7)


@pytest.mark.parametrize(
    "core, extras, expected_first, count",
    [
        (None, {}, "ks3/01-what-compassion-is", 8),
        (None, {"extra-class-charter": 0}, "ks3/extra-class-charter", 9),
        ([1, 2], {"extra-friendships-online": 1}, "ks3/01-what-compassion-is", 3),
    ],
)
def test_programme_lessons_order(core, extras, expected_first, count):
    keys = services.programme_lessons("ks3", core_numbers=core, extras=extras)
    assert keys[0] == expected_first and len(keys) == count


def test_classes_band_comes_from_the_year_with_an_override(scheduled_school):
    s = scheduled_school
    send = services.create_class(
        s.school,
        name="8S",
        year_group=8,
        band_override="ks2",
        teacher_id=s.teacher.id,
        user=s.teacher,
    )
    assert send.band == "ks2"
    reception = services.create_class(
        s.school, name="R1", year_group=0, band_override="", teacher_id=s.teacher.id, user=s.teacher
    )
    assert reception.band == "ks2" and reception.year_label == "Reception"
    # Changing 8B to the KS2 version moves its lessons still to teach to the KS2 lessons.
    services.update_class(
        s.reload(),
        name="8B",
        year_group=8,
        band_override="ks2",
        teacher_id=s.teacher.id,
        user=s.teacher,
    )
    assert s.reload().occurrences[0].lesson_key == "ks2/01-what-compassion-is"


BAD_CLASSES = [
    ({"name": ""}, "Give the class a name"),
    ({"name": "x" * 41}, "40 characters"),
    ({"name": "8b"}, "already a class called 8b"),
    ({"year_group": 14}, "Reception to Year 13"),
    ({"band_override": "ks5"}, "KS2, KS3 or KS4"),
    ({"teacher_id": "OTHER"}, "Only the school lead"),
]


def test_bad_class_input_is_refused(scheduled_school):
    s = scheduled_school
    for values, message in BAD_CLASSES:
        data = {"name": "7A", "year_group": 7, "band_override": None, "teacher_id": s.teacher.id}
        data.update(values)
        if data["teacher_id"] == "OTHER":
            data["teacher_id"] = s.other_teacher.id
        with pytest.raises(ServiceError, match=message):
            services.create_class(s.school, user=s.teacher, **data)
        db.session.rollback()
        assert db.session.query(SchoolClass).count() == 1, values


def test_a_lead_reassigns_a_class_and_archived_classes_leave_the_lists(scheduled_school):
    s = scheduled_school
    with pytest.raises(ServiceError, match="member of staff at this school"):
        services.update_class(
            s.reload(), name="8B", year_group=8, band_override=None, teacher_id=99999, user=s.lead
        )
    db.session.rollback()
    services.update_class(
        s.reload(),
        name="8B",
        year_group=8,
        band_override=None,
        teacher_id=s.other_teacher.id,
        user=s.lead,
    )
    assert [c.name for c in services.classes_for(s.other_teacher)] == ["8B"]
    assert services.classes_for(s.teacher) == []
    services.set_class_archived(s.reload(), True, user=s.lead)
    assert services.classes_for(s.other_teacher) == []
    assert [c.name for c in services.classes_for(s.lead, archived=True)] == ["8B"]


def test_programme_progress_counts_delivered_scheduled_and_behind(scheduled_school):
    s = scheduled_school
    c = s.reload()
    begin_write()
    c.occurrences[0].status = "delivered"
    db.session.commit()
    services.set_occurrence_status(s.reload().occurrences[1], "skip", user=s.teacher)
    s.other_teachers_class("5C", 5)
    rows = {
        p.school_class.name: p
        for p in services.programme_progress(s.school, today=date(2026, 9, 22))
    }
    assert rows["5C"].state == "Not scheduled"
    p = rows["8B"]
    assert (p.planned, p.delivered, p.skipped, p.overdue, p.upcoming) == (8, 1, 1, 1, 5)
    assert p.state == "Behind" and p.next_lesson.scheduled_on == date(2026, 9, 28)
    on_track = {
        r.school_class.name: r
        for r in services.programme_progress(s.school, today=date(2026, 9, 20))
    }
    assert on_track["8B"].state == "On track"


def test_the_list_of_classes_counts_each_class_as_its_own_page_does(scheduled_school):
    """The pages listing every class read plain rows and count lessons in the database
    (listed_classes, classes_progress); a class's own page counts its loaded lessons
    (class_progress): they must agree, for a lesson taught, skipped, cancelled, overdue, on
    a closure and to come, and for a class with no plan."""
    s = scheduled_school
    c = s.reload()
    begin_write()
    c.occurrences[0].status = "delivered"
    db.session.commit()
    services.set_occurrence_status(s.reload().occurrences[1], "skip", user=s.teacher)
    services.set_occurrence_status(s.reload().occurrences[3], "cancel", user=s.teacher)
    services.add_closure(
        s.school,
        name="Snow day",
        kind="snow",
        first_day=date(2026, 10, 5),
        last_day=None,
        user=s.lead,
    )
    services.create_class(
        s.school,
        name="5C",
        year_group=5,
        band_override=None,
        teacher_id=s.other_teacher.id,
        user=s.lead,
    )
    calendar = services.load_calendar(s.school)
    today = date(2026, 9, 22)  # lesson 3 (21 Sept) overdue, the snow day's lesson to come
    classes = services.classes_for(s.lead)
    listed = services.classes_progress(services.listed_classes(s.school.id), calendar, today=today)
    own = [services.class_progress(c, calendar, today=today) for c in classes]

    def figures(p):
        next_lesson = p.next_lesson and (p.next_lesson.scheduled_on, p.next_lesson.lesson_key)
        return (p.school_class.name, p.planned, p.delivered, p.skipped, p.upcoming, p.overdue,
                p.misplaced, next_lesson, p.state)  # fmt: skip

    assert [figures(p) for p in listed] == [figures(p) for p in own]
    by_name = {p.school_class.name: figures(p) for p in listed}
    assert by_name["8B"][1:7] == (7, 1, 1, 4, 1, 1)  # planned, taught, skipped, to come...
    assert by_name["5C"][-1] == "Not scheduled"


def test_a_band_change_is_refused_when_an_extra_has_no_version_in_the_new_band(scheduled_school):
    s = scheduled_school
    services.add_lesson(
        s.reload(),
        lesson_key="ks3/extra-friendships-online",
        day=date(2026, 11, 9),
        starts_at=None,
        minutes=None,
        today=TODAY,
        user=s.teacher,
    )
    with pytest.raises(ServiceError, match="has no version of"):
        services.update_class(
            s.reload(),
            name="8B",
            year_group=8,
            band_override="ks4",
            teacher_id=s.teacher.id,
            user=s.teacher,
        )
    db.session.rollback()
    c = s.reload()
    assert c.band == "ks3" and c.occurrences[0].lesson_key == "ks3/01-what-compassion-is"
