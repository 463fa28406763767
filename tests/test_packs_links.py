"""Where teachers find the packs: the lesson page, the dashboard and the class plan."""

from __future__ import annotations

from datetime import date, time

from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass

from .conftest import PASSWORD


def test_pack_links_on_lesson_page_and_class_plan(app, make_teacher):
    teacher = make_teacher()
    begin_write()
    school_class = SchoolClass(
        school_id=teacher.school_id, teacher_id=teacher.id, name="8B", year_group=8
    )
    db.session.add(school_class)
    db.session.flush()
    occurrence = LessonOccurrence(
        school_id=teacher.school_id,
        class_id=school_class.id,
        lesson_key="ks3/03-soothing-breathing",
        position=0,
        scheduled_on=date(2026, 11, 24),
        starts_at=time(9),
        minutes=50,
    )
    db.session.add(occurrence)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    lesson_page = client.get("/curriculum/ks3/03-soothing-breathing").get_data(as_text=True)
    assert 'href="/packs/lesson/ks3/03-soothing-breathing.pdf"' in lesson_page
    plan = client.get(f"/classes/{school_class.id}").get_data(as_text=True)
    assert f'href="/packs/occurrence/{occurrence.id}.pdf"' in plan
    assert f'href="/packs/class/{school_class.id}/term.pdf"' in plan
    assert f'href="/teach/{occurrence.id}"' in plan
