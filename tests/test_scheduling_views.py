"""The pages: dashboard "this week and next", calendars, the programme view; the demo and CLI."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from sqlalchemy import func, select

from cmt_schools.core.dates import school_today, short_date
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.scheduling import services
from cmt_schools.scheduling.models import Closure, LessonOccurrence, SchoolClass, Term

from .conftest import PASSWORD
from .scheduling_fixtures import add_term_around_today, scheduled_school_fixture  # noqa: F401


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return client


def _year_6_class_with_a_lesson(school, lead, teacher, *, day, today):
    """Class 6N of `teacher`, with the first KS2 lesson at 09:00 on `day`, confirmed."""
    school_class = services.create_class(
        school, name="6N", year_group=6, band_override=None, teacher_id=teacher.id, user=lead
    )
    services.add_lesson(
        school_class,
        lesson_key="ks2/01-what-compassion-is",
        day=day,
        starts_at=time(9, 0),
        minutes=30,
        today=today,
        user=teacher,
        confirmed=True,
    )
    return school_class


def test_dashboard_shows_this_week_and_next_with_links(app, make_school, make_lead, make_teacher):
    school = make_school()
    lead, teacher, other = make_lead(school), make_teacher(school), make_teacher(school)
    # Term dates around the real today, and a lesson on the first school day of this week.
    today, monday = add_term_around_today(school, lead, days_before=7, days_after=60)
    calendar = services.load_calendar(school)
    days = list(calendar.school_days(monday, monday + timedelta(days=13)))
    c = _year_6_class_with_a_lesson(school, lead, teacher, day=days[0], today=today)
    page = login(app, teacher).get("/dashboard")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This week" in text and "Next week" in text
    assert "6N: Lesson 1: What compassion is" in text
    assert f"/classes/{c.id}#lesson-" in text
    # The other teacher's dashboard does not show it.
    others = login(app, other).get("/dashboard").get_data(as_text=True)
    assert "6N: Lesson 1" not in others and "Add your first class" in others
    assert "Schedule the programme for" not in text  # 6N has its lesson
    # A class with no lesson planned yet is pointed out to its own teacher only.
    services.create_class(
        school, name="6Q", year_group=6, band_override=None, teacher_id=other.id, user=lead
    )
    other_page = login(app, other).get("/dashboard").get_data(as_text=True)
    assert "Schedule the programme for 6Q" in other_page
    assert "Schedule the programme for 6Q" not in login(app, teacher).get("/dashboard").get_data(
        as_text=True
    )
    # The lead sees the school's lessons, each with its class's teacher.
    whole_school = login(app, lead).get("/dashboard").get_data(as_text=True)
    assert "6N: Lesson 1: What compassion is" in whole_school
    assert f"({teacher.name})" in whole_school and "Schedule the programme for" not in whole_school


def test_class_page_shows_the_plan_and_a_month_grid_with_closures(app, scheduled_school):
    s = scheduled_school
    client = login(app, s.teacher)
    text = client.get(f"/classes/{s.school_class.id}?term={_term_id('Autumn 2026')}").get_data(
        as_text=True
    )
    assert "Lesson 8: Blocks, fears and my toolkit" in text
    assert "Monday 2 November 2026" in text
    assert "October 2026" in text and "Autumn half-term" in text
    assert "December 2026" in text


def test_term_dates_page_shows_bank_holidays_in_the_grid(app, scheduled_school):
    s = scheduled_school
    services.add_term(
        s.school,
        name="Summer 2027",
        first_day=date(2027, 4, 12),
        last_day=date(2027, 7, 21),
        user=s.lead,
    )
    client = login(app, s.lead)
    text = client.get(f"/calendar?term={_term_id('Summer 2027')}").get_data(as_text=True)
    assert "May Day" in text and "Spring Bank Holiday" in text
    page = client.get("/term-dates")
    assert page.status_code == 200 and "Autumn half-term" in page.get_data(as_text=True)


def test_the_lead_adds_terms_and_closures_through_the_pages(app, make_lead):
    lead = make_lead()
    client = login(app, lead)
    response = client.post(
        "/term-dates/terms",
        data={
            "term-name": "Autumn 2026",
            "term-first_day": "2026-09-02",
            "term-last_day": "2026-12-18",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/term-dates/closures",
        data={
            "closure-name": "INSET day",
            "closure-kind": "inset",
            "closure-first_day": "2026-09-02",
            "closure-last_day": "",
        },
    )
    assert response.status_code == 302
    closure = db.session.scalars(select(Closure)).one()
    assert (closure.first_day, closure.last_day) == (date(2026, 9, 2), date(2026, 9, 2))
    term = db.session.scalars(select(Term)).one()
    response = client.post(
        f"/term-dates/terms/{term.id}",
        data={"name": "Autumn", "first_day": "2026-09-01", "last_day": "2026-12-18"},
    )
    assert response.status_code == 302
    assert client.post(f"/term-dates/closures/{closure.id}/delete").status_code == 302
    assert client.post(f"/term-dates/terms/{term.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Term)) == 0


def test_programme_view_lists_every_class_with_its_progress(app, scheduled_school):
    s = scheduled_school
    s.other_teachers_class("5C", 5)
    text = login(app, s.lead).get("/programme").get_data(as_text=True)
    assert "8B" in text and "5C" in text and "Not scheduled" in text
    assert "0 of 8" in text
    # Each class links to its page and its teacher's calendar, named.
    five_c = db.session.scalars(select(SchoolClass).where(SchoolClass.name == "5C")).one()
    assert f'<a href="/classes/{five_c.id}">5C</a>' in text
    assert f'<a href="/calendar?teacher={s.other_teacher.id}">{s.other_teacher.name}</a>' in text


def test_a_teacher_moves_skips_and_pushes_on_through_the_pages(app, scheduled_school):
    s = scheduled_school
    client = login(app, s.teacher)
    c = s.reload()
    second, third = c.occurrences[1], c.occurrences[2]
    # Out of order: warned first, then moved once confirmed.
    warned = client.post(
        f"/lessons/{second.id}/move", data={"day": "2026-09-29", "starts_at": "09:00"}
    )
    assert warned.status_code == 200 and "Are you sure?" in warned.get_data(as_text=True)
    assert s.reload().occurrences[1].scheduled_on == date(2026, 9, 14)
    moved = client.post(
        f"/lessons/{second.id}/move",
        data={"day": "2026-09-29", "starts_at": "09:00", "confirm": "y"},
    )
    assert moved.status_code == 302
    assert s.reload().occurrences[1].scheduled_on == date(2026, 9, 29)
    assert client.post(f"/lessons/{third.id}/status", data={"action": "skip"}).status_code == 302
    assert s.reload().occurrences[2].status == "skipped"
    response = client.post(f"/lessons/{c.occurrences[3].id}/missed")
    assert response.status_code == 302
    assert s.reload().occurrences[3].scheduled_on > date(2026, 9, 28)
    response = client.post(
        f"/classes/{c.id}/lessons/new",
        data={
            "lesson_key": "ks3/extra-class-charter",
            "day": "2026-09-09",
            "confirm": "y",
            "starts_at": "09:00",
            "minutes": "45",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LessonOccurrence)) == 9
    assert client.post(f"/classes/{c.id}/archive", data={"archived": "1"}).status_code == 302
    assert db.session.get(SchoolClass, c.id).archived
    # Archived, it leaves the table for the archived list: the teacher's, and the lead's
    # with its teacher's name.
    own = client.get("/classes").get_data(as_text=True)
    assert "No classes yet" in own and "Archived classes" in own
    assert f'/classes/{c.id}">{c.name}</a> <span class="muted">(Year 8)</span>' in own
    school = login(app, s.lead).get("/classes").get_data(as_text=True)
    assert f'{c.name}</a> <span class="muted">(Year 8, {s.teacher.name})</span>' in school


def _term_id(name: str) -> int:
    return db.session.scalars(select(Term).where(Term.name == name)).one().id


def test_demo_seeds_terms_and_a_class_in_each_band_partly_in_the_past(app, runner):
    app.config["DEMO_PASSWORD"] = "demo pass phrase"
    result = runner.invoke(args=["cmt", "demo", "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    # Scheduling's own demo classes (the term summary's demo adds more year groups).
    classes = {
        c.name: c for c in db.session.scalars(select(SchoolClass)) if c.name in ("5C", "8B", "10A")
    }
    assert {name: c.band for name, c in classes.items()} == {"5C": "ks2", "8B": "ks3", "10A": "ks4"}
    assert classes["8B"].teacher.email == "teacher1@oakfield.example"
    assert classes["10A"].teacher.email == "teacher2@oakfield.example"
    for c in classes.values():
        past = [o for o in c.occurrences if o.scheduled_on < date(2026, 11, 22)]
        assert 1 <= len(past) < len(c.occurrences)
        # The runner's demo records past lessons as taught; the future stays scheduled.
        assert all(o.status == "scheduled" for o in c.occurrences if o not in past)
        assert any(o.status == "delivered" for o in past)
    terms = db.session.scalars(select(Term).order_by(Term.first_day)).all()
    assert terms[0].first_day <= date(2026, 11, 22) <= terms[0].last_day
    assert db.session.scalar(select(func.count()).select_from(Closure)) >= 6
    shown = runner.invoke(args=["cmt", "schedule", "show", str(classes["8B"].id)])
    assert shown.exit_code == 0 and "Our class compassion charter" in shown.output
    missing = runner.invoke(args=["cmt", "schedule", "show", "99999"])
    assert missing.exit_code == 1 and "no class with id 99999" in missing.output
    days = runner.invoke(
        args=[
            "cmt",
            "schedule",
            "days",
            "--school-id",
            str(classes["8B"].school_id),
            "--from",
            "2026-10-23",
            "--to",
            "2026-10-26",
        ]
    )
    assert "2026-10-23  school day" in days.output and "Autumn half-term" in days.output


def test_demo_works_on_any_day_of_the_year(app, make_lead):
    from cmt_schools.demo import seed_demo

    for today in (date(2027, 8, 10), date(2028, 1, 1)):
        db.session.rollback()
        for model in (LessonOccurrence, SchoolClass, Closure, Term):
            begin_write()
            db.session.query(model).delete()
            db.session.commit()
        from cmt_schools.scheduling.demo import seed

        demo = seed_demo(password="demo pass phrase", today=today)
        if not demo.created:
            begin_write()
            seed(demo)
            db.session.commit()
        classes = [
            c for c in db.session.scalars(select(SchoolClass)) if c.name in ("5C", "8B", "10A")
        ]
        assert len(classes) == 3 and all(len(c.occurrences) >= 8 for c in classes), today


def test_the_account_page_links_to_the_calendar_feed_settings(app, make_lead):
    lead = make_lead()
    client = login(app, lead)
    assert "/calendar/feed" in client.get("/account").get_data(as_text=True)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Enter this year's terms, half-terms and INSET days" in dashboard


def test_the_schedule_form_ticks_no_weekday_and_says_how_many_lessons_a_week(app, scheduled_school):
    s = scheduled_school
    client = login(app, s.teacher)
    page = client.get(f"/classes/{s.school_class.id}/schedule").get_data(as_text=True)
    assert 'name="weekdays"' in page
    assert not re.search(r'<input[^>]*checked[^>]*name="weekdays"', page)
    assert "Last time: Mondays." in page  # the class's weekdays are said, not ticked
    data = {
        "core": [str(n) for n in range(1, 9)],
        "first_day": "2026-09-08",
        "starts_at": "10:00",
        "minutes": "50",
        "step": "preview",
    }
    one = client.post(f"/classes/{s.school_class.id}/schedule", data={**data, "weekdays": ["0"]})
    assert "1 lesson a week, on Mondays." in one.get_data(as_text=True)
    two = client.post(
        f"/classes/{s.school_class.id}/schedule", data={**data, "weekdays": ["0", "3"]}
    )
    html = two.get_data(as_text=True)
    assert "2 lessons a week: Mondays and Thursdays." in html
    assert "Most classes have one a week: untick a day" in html


def test_the_term_dates_forms_have_their_own_ids_and_labels(app, scheduled_school):
    client = login(app, scheduled_school.lead)
    page = client.get("/term-dates").get_data(as_text=True)
    for prefix in ("term", "closure"):
        for name in ("name", "first_day", "last_day"):
            assert page.count(f'id="{prefix}-{name}"') == 1
            assert f'<label class="label" for="{prefix}-{name}">' in page
    assert 'id="name"' not in page and 'id="csrf_token"' not in page


def test_the_leads_dashboard_lists_the_schools_lessons_and_closures_in_one_sentence(
    app, make_school, make_lead, make_teacher
):
    school = make_school()
    lead, teacher = make_lead(school), make_teacher(school)
    # Next week is half-term: no lessons, and one sentence says why.
    today, monday = add_term_around_today(
        school, lead, days_before=7, days_after=60, half_term_after=7
    )
    calendar = services.load_calendar(school)
    day = next(iter(calendar.school_days(monday, monday + timedelta(days=6))), None)
    if day is None:  # a week with no school day in it (a bank holiday week): nothing to see
        return
    _year_6_class_with_a_lesson(school, lead, teacher, day=day, today=today)
    html = login(app, lead).get("/dashboard").get_data(as_text=True)
    this_week, next_week = html.split('id="week-1"')[1].split('id="week-2"')
    assert "This week across the school" in this_week
    assert "6N: Lesson 1: What compassion is" in this_week  # as the programme counts it
    programme = login(app, lead).get("/programme").get_data(as_text=True)
    assert "6N" in programme
    assert "No CMT lessons this week" not in this_week
    sentence = re.search(r'<p class="muted">(No CMT lessons next week[^<]*)</p>', next_week)
    first, last = monday + timedelta(days=7), monday + timedelta(days=11)
    assert sentence.group(1) == (
        f"No CMT lessons next week (Half-term, {short_date(first)} to {short_date(last)})."
    )
    assert "day-closed" not in next_week  # the closure is not listed as if it were a lesson


def test_the_calendar_opens_at_this_month_with_a_today_control(app, make_school, make_lead):
    school = make_school()
    lead = make_lead(school)
    today = school_today(school)
    services.add_term(
        school,
        name="Long term",
        first_day=today - timedelta(days=70),
        last_day=today + timedelta(days=40),
        user=lead,
    )
    html = login(app, lead).get("/calendar").get_data(as_text=True)
    this_month = date(today.year, today.month, 1).strftime("%B %Y")
    folded, shown = html.split("</details>")
    # The months before this one are folded away; the first one shown is this month.
    assert "<summary>Earlier in Long term:" in folded
    assert re.findall(r"<caption>([^<]+)</caption>", shown)[0] == this_month
    assert html.count('id="today"') == 1
    assert 'href="/calendar#today">Today</a>' in html
