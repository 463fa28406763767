"""The lesson runner's pages and the delivery record, through the test client."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cmt_schools.audit.models import AuditEvent
from cmt_schools.curriculum.loader import load_curriculum
from cmt_schools.database import begin_write
from cmt_schools.demo import DemoSchool
from cmt_schools.extensions import db
from cmt_schools.runner import demo as runner_demo
from cmt_schools.runner.models import Delivery, DeliveryStep
from cmt_schools.scheduling.models import LessonOccurrence

from .conftest import PASSWORD
from .runner_fixtures import create_class, create_occurrence

LESSON_KEY = "ks3/03-soothing-breathing"
TODAY = date.today()


def lesson():
    return load_curriculum().lesson(LESSON_KEY)


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def embedded_run(page_html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="run-data">(.*?)</script>', page_html, re.S
    )
    assert match, "the lesson data is embedded as JSON"
    return json.loads(match.group(1))


def record_data(outcomes=None, **overrides) -> dict:
    outcomes = outcomes or ["taught"] * len(lesson().steps)
    data = {
        "delivered_on": (TODAY - timedelta(days=1)).isoformat(),
        "minutes_taken": "48",
        "note": "Eyes open for the whole class today.",
        **{f"outcomes-{i}": outcome for i, outcome in enumerate(outcomes)},
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def lesson_for_teacher(make_teacher):
    teacher = make_teacher()
    school_class = create_class(teacher)
    occurrence = create_occurrence(school_class, LESSON_KEY, scheduled_on=TODAY - timedelta(days=1))
    return teacher, occurrence


# ---------------------------------------------------------------- the two views


def test_teacher_opens_the_presenter_for_their_lesson(client, lesson_for_teacher):
    teacher, occurrence = lesson_for_teacher
    login(client, teacher)
    response = client.get(f"/teach/{occurrence.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    first = lesson().steps[0]
    assert "<h1>Soothing rhythm breathing</h1>" in page
    assert first.script in html.unescape(page)
    assert f'data-pupil-url="/teach/{occurrence.id}/pupils"' in page
    assert f'action="/teach/{occurrence.id}/record"' in page
    # Every step's practice shows the teacher its pass and alternative.
    for step in lesson().steps:
        if step.practice:
            assert step.practice.pass_option in html.unescape(page)
            assert step.practice.alternative in html.unescape(page)
    run = embedded_run(page)
    assert run["lessonKey"] == LESSON_KEY and len(run["steps"]) == 7
    assert run["runKey"] == f"u{teacher.id}:occurrence-{occurrence.id}"
    breathing = run["steps"][3]["practice"]
    assert (breathing["breatheIn"], breathing["breatheOut"], breathing["minutes"]) == (4, 6, 5)
    assert run["steps"][0]["timerSeconds"] == 120


def test_pages_have_no_inline_script_style_or_handlers(client, lesson_for_teacher):
    teacher, occurrence = lesson_for_teacher
    login(client, teacher)
    for path in (f"/teach/{occurrence.id}", f"/teach/{occurrence.id}/pupils"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        assert not re.search(r"\sstyle=", page)
        assert not re.search(r"\son[a-z]+=", page)
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, tag
        assert "/static/js/runner-common.js" in page


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if len(part.strip()) >= 30]


def test_pupil_screen_never_shows_the_teachers_script_or_notes(client, make_teacher):
    login(client, make_teacher())
    for key, each in load_curriculum().by_key.items():
        band, slug = key.split("/")
        response = client.get(f"/teach/practice/{band}/{slug}/pupils")
        assert response.status_code == 200, key
        page = html.unescape(response.get_data(as_text=True))
        for step in each.steps:
            assert step.pupil_text in page, (key, step.title)
            for paragraph in _paragraphs(step.script):
                assert paragraph not in page, (key, step.title, paragraph[:60])
            private = [step.send, step.safeguarding]
            if step.practice:
                private += [step.practice.pass_option, step.practice.alternative]
            for text in filter(None, private):
                assert text not in page, (key, step.title, text[:60])
        for paragraph in _paragraphs(each.safeguarding) + _paragraphs(each.preparation):
            assert paragraph not in page, key
        run = embedded_run(response.get_data(as_text=True))
        for step in run["steps"]:
            assert set(step) == {
                "stage",
                "stageLabel",
                "title",
                "minutes",
                "timerSeconds",
                "practice",
            }
            if step["practice"]:
                assert "passOption" not in step["practice"]
                assert "alternative" not in step["practice"]


def test_practice_mode_opens_every_lesson_for_teachers_and_leads(app, make_teacher, make_lead):
    teacher = make_teacher()
    lead = make_lead(teacher.school)
    for user in (teacher, lead):
        client = app.test_client()
        login(client, user)
        for key, each in load_curriculum().by_key.items():
            band, slug = key.split("/")
            response = client.get(f"/teach/practice/{band}/{slug}")
            assert response.status_code == 200, key
            page = response.get_data(as_text=True)
            assert f"<h1>{html.escape(each.title)}</h1>" in page
            assert "Practice run" in page
            assert "data-record-form" not in page  # nothing is recorded in practice
            assert embedded_run(page)["runKey"] == f"u{user.id}:practice-{key}"


UNKNOWN_PATHS = [
    "/teach/practice/ks9/01-what-compassion-is",
    "/teach/practice/ks3/no-such-lesson",
    "/teach/practice/KS3/01-what-compassion-is",
    "/teach/practice/ks3/..%2Fks4%2F01-what-compassion-is",
    "/teach/practice/ks9/01-what-compassion-is/pupils",
    "/teach/practice/ks3/no-such-lesson/pupils",
    "/teach/999999",
    "/teach/999999/pupils",
    "/teach/not-a-number",
]


def test_unknown_lessons_give_404(client, make_teacher):
    login(client, make_teacher())
    for path in UNKNOWN_PATHS:
        assert client.get(path).status_code == 404, path
    assert client.post("/teach/999999/record", data=record_data()).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, lesson_for_teacher):
    _, occurrence = lesson_for_teacher
    for path in (
        f"/teach/{occurrence.id}",
        f"/teach/{occurrence.id}/pupils",
        "/teach/practice/ks3/03-soothing-breathing",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/teach/{occurrence.id}/record", data=record_data()).status_code == 401


# ---------------------------------------------------------------- who may open and record


def test_only_the_classs_teacher_or_their_lead_may_open_or_record(
    app, lesson_for_teacher, make_teacher, make_lead
):
    teacher, occurrence = lesson_for_teacher
    colleague = make_teacher(teacher.school)
    own_lead = make_lead(teacher.school)
    other_lead = make_lead()
    other_teacher = make_teacher(other_lead.school)
    paths = [f"/teach/{occurrence.id}", f"/teach/{occurrence.id}/pupils"]
    for outsider in (colleague, other_lead, other_teacher):
        client = app.test_client()
        login(client, outsider)
        for path in paths:
            assert client.get(path).status_code == 404, (outsider.email, path)
        response = client.post(f"/teach/{occurrence.id}/record", data=record_data())
        assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert db.session.get(LessonOccurrence, occurrence.id).status == "scheduled"
    for insider in (teacher, own_lead):
        client = app.test_client()
        login(client, insider)
        for path in paths:
            assert client.get(path).status_code == 200, (insider.email, path)
    client = app.test_client()
    login(client, own_lead)
    assert client.post(f"/teach/{occurrence.id}/record", data=record_data()).status_code == 302
    assert db.session.scalars(select(Delivery)).one().recorded_by_id == own_lead.id


# ---------------------------------------------------------------- recording


def test_recording_marks_the_lesson_delivered_with_each_steps_practice(client, lesson_for_teacher):
    teacher, occurrence = lesson_for_teacher
    login(client, teacher)
    outcomes = ["taught", "taught", "shortened", "shortened", "taught", "skipped", "skipped"]
    response = client.post(f"/teach/{occurrence.id}/record", data=record_data(outcomes))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/teach/{occurrence.id}#record")
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.occurrence_id == occurrence.id
    assert delivery.school_id == teacher.school_id
    assert delivery.delivered_on == TODAY - timedelta(days=1)
    assert delivery.minutes_taken == 48
    assert delivery.recorded_by_id == teacher.id
    assert delivery.note == "Eyes open for the whole class today."
    steps = [(s.step_index, s.stage, s.outcome, s.practice_minutes) for s in delivery.steps]
    # arrive: 2-minute timer taught; practise: 5-minute breathing shortened -> 3; the
    # skipped calm close's 1-minute timer counts 0.
    assert steps == [
        (0, "arrive", "taught", 2),
        (1, "big_idea", "taught", 0),
        (2, "explore", "shortened", 0),
        (3, "practise", "shortened", 3),
        (4, "reflect", "taught", 0),
        (5, "try_this_week", "skipped", 0),
        (6, "calm_close", "skipped", 0),
    ]
    assert db.session.get(LessonOccurrence, occurrence.id).status == "delivered"
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "delivery.recorded"
    # In words: the class, the lesson, its date, and how much of it was taught.
    assert event.detail.startswith(f"{occurrence.school_class.name}, Lesson ")
    assert event.detail.endswith("5 of 7 steps done")
    page = client.get(f"/teach/{occurrence.id}").get_data(as_text=True)
    assert "What you delivered is recorded" in page
    assert "Recorded as delivered on" in page


def test_recording_again_replaces_the_earlier_record(client, lesson_for_teacher):
    teacher, occurrence = lesson_for_teacher
    login(client, teacher)
    client.post(f"/teach/{occurrence.id}/record", data=record_data(["skipped"] * 7))
    first_id = db.session.scalars(select(Delivery.id)).one()
    again = record_data(["taught"] * 7, minutes_taken="52", note="")
    assert client.post(f"/teach/{occurrence.id}/record", data=again).status_code == 302
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.id == first_id
    assert delivery.minutes_taken == 52 and delivery.note == ""
    assert [s.outcome for s in delivery.steps] == ["taught"] * 7
    assert db.session.scalar(select(func.count()).select_from(DeliveryStep)) == 7
    assert sum(s.practice_minutes for s in delivery.steps) == 2 + 5 + 1
    # The form shows the saved record to change.
    page = client.get(f"/teach/{occurrence.id}").get_data(as_text=True)
    assert 'value="52"' in page and "Save the record again" in page


FUTURE = (TODAY + timedelta(days=2)).isoformat()


BAD_INPUT = [
    ({"delivered_on": FUTURE}, "cannot be in the future"),
    ({"delivered_on": ""}, "Enter the date the lesson was taught"),
    ({"delivered_on": "2026-13-45"}, "Enter a real date"),
    ({"delivered_on": (TODAY - timedelta(days=400)).isoformat()}, "more than a year ago"),
    ({"minutes_taken": "0"}, "1 to 180"),
    ({"minutes_taken": "999"}, "1 to 180"),
    ({"minutes_taken": "fifty"}, "whole number"),
    ({"minutes_taken": ""}, "Enter the minutes"),
    ({"outcomes-3": "brilliant"}, "Not a valid choice"),
    ({"outcomes-6": None}, "each of the lesson&#39;s 7 steps"),
    ({"outcomes-7": "taught"}, "each of the lesson&#39;s 7 steps"),
    ({"note": "x" * 1001}, "1000 characters or fewer"),
]


def test_bad_input_is_refused_clearly_and_nothing_is_saved(client, lesson_for_teacher):
    teacher, occurrence = lesson_for_teacher
    login(client, teacher)
    for overrides, message in BAD_INPUT:
        data = record_data()
        for key, value in overrides.items():
            if value is None:
                data.pop(key)
            else:
                data[key] = value
        response = client.post(f"/teach/{occurrence.id}/record", data=data)
        assert response.status_code == 400, overrides
        page = response.get_data(as_text=True)
        assert message in page, overrides
        assert 'role="alert"' in page, overrides
        # The form keeps one outcome per step, whatever was posted.
        assert len(re.findall(r"<select[^>]*data-outcome-step", page)) == 7, overrides
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0, overrides
        assert db.session.scalar(select(func.count()).select_from(DeliveryStep)) == 0
        assert db.session.get(LessonOccurrence, occurrence.id).status == "scheduled"


def test_a_cancelled_lesson_cannot_be_recorded(client, make_teacher):
    teacher = make_teacher()
    occurrence = create_occurrence(create_class(teacher), LESSON_KEY, status="cancelled")
    login(client, teacher)
    assert "This lesson is cancelled" in client.get(f"/teach/{occurrence.id}").get_data(
        as_text=True
    )
    response = client.post(f"/teach/{occurrence.id}/record", data=record_data())
    assert response.status_code == 400
    assert "was cancelled, so it cannot be recorded" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert db.session.get(LessonOccurrence, occurrence.id).status == "cancelled"


def test_the_note_is_plain_text_shown_escaped(client, lesson_for_teacher):
    teacher, occurrence = lesson_for_teacher
    login(client, teacher)
    # A NUL (or another control character) is refused, like anywhere else (core/inputs.py).
    refused = client.post(
        f"/teach/{occurrence.id}/record", data=record_data(note="a note\x00 with a NUL")
    )
    assert refused.status_code == 400 and db.session.scalars(select(Delivery)).first() is None
    note = "<script>alert('x')</script> & <b>bold</b>\r\nline two"
    client.post(f"/teach/{occurrence.id}/record", data=record_data(note=note))
    stored = db.session.scalars(select(Delivery)).one().note
    assert stored == "<script>alert('x')</script> & <b>bold</b>\nline two"
    page = client.get(f"/teach/{occurrence.id}").get_data(as_text=True)
    assert "<script>alert(" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_the_record_binds_only_its_own_fields(client, lesson_for_teacher, make_teacher):
    teacher, occurrence = lesson_for_teacher
    stranger = make_teacher()
    login(client, teacher)
    data = record_data(
        school_id=str(stranger.school_id),
        recorded_by_id=str(stranger.id),
        occurrence_id="999",
        status="cancelled",
    )
    assert client.post(f"/teach/{occurrence.id}/record", data=data).status_code == 302
    delivery = db.session.scalars(select(Delivery)).one()
    assert (delivery.school_id, delivery.recorded_by_id, delivery.occurrence_id) == (
        teacher.school_id,
        teacher.id,
        occurrence.id,
    )
    assert db.session.get(LessonOccurrence, occurrence.id).status == "delivered"


# ---------------------------------------------------------------- the demo


def test_demo_records_most_past_lessons_and_leaves_one_behind(app, make_lead, make_teacher):
    lead = make_lead()
    teachers = [make_teacher(lead.school), make_teacher(lead.school)]
    today = date(2026, 11, 23)
    classes = [
        create_class(teachers[0], name="8B"),
        create_class(teachers[1], name="5P", year_group=5),
    ]
    past_by_class = {}
    for school_class, band in zip(classes, ("ks3", "ks2"), strict=True):
        core = load_curriculum().band(band).core
        for position, each in enumerate(core, start=1):
            scheduled_on = date(2026, 9, 7) + timedelta(weeks=position - 1)
            create_occurrence(
                school_class,
                each.key,
                scheduled_on=scheduled_on,
                position=position,
                minutes=each.minutes,
            )
            past_by_class.setdefault(school_class.id, 0)
            past_by_class[school_class.id] += scheduled_on < today
    cancelled = create_occurrence(
        classes[1], "ks2/extra-class-charter", scheduled_on=date(2026, 9, 8), status="cancelled"
    )
    demo = DemoSchool(school=lead.school, lead=lead, teachers=teachers, today=today, created=True)
    begin_write()
    runner_demo.seed(demo)
    db.session.commit()

    deliveries = db.session.scalars(select(Delivery)).all()
    assert len(deliveries) == sum(past_by_class.values()) - 1
    statuses = {o.id: o.status for o in db.session.scalars(select(LessonOccurrence))}
    past_undelivered = [
        o
        for o in db.session.scalars(select(LessonOccurrence))
        if o.scheduled_on < today and o.status == "scheduled"
    ]
    assert len(past_undelivered) == 1
    assert past_undelivered[0].class_id == classes[0].id
    assert statuses[cancelled.id] == "cancelled"
    assert all(
        o.status == "scheduled"
        for o in db.session.scalars(select(LessonOccurrence))
        if o.scheduled_on >= today
    )
    outcomes = [s.outcome for d in deliveries for s in d.steps]
    assert outcomes.count("taught") > 0.85 * len(outcomes)
    assert "shortened" in outcomes and "skipped" in outcomes
    assert any(d.note for d in deliveries)
    for delivery in deliveries:
        occurrence = db.session.get(LessonOccurrence, delivery.occurrence_id)
        assert delivery.delivered_on == occurrence.scheduled_on
        assert delivery.recorded_by_id == occurrence.school_class.teacher_id
        assert len(delivery.steps) == 7
